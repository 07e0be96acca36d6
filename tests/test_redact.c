// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_redact.c - cmocka suite for analyze/exporters/redact.c: records are built in memory through
 * formats/, redacted, parsed back, and their items compared with what each class promises.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "redact.h"

struct rec_buf {
	uint8_t in[SCF_REC_MAX], out[SCF_REC_MAX];
	struct scf_record rec, red;
};

static void parse(const uint8_t *buf, size_t len, struct scf_record *rec)
{
	assert_true(len > 0);
	assert_int_equal(scf_record_parse(buf, len, rec, NULL, 0), 0);
}

/* A SYSCALL record with one item (tag, data, len). */
static void syscall_with(struct rec_buf *b, uint16_t tag, const void *data, size_t len)
{
	struct scf_syscall sc = { .pid = 10, .tid = 10, .nr = 257, .abi = SCF_ABI_X86_64 };
	struct scf_rec_builder rb;

	memset(sc.trace_id, 0xab, 16);
	memset(sc.span_id, 0xcd, 8);
	scf_rb_begin(&rb, b->in, sizeof(b->in), SCF_REC_SYSCALL, SCF_SYSCALL_F_CTX, &sc,
		     sizeof(sc));
	scf_rb_item(&rb, tag, data, len);
	parse(b->in, scf_rb_end(&rb), &b->rec);
}

static void redact(struct ana_redactor *r, struct rec_buf *b)
{
	parse(b->out, ana_redact_record(r, &b->rec, b->out, sizeof(b->out)), &b->red);
}

static bool item(const struct scf_record *rec, uint16_t tag, const uint8_t **d, uint16_t *len)
{
	return scf_record_item(rec, tag, d, len) == 1;
}

static bool contains(const uint8_t *d, size_t len, const char *s)
{
	return memmem(d, len, s, strlen(s)) != NULL;
}

static void redacted_path(struct ana_redactor *r, const char *path, char *out, size_t outsz)
{
	struct rec_buf b;
	const uint8_t *d;
	uint16_t len;

	syscall_with(&b, SCF_ITEM_PATH, path, strlen(path));
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_PATH, &d, &len));
	assert_true(len < outsz);
	memcpy(out, d, len);
	out[len] = 0;
}

static void test_redact_path_keeps_structure(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_DEFAULT, "k");
	char abs[256], again[256], rel[256], dots[256];

	(void)state;
	assert_non_null(r);
	redacted_path(r, "/srv/app/orders.json", abs, sizeof(abs));
	/* "/" + 10 + "/" + 10 + "/" + 10 + ".json" */
	assert_int_equal(strlen(abs), 1 + 10 + 1 + 10 + 1 + 10 + 5);
	assert_true(abs[0] == '/' && abs[11] == '/' && abs[22] == '/');
	assert_string_equal(abs + strlen(abs) - 5, ".json");
	assert_null(strstr(abs, "srv"));
	assert_null(strstr(abs, "app"));
	assert_null(strstr(abs, "orders"));
	redacted_path(r, "/srv/app/orders.json", again, sizeof(again));
	assert_string_equal(abs, again);
	/* a relative name joined to its directory reads like the whole path redacted */
	redacted_path(r, "app/orders.json", rel, sizeof(rel));
	assert_string_equal(abs + 12, rel);
	redacted_path(r, "../x/./secret.tar.gz", dots, sizeof(dots));
	assert_memory_equal(dots, "../", 3);
	assert_memory_equal(dots + 3 + 10, "/./", 3);
	assert_string_equal(dots + strlen(dots) - 3, ".gz");
	assert_null(strstr(dots, "secret"));
	ana_redactor__free(r);
}

