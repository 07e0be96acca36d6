// SPDX-License-Identifier: BSD-2-Clause
/* test_resolver_pctx.c - capture/resolver/process_context.c: protobuf decoder and OTEP 4719 reader. */
#include "test_resolver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "process_context.h"

/* ---- a tiny protobuf writer for building inputs ---- */

struct pb {
	uint8_t b[8192];
	size_t n;
};

static void pb_raw(struct pb *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void pb_varint(struct pb *p, uint64_t v)
{
	do {
		uint8_t c = (uint8_t)(v & 0x7f);

		v >>= 7;
		if (v)
			c |= 0x80;
		pb_raw(p, &c, 1);
	} while (v);
}

static void pb_tag(struct pb *p, unsigned field, unsigned wt)
{
	pb_varint(p, (uint64_t)field << 3 | wt);
}

static void pb_bytes(struct pb *p, unsigned field, const void *d, size_t n)
{
	pb_tag(p, field, 2);
	pb_varint(p, n);
	pb_raw(p, d, n);
}

static void pb_str(struct pb *p, unsigned field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

static void pb_sub(struct pb *p, unsigned field, const struct pb *sub)
{
	pb_bytes(p, field, sub->b, sub->n);
}

static void any_str(struct pb *any, const char *s)
{
	memset(any, 0, sizeof(*any));
	pb_str(any, 1, s);
}

static void kv(struct pb *out, unsigned field, const char *key, const struct pb *any)
{
	struct pb k = {0};

	pb_str(&k, 1, key);
	pb_sub(&k, 2, any);
	pb_sub(out, field, &k);
}

/* A ProcessContext with every AnyValue kind. */
static void build_full(struct pb *top)
{
	struct pb res = {0}, any, arr = {0}, kvl = {0}, inner;
	double dv = 2.5;
	uint64_t dbits;

	memset(top, 0, sizeof(*top));
	any_str(&any, "checkout");
	kv(&res, 1, "service.name", &any);
	memset(&any, 0, sizeof(any));
	pb_tag(&any, 3, 0);
	pb_varint(&any, (uint64_t)-42);
	kv(&res, 1, "process.pid", &any);
	pb_tag(&res, 2, 0); /* Resource.dropped_attributes_count: unknown here, skipped */
	pb_varint(&res, 3);
	pb_sub(top, 1, &res);

	any_str(&any, "tlsdesc_v1_dev");
	kv(top, 2, PCTX_KEY_SCHEMA_VERSION, &any);
	any_str(&inner, "http_route");
	pb_sub(&arr, 1, &inner);
	any_str(&inner, "http_method");
	pb_sub(&arr, 1, &inner);
	memset(&any, 0, sizeof(any));
	pb_sub(&any, 5, &arr);
	kv(top, 2, PCTX_KEY_ATTRIBUTE_KEY_MAP, &any);

	memset(&any, 0, sizeof(any));
	pb_tag(&any, 2, 0);
	pb_varint(&any, 1);
	kv(top, 2, "flag", &any);
	memset(&any, 0, sizeof(any));
	pb_tag(&any, 4, 1);
	memcpy(&dbits, &dv, 8);
	pb_raw(&any, &dbits, 8);
	kv(top, 2, "ratio", &any);
	memset(&any, 0, sizeof(any));
	pb_bytes(&any, 7, "\x00\x01\x02", 3);
	kv(top, 2, "blob", &any);
	any_str(&inner, "v");
	kv(&kvl, 1, "k", &inner);
	memset(&any, 0, sizeof(any));
	pb_sub(&any, 6, &kvl);
	kv(top, 2, "map", &any);
	/* Unknown top-level fields of wire types 0, 1, 2, 5. */
	pb_tag(top, 9, 0);
	pb_varint(top, 300);
	pb_tag(top, 10, 1);
	pb_raw(top, "12345678", 8);
	pb_str(top, 11, "ignored");
	pb_tag(top, 12, 5);
	pb_raw(top, "1234", 4);
}

static struct pctx *decode_ok(const struct pb *p)
{
	char err[TR_ERRLEN] = "";
	struct pctx *c = pctx__decode(p->b, p->n, err, sizeof(err));

	if (!c)
		fail_msg("decode failed: %s", err);
	return c;
}

static void expect_decode_error(const void *b, size_t n, int want, const char *needle)
{
	char err[TR_ERRLEN] = "";
	struct pctx *c = pctx__decode(b, n, err, sizeof(err));

	if (c)
		fail_msg("decode succeeded, expected errno %d", want);
	assert_int_equal(errno, want);
	if (needle && !strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void test_pctx_decode_valid(void **state)
{
	struct pb top;
	struct pctx *c;
	const struct pctx_kv *e;

	(void)state;
	build_full(&top);
	c = decode_ok(&top);
	assert_int_equal(c->n_resource, 2);
	assert_string_equal(c->resource[0].key, "service.name");
	assert_int_equal(c->resource[0].value.type, PCTX_STRING);
	assert_string_equal(c->resource[0].value.u.str.ptr, "checkout");
	assert_int_equal(c->resource[1].value.type, PCTX_INT);
	assert_int_equal(c->resource[1].value.u.i, -42);
	assert_int_equal(c->n_attrs, 6);
	assert_string_equal(c->schema_version, "tlsdesc_v1_dev");
	assert_int_equal(c->n_keys, 2);
	assert_string_equal(c->key_map[0], "http_route");
	assert_string_equal(c->key_map[1], "http_method");
	e = pctx_find(c->attrs, c->n_attrs, "flag");
	assert_non_null(e);
	assert_int_equal(e->value.type, PCTX_BOOL);
	assert_true(e->value.u.b);
	e = pctx_find(c->attrs, c->n_attrs, "ratio");
	assert_int_equal(e->value.type, PCTX_DOUBLE);
	assert_true(e->value.u.d == 2.5);
	e = pctx_find(c->attrs, c->n_attrs, "blob");
	assert_int_equal(e->value.type, PCTX_BYTES);
	assert_int_equal(e->value.u.str.len, 3);
	assert_memory_equal(e->value.u.str.ptr, "\x00\x01\x02", 3);
	e = pctx_find(c->attrs, c->n_attrs, "map");
	assert_int_equal(e->value.type, PCTX_KVLIST);
	assert_int_equal(e->value.u.kvlist.n, 1);
	assert_string_equal(e->value.u.kvlist.v[0].key, "k");
	assert_string_equal(e->value.u.kvlist.v[0].value.u.str.ptr, "v");
	pctx__free(c);
}

static void test_pctx_decode_empty(void **state)
{
	struct pb top = {0};
	struct pctx *c = decode_ok(&top);

	(void)state;
	assert_int_equal(c->n_resource, 0);
	assert_int_equal(c->n_attrs, 0);
	assert_null(c->schema_version);
	assert_int_equal(c->n_keys, 0);
	pctx__free(c);
}

static void test_pctx_decode_last_duplicate_key_wins(void **state)
{
	struct pb top = {0}, any;
	struct pctx *c;

	(void)state;
	any_str(&any, "old");
	kv(&top, 2, PCTX_KEY_SCHEMA_VERSION, &any);
	any_str(&any, "tls_v1");
	kv(&top, 2, PCTX_KEY_SCHEMA_VERSION, &any);
	/* A key map that is not an array is ignored. */
	kv(&top, 2, PCTX_KEY_ATTRIBUTE_KEY_MAP, &any);
	c = decode_ok(&top);
	assert_string_equal(c->schema_version, "tls_v1");
	assert_null(c->key_map);
	pctx__free(c);
}

static void test_pctx_decode_truncated_every_offset(void **state)
{
	struct pb top;

	(void)state;
	build_full(&top);
	for (size_t cut = 0; cut < top.n; cut++) {
		char err[TR_ERRLEN] = "";
		struct pctx *c = pctx__decode(top.b, cut, err, sizeof(err));

		if (c) {
			/* Cuts at a top-level field boundary are valid messages. */
			pctx__free(c);
			continue;
		}
		assert_true(errno == ENODATA || errno == EBADMSG);
		assert_non_null(strstr(err, "payload byte"));
	}
}

static void test_pctx_decode_overlong_length(void **state)
{
	static const uint8_t b[] = {0x12, 0x05, 0x0a, 0x01, 'k'};

	(void)state;
	expect_decode_error(b, sizeof(b), ENODATA,
			    "payload byte 0: field 2 length 5 exceeds the 3");
}

static void test_pctx_decode_inner_length_past_parent(void **state)
{
	/* attributes { key: length 4, but the KeyValue around it is 3 bytes long }. */
	static const uint8_t b[] = {0x12, 0x03, 0x0a, 0x04, 'k'};

	(void)state;
	expect_decode_error(b, sizeof(b), ENODATA,
			    "payload byte 2: field 1 length 4 exceeds the 1");
}

static void test_pctx_decode_groups_rejected(void **state)
{
	static const uint8_t sgroup[] = {0x0b, 0x0c};
	static const uint8_t nested[] = {0x12, 0x02, 0x0c, 0x00};

	(void)state;
	expect_decode_error(sgroup, sizeof(sgroup), EBADMSG, "payload byte 0: field 1 uses group");
	expect_decode_error(nested, sizeof(nested), EBADMSG, "payload byte 2: field 1 uses group");
}

static void test_pctx_decode_wrong_wire_types(void **state)
{
	static const uint8_t resource_varint[] = {0x08, 0x01};
	static const uint8_t key_varint[] = {0x12, 0x02, 0x08, 0x01};
	static const uint8_t double_as_varint[] = {0x12, 0x04, 0x12, 0x02, 0x20, 0x01};
	static const uint8_t invalid_wt[] = {0x0e, 0x00};

	(void)state;
	expect_decode_error(resource_varint, sizeof(resource_varint), EBADMSG,
			    "payload byte 0: field 1 (ProcessContext.resource) has wire type 0");
	expect_decode_error(key_varint, sizeof(key_varint), EBADMSG,
			    "payload byte 2: field 1 (KeyValue.key) has wire type 0");
	expect_decode_error(double_as_varint, sizeof(double_as_varint), EBADMSG,
			    "payload byte 4: field 4 (double_value) has wire type 0");
	expect_decode_error(invalid_wt, sizeof(invalid_wt), EBADMSG, "invalid wire type 6");
}

static void test_pctx_decode_bad_varints(void **state)
{
	static const uint8_t too_long[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0x7f};
	static const uint8_t unterminated[] = {0x18, 0xff, 0xff};
	static const uint8_t field_zero[] = {0x00, 0x00};

	(void)state;
	expect_decode_error(too_long, sizeof(too_long), EBADMSG, "exceeds 64 bits");
	expect_decode_error(unterminated, sizeof(unterminated), ENODATA, "runs past the end");
	expect_decode_error(field_zero, sizeof(field_zero), EBADMSG, "field number 0");
}

/* attributes { key "k", value: depth nested ArrayValue { AnyValue } }. */
static void build_nested(struct pb *top, int depth)
{
	struct pb *cur = calloc(1, sizeof(*cur)), *next;

	assert_non_null(cur);
	pb_str(cur, 1, "leaf");
	for (int i = 0; i < depth; i++) {
		struct pb arr = {0};

		next = calloc(1, sizeof(*next));
		assert_non_null(next);
		pb_sub(&arr, 1, cur);
		pb_sub(next, 5, &arr);
		free(cur);
		cur = next;
	}
	memset(top, 0, sizeof(*top));
	kv(top, 2, "deep", cur);
	free(cur);
}

static void test_pctx_decode_deep_nesting(void **state)
{
	struct pb top;
	struct pctx *c;

	(void)state;
	build_nested(&top, 5);
	c = decode_ok(&top);
	assert_int_equal(c->attrs[0].value.type, PCTX_ARRAY);
	pctx__free(c);
	build_nested(&top, 40);
	expect_decode_error(top.b, top.n, ELOOP, "nested deeper than");
}

static void test_pctx_decode_mutations(void **state)
{
	struct pb top, m;
	uint32_t seed = 777;

	(void)state;
	build_full(&top);
	for (int it = 0; it < 5000; it++) {
		char err[TR_ERRLEN];
		struct pctx *c;

		m = top;
		for (int k = 0; k < 1 + (int)(tr_rand(&seed) % 4); k++)
			m.b[tr_rand(&seed) % m.n] = (uint8_t)tr_rand(&seed);
		c = pctx__decode(m.b, m.n, err, sizeof(err));
		if (!c && errno != ENODATA && errno != EBADMSG && errno != ELOOP)
			fail_msg("iteration %d: errno %d: %s", it, errno, err);
		pctx__free(c);
	}
}

/* ---- reader: a synthetic address space ---- */

struct fake_space {
	uint64_t base;
	uint8_t mem[4096];
	int reads;
	int bump_ts_reads; /* change the timestamp on this many reads of it */
};

static ssize_t fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_space *s = ctx;
	uint64_t off;

	if (addr < s->base || addr - s->base >= sizeof(s->mem))
		return -EFAULT;
	off = addr - s->base;
	if (len > sizeof(s->mem) - off)
		len = sizeof(s->mem) - off;
	s->reads++;
	if (off == 16 && len == 8 && s->bump_ts_reads > 0) {
		uint64_t ts;

		s->bump_ts_reads--;
		memcpy(&ts, s->mem + 16, 8);
		ts++;
		memcpy(s->mem + 16, &ts, 8);
	}
	memcpy(buf, s->mem + off, len);
	return (ssize_t)len;
}

static void fake_header(struct fake_space *s, uint32_t version, uint64_t ts, const struct pb *p)
{
	uint32_t size = (uint32_t)p->n;
	uint64_t payload = s->base + 64;

	memset(s, 0, sizeof(*s));
	s->base = 0x7f0000000000ull;
	payload = s->base + 64;
	memcpy(s->mem, "OTEL_CTX", 8);
	memcpy(s->mem + 8, &version, 4);
	memcpy(s->mem + 12, &size, 4);
	memcpy(s->mem + 16, &ts, 8);
	memcpy(s->mem + 24, &payload, 8);
	memcpy(s->mem + 64, p->b, p->n);
}

static void test_pctx_read_at_fake_memory(void **state)
{
	static struct fake_space s;
	struct pctx_read_opts o = {.max_attempts = 5, .retry_us = 1};
	struct tmem *mem = tmem__open_cb(fake_read, &s);
	char err[TR_ERRLEN] = "";
	struct pctx *c;
	struct pb top = {0}, any;
	uint32_t v;

	(void)state;
	assert_non_null(mem);
	any_str(&any, "tls_v1");
	kv(&top, 2, PCTX_KEY_SCHEMA_VERSION, &any);

	fake_header(&s, 2, 1000, &top);
	c = pctx__read_at(mem, s.base, &o, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->published_at_ns, 1000);
	assert_int_equal(c->version, 2);
	assert_string_equal(c->schema_version, "tls_v1");
	pctx__free(c);

	/* Version 1 (development) is accepted, 3 is not. */
	fake_header(&s, 1, 1000, &top);
	c = pctx__read_at(mem, s.base, &o, err, sizeof(err));
	assert_non_null(c);
	pctx__free(c);
	fake_header(&s, 3, 1000, &top);
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, EPROTONOSUPPORT);
	assert_non_null(strstr(err, "version 3"));

	/* Bad signature. */
	fake_header(&s, 2, 1000, &top);
	s.mem[0] = 'X';
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, EBADMSG);

	/* Being updated forever: bounded retries. */
	fake_header(&s, 2, 0, &top);
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, EAGAIN);
	assert_non_null(strstr(err, "after 5 attempts"));

	/* Timestamp changes twice during the copy, then settles: third attempt succeeds. */
	fake_header(&s, 2, 1000, &top);
	s.bump_ts_reads = 2;
	c = pctx__read_at(mem, s.base, &o, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->published_at_ns, 1002);
	pctx__free(c);

	/* Always changing: -EAGAIN. */
	fake_header(&s, 2, 1000, &top);
	s.bump_ts_reads = 100;
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, EAGAIN);

	/* Oversized payload. */
	fake_header(&s, 2, 1000, &top);
	v = PCTX_MAX_PAYLOAD + 1;
	memcpy(s.mem + 12, &v, 4);
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, E2BIG);

	/* Payload pointer into unreadable memory: retried, then reported. */
	fake_header(&s, 2, 1000, &top);
	memset(s.mem + 24, 0x11, 8);
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, EFAULT);
	assert_non_null(strstr(err, "0x1111111111111111"));

	/* A header that cannot be read. */
	assert_null(pctx__read_at(mem, 0x1000, &o, err, sizeof(err)));
	assert_int_equal(errno, EFAULT);
	assert_non_null(strstr(err, "0x1000"));

	/* Corrupt payload: the message names the payload address. */
	fake_header(&s, 2, 1000, &top);
	s.mem[64] = 0x0b;
	assert_null(pctx__read_at(mem, s.base, &o, err, sizeof(err)));
	assert_int_equal(errno, EBADMSG);
	assert_non_null(strstr(err, "OTEL_CTX payload at 0x7f0000000040"));
	tmem__free(mem);
}