static void test_redact_key_gives_the_same_pseudonyms(void **state)
{
	struct ana_redactor *a = ana_redactor__new(ANA_REDACT_PATHS, "key one");
	struct ana_redactor *b = ana_redactor__new(ANA_REDACT_PATHS, "key one");
	struct ana_redactor *c = ana_redactor__new(ANA_REDACT_PATHS, "key two");
	struct ana_redactor *rnd = ana_redactor__new(ANA_REDACT_PATHS, NULL);
	char pa[64], pb[64], pc[64], pr[64];

	(void)state;
	redacted_path(a, "/etc/passwd", pa, sizeof(pa));
	redacted_path(b, "/etc/passwd", pb, sizeof(pb));
	redacted_path(c, "/etc/passwd", pc, sizeof(pc));
	redacted_path(rnd, "/etc/passwd", pr, sizeof(pr));
	assert_string_equal(pa, pb);
	assert_string_not_equal(pa, pc);
	assert_string_not_equal(pa, pr);
	ana_redactor__free(a);
	ana_redactor__free(b);
	ana_redactor__free(c);
	ana_redactor__free(rnd);
}

static void test_redact_ipv4_keeps_family_and_port(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_ADDRS, "k");
	uint8_t sa[8] = { 2, 0, 0x38, 0x15, 10, 1, 2, 3 }; /* 10.1.2.3:5432 */
	uint8_t any[8] = { 2, 0, 0x50, 0, 0, 0, 0, 0 };	   /* 0.0.0.0:80 */
	struct scf_sockaddr dec;
	struct rec_buf b;
	const uint8_t *d;
	uint16_t len;

	(void)state;
	syscall_with(&b, SCF_ITEM_SOCKADDR, sa, sizeof(sa));
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_SOCKADDR, &d, &len));
	assert_int_equal(scf_sockaddr_decode(d, len, &dec), 0);
	assert_int_equal(dec.family, SCF_AF_INET);
	assert_int_equal(dec.port, 5432);
	assert_int_equal(dec.addr[0] & 0xf0, 0xf0); /* 240.0.0.0/4 */
	assert_memory_not_equal(dec.addr, sa + 4, 4);
	syscall_with(&b, SCF_ITEM_SOCKADDR, any, sizeof(any));
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_SOCKADDR, &d, &len));
	assert_memory_equal(d, any, sizeof(any));
	ana_redactor__free(r);
}

static void test_redact_ipv6_and_unix(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_ADDRS, "k");
	uint8_t v6[24] = { 10, 0, 0xbb, 0x01, 0x20, 0x01, 0x0d, 0xb8 }; /* [2001:db8::]:443 */
	uint8_t un[4 + 16] = { 1, 0, 0, 0, '/', 'r', 'u', 'n', '/', 's', 'e', 'c', 'r', 'e',
			       't', '.', 's', 'o', 'c', 'k' };
	struct scf_sockaddr dec;
	struct rec_buf b;
	const uint8_t *d;
	uint16_t len;

	(void)state;
	syscall_with(&b, SCF_ITEM_SOCKADDR, v6, sizeof(v6));
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_SOCKADDR, &d, &len));
	assert_int_equal(len, 24);
	assert_int_equal(scf_sockaddr_decode(d, len, &dec), 0);
	assert_int_equal(dec.port, 443);
	assert_int_equal(dec.addr[0], 0xfd);
	assert_false(contains(d, len, "\x20\x01\x0d\xb8"));
	syscall_with(&b, SCF_ITEM_SOCKADDR, un, sizeof(un));
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_SOCKADDR, &d, &len));
	assert_int_equal(d[0], SCF_AF_UNIX);
	assert_false(contains(d, len, "secret"));
	assert_false(contains(d, len, "run"));
	assert_true(contains(d, len, ".sock"));
	ana_redactor__free(r);
}

static void test_redact_bad_address_item_dropped(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_ADDRS, "k");
	uint8_t cut[6] = { 2, 0, 0x38, 0x15, 10, 1 };
	struct rec_buf b;
	const uint8_t *d;
	uint16_t len;

	(void)state;
	syscall_with(&b, SCF_ITEM_SOCKADDR, cut, sizeof(cut));
	redact(r, &b);
	assert_false(item(&b.red, SCF_ITEM_SOCKADDR, &d, &len));
	ana_redactor__free(r);
}

static void test_redact_unknown_item_dropped_copy_keeps_it(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_PATHS, "k");
	struct rec_buf b;
	const uint8_t *d;
	uint16_t len;

	(void)state;
	syscall_with(&b, 999, "anything", 8);
	redact(r, &b);
	assert_false(item(&b.red, 999, &d, &len));
	redact(NULL, &b);
	assert_true(item(&b.red, 999, &d, &len));
	assert_memory_equal(d, "anything", 8);
	assert_int_equal(b.red.len, b.rec.len);
	assert_memory_equal(b.red.body, b.rec.body, b.rec.body_len);
	ana_redactor__free(r);
}

static void test_redact_resource_attrs(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_ATTRS, "k");
	struct scf_process p = { .pid = 10 };
	struct scf_rec_builder rb;
	struct scf_attr_iter it;
	struct scf_attr a;
	struct rec_buf b;
	uint8_t attrs[256];
	size_t alen = 0;
	int64_t pid = 4242;
	const uint8_t *d;
	uint16_t len;
	int seen = 0;

	(void)state;
	assert_int_equal(scf_attrs_append(attrs, sizeof(attrs), &alen, SCF_VAL_STRING,
					  "service.name", 12, "payments-prod", 13), 0);
	assert_int_equal(scf_attrs_append(attrs, sizeof(attrs), &alen, SCF_VAL_INT, "process.pid",
					  11, &pid, 8), 0);
	assert_int_equal(scf_attrs_append(attrs, sizeof(attrs), &alen, SCF_VAL_STRING,
					  "threadlocal.schema_version", 26, "tlsdesc_v1_dev", 14),
			 0);
	scf_rb_begin(&rb, b.in, sizeof(b.in), SCF_REC_PROCESS, 0, &p, sizeof(p));
	scf_rb_item(&rb, SCF_ITEM_RESOURCE_ATTRS, attrs, alen);
	scf_rb_item(&rb, SCF_ITEM_EXTRA_ATTRS, attrs, alen - 3); /* cut inside an entry */
	parse(b.in, scf_rb_end(&rb), &b.rec);
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_RESOURCE_ATTRS, &d, &len));
	assert_false(contains(d, len, "payments-prod"));
	scf_attrs_begin(&it, d, len);
	while (scf_attrs_next(&it, &a) == 1) {
		if (a.key_len == 12) {
			assert_int_equal(a.val_len, 10);
			seen |= 1;
		} else if (a.key_len == 11) {
			assert_memory_equal(a.val, &pid, 8);
			seen |= 2;
		} else {
			assert_memory_equal(a.val, "tlsdesc_v1_dev", 14);
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
	/* a malformed list is dropped, never passed on as it was */
	assert_false(item(&b.red, SCF_ITEM_EXTRA_ATTRS, &d, &len));
	ana_redactor__free(r);
}

static void test_redact_thread_attrs_fit_the_limit(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_ATTRS | ANA_REDACT_IDS, "k");
	struct scf_thread_ctx t = { .pid = 1, .tid = 1, .valid = 1, .attrs_size = 612 };
	struct scf_thread_ctx out;
	struct scf_rec_builder rb;
	struct rec_buf b;
	uint8_t raw[612];
	const uint8_t *d;
	uint16_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i += 3) { /* 204 one-byte values */
		raw[i] = (uint8_t)(i % 5);
		raw[i + 1] = 1;
		raw[i + 2] = 'v';
	}
	memset(t.trace_id, 0x11, 16);
	scf_rb_begin(&rb, b.in, sizeof(b.in), SCF_REC_THREAD_CTX, 0, &t, sizeof(t));
	scf_rb_item(&rb, SCF_ITEM_ATTRS_RAW, raw, sizeof(raw));
	parse(b.in, scf_rb_end(&rb), &b.rec);
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_ATTRS_RAW, &d, &len));
	assert_true(len <= SCF_ATTRS_MAX);
	assert_int_equal(len % 12, 0);
	assert_true(b.red.flags & SCF_THREAD_CTX_F_TRUNCATED);
	assert_int_equal(scf_record_body(&b.red, &out, sizeof(out), SCF_THREAD_CTX_MIN, NULL, 0),
			 0);
	assert_int_equal(out.attrs_size, len);
	assert_memory_not_equal(out.trace_id, t.trace_id, 16);
	assert_memory_equal(out.span_id, t.span_id, 8); /* a zero id stays zero */
	ana_redactor__free(r);
}