static void test_pctx_read_pid_self_memfd(void **state)
{
	struct pb top = {0}, any;
	struct timespec now;
	char err[TR_ERRLEN] = "";
	struct pctx *c;
	uint8_t *map;
	uint32_t version = 2, size;
	uint64_t ts, payload;
	int fd;

	(void)state;
	any_str(&any, "tlsdesc_v1_dev");
	kv(&top, 2, PCTX_KEY_SCHEMA_VERSION, &any);
	size = (uint32_t)top.n;
	fd = memfd_create("OTEL_CTX", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	close(fd);
	payload = (uint64_t)(uintptr_t)(map + 32);
	memcpy(map + 32, top.b, top.n);
	memcpy(map, "OTEL_CTX", 8);
	memcpy(map + 8, &version, 4);
	memcpy(map + 12, &size, 4);
	memcpy(map + 24, &payload, 8);
	clock_gettime(CLOCK_BOOTTIME, &now);
	ts = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	__atomic_store_n((uint64_t *)(void *)(map + 16), ts, __ATOMIC_SEQ_CST);

	c = pctx__read_pid(getpid(), NULL, NULL, NULL, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->schema_version, "tlsdesc_v1_dev");
	assert_int_equal(c->published_at_ns, ts);
	assert_int_equal(c->header_addr, (uint64_t)(uintptr_t)map);
	pctx__free(c);
	munmap(map, 4096);
	/* Gone: no mapping. */
	assert_null(pctx__read_pid(getpid(), NULL, NULL, NULL, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "no OTEL_CTX mapping"));
}

const struct CMUnitTest tr_pctx_tests[] = {
    cmocka_unit_test(test_pctx_decode_valid),
    cmocka_unit_test(test_pctx_decode_empty),
    cmocka_unit_test(test_pctx_decode_last_duplicate_key_wins),
    cmocka_unit_test(test_pctx_decode_truncated_every_offset),
    cmocka_unit_test(test_pctx_decode_overlong_length),
    cmocka_unit_test(test_pctx_decode_inner_length_past_parent),
    cmocka_unit_test(test_pctx_decode_groups_rejected),
    cmocka_unit_test(test_pctx_decode_wrong_wire_types),
    cmocka_unit_test(test_pctx_decode_bad_varints),
    cmocka_unit_test(test_pctx_decode_deep_nesting),
    cmocka_unit_test(test_pctx_decode_mutations),
    cmocka_unit_test(test_pctx_read_at_fake_memory),
    cmocka_unit_test(test_pctx_read_pid_self_memfd),
};
const size_t tr_pctx_tests_n = TR_N(tr_pctx_tests);