static void test_redact_env_keeps_names(void **state)
{
	struct ana_redactor *r = ana_redactor__new(ANA_REDACT_ENV, "k");
	const char *argv[] = { "--dir=/tmp/private", "plain", "TOKEN=hunter2" };
	struct scf_strlist_iter it;
	struct scf_rec_builder rb;
	struct scf_syscall sc = { .nr = 59, .abi = SCF_ABI_X86_64 };
	struct rec_buf b;
	const uint8_t *d, *s;
	uint16_t len, sl;
	int i = 0;

	(void)state;
	scf_rb_begin(&rb, b.in, sizeof(b.in), SCF_REC_SYSCALL, 0, &sc, sizeof(sc));
	scf_rb_item_strlist(&rb, SCF_ITEM_ARGV, argv, 3);
	parse(b.in, scf_rb_end(&rb), &b.rec);
	redact(r, &b);
	assert_true(item(&b.red, SCF_ITEM_ARGV, &d, &len));
	scf_strlist_begin(&it, d, len);
	while (scf_strlist_next(&it, &s, &sl) == 1) {
		if (i == 0) {
			assert_memory_equal(s, "--dir=/", 7);
			assert_false(contains(s, sl, "private"));
		} else if (i == 1) {
			assert_int_equal(sl, 5);
			assert_memory_equal(s, "plain", 5);
		} else {
			assert_int_equal(sl, 6 + 10);
			assert_memory_equal(s, "TOKEN=", 6);
		}
		i++;
	}
	assert_int_equal(i, 3);
	ana_redactor__free(r);
}

/*
 * The published SipHash-2-4 reference vectors (key 00 01 .. 0f, message 00 01 .. len-1),
 * lengths 1 to 15: the first message byte is the domain byte, the rest the data, so that
 * every tail length and the 8-byte block boundary are covered.
 */
static void test_redact_siphash_reference_vectors(void **state)
{
	static const uint64_t want[16] = {
	    0, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	    0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull,
	    0xab0200f58b01d137ull, 0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull,
	    0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull, 0x751e8fbc860ee5fbull,
	    0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull};
	uint8_t msg[16];

	(void)state;
	for (unsigned int i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t len = 1; len < 16; len++)
		assert_int_equal(ana_redact_siphash(0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull,
						    msg[0], msg + 1, len - 1),
				 want[len]);
}

static void test_redact_parse_classes(void **state)
{
	unsigned int cls;
	char bad[32], names[128];

	(void)state;
	assert_int_equal(ana_redact_parse("paths,addrs", &cls, bad, sizeof(bad)), 0);
	assert_int_equal(cls, ANA_REDACT_PATHS | ANA_REDACT_ADDRS);
	assert_int_equal(ana_redact_parse("all,ids", &cls, bad, sizeof(bad)), 0);
	assert_int_equal(cls, ANA_REDACT_DEFAULT | ANA_REDACT_IDS);
	assert_int_equal(ana_redact_parse("paths,bogus", &cls, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "bogus");
	assert_string_equal(ana_redact_names(ANA_REDACT_HOST | ANA_REDACT_NAMES, names,
					     sizeof(names)),
			    "host,names");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_path_keeps_structure),
		cmocka_unit_test(test_redact_key_gives_the_same_pseudonyms),
		cmocka_unit_test(test_redact_ipv4_keeps_family_and_port),
		cmocka_unit_test(test_redact_ipv6_and_unix),
		cmocka_unit_test(test_redact_bad_address_item_dropped),
		cmocka_unit_test(test_redact_unknown_item_dropped_copy_keeps_it),
		cmocka_unit_test(test_redact_resource_attrs),
		cmocka_unit_test(test_redact_thread_attrs_fit_the_limit),
		cmocka_unit_test(test_redact_env_keeps_names),
		cmocka_unit_test(test_redact_parse_classes),
		cmocka_unit_test(test_redact_siphash_reference_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
