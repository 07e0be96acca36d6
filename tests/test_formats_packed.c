// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_formats_packed.c - cmocka suite for packed syscall records (format 1.1, FORMAT.md 5.10):
 * the writer packs SYSCALL records, the reader hands back the exact plain records, trace and
 * span ids travel by reference per thread and section, hostile packed records are rejected,
 * and files of format 1.0 still read.
 *
 * Expected records are the ones the test built; packed bytes are checked by walking the
 * uncompressed pcapng here and by hand-made records, never by the reader under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zstd.h>

#include "fd_contents.h"
#include "spancap_file.h"
#include "xorshift64.h"

#define T0 1790000000123456789ull
#define REC_CAP 512

struct blob {
	uint8_t *p;
	size_t len;
};

/* Records as built by the test, in file order (section records included). */
struct expected {
	int n, cap;
	uint64_t *ts;
	uint16_t *len;
	uint8_t *bytes; /* REC_CAP bytes per record */
};

static void expect(struct expected *e, uint64_t ts, const uint8_t *rec, size_t len)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->ts = realloc(e->ts, (size_t)e->cap * sizeof(*e->ts));
		e->len = realloc(e->len, (size_t)e->cap * sizeof(*e->len));
		e->bytes = realloc(e->bytes, (size_t)e->cap * REC_CAP);
		assert_non_null(e->ts);
		assert_non_null(e->len);
		assert_non_null(e->bytes);
	}
	assert_true(len <= REC_CAP);
	e->ts[e->n] = ts;
	e->len[e->n] = (uint16_t)len;
	memcpy(e->bytes + (size_t)e->n * REC_CAP, rec, len);
	e->n++;
}

static void expected_free(struct expected *e)
{
	free(e->ts);
	free(e->len);
	free(e->bytes);
	memset(e, 0, sizeof(*e));
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	return xorshift64_next(&rng);
}

static size_t section_rec(uint8_t *buf, uint32_t index, uint16_t minor)
{
	struct scf_section s = { .format_major = SCF_FORMAT_MAJOR, .format_minor = minor,
				 .section_index = index, .capture_start_ns = T0,
				 .section_start_ns = T0 + index, .ncpus = 2, .page_size = 4096,
				 .syscall_abi = SCF_ABI_X86_64 };
	struct scf_rec_builder b;

	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SECTION, 0, &s, sizeof(s));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "packed-test");
	return scf_rb_end(&b);
}

/* Per-thread context of the generator: ids change now and then, sometimes none. */
struct gen_ctx {
	uint8_t trace[16], span[8], flags;
	bool on;
};

/*
 * A syscall of thread tid with varied fields: all-zero and all-ones arguments, negative
 * results, large durations, the ids of the thread's current context (changed by the caller).
 */
static size_t syscall_rec(uint8_t *buf, uint32_t tid, const struct gen_ctx *c, uint32_t i)
{
	struct scf_syscall s = { .tid = tid, .pid = tid - tid % 16, .nr = (uint16_t)(rnd() % 460),
				 .cpu = (uint16_t)(rnd() % 4), .abi = SCF_ABI_X86_64 };
	struct scf_rec_builder b;
	uint16_t flags = 0;

	switch (i % 5) {
	case 0:
		s.duration_ns = rnd();
		s.ret = (int64_t)rnd();
		for (int k = 0; k < 6; k++)
			s.args[k] = rnd();
		break;
	case 1:
		s.ret = -2;
		s.args[0] = (uint64_t)-100;
		s.args[5] = UINT64_MAX;
		flags |= SCF_SYSCALL_F_ARG_FAULT;
		break;
	case 2:
		s.duration_ns = 1000 + rnd() % 5000;
		s.ret = INT64_MIN;
		s.args[2] = 4096;
		flags |= SCF_SYSCALL_F_NO_EXIT | SCF_SYSCALL_F_TRUNCATED;
		break;
	default:
		s.duration_ns = rnd() % 100000;
		s.ret = (int64_t)(rnd() % 70000);
		s.args[i % 6] = rnd() >> (rnd() % 64);
		break;
	}
	if (c->on) {
		flags |= SCF_SYSCALL_F_CTX;
		memcpy(s.trace_id, c->trace, 16);
		memcpy(s.span_id, c->span, 8);
		s.trace_flags = c->flags;
	}
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL, flags, &s, sizeof(s));
	if (i % 7 == 0)
		scf_rb_item_str(&b, SCF_ITEM_PATH, "/var/lib/app/data/orders.db");
	if (i % 11 == 0) {
		int32_t fds[2] = { 3, 4 };

		scf_rb_item(&b, SCF_ITEM_FD_PAIR, fds, sizeof(fds));
	}
	return scf_rb_end(&b);
}

static void change_ctx(struct gen_ctx *c)
{
	uint64_t v = rnd();

	switch (v % 8) {
	case 0:
		c->on = false;
		break;
	case 1:
	case 2: /* a new trace */
		for (int k = 0; k < 16; k += 8) {
			uint64_t x = rnd();

			memcpy(c->trace + k, &x, 8);
		}
		c->flags = (uint8_t)(rnd() % 2);
		/* fall through */
	case 3:
	case 4: /* a new span */
		v = rnd();
		memcpy(c->span, &v, 8);
		c->on = true;
		break;
	case 5: /* only the sampling flag */
		c->flags ^= 1;
		c->on = true;
		break;
	default: /* unchanged */
		break;
	}
}

static struct blob memfd_contents(int fd)
{
	struct blob out;

	out.p = fd_contents(fd, &out.len);
	return out;
}

/*
 * Writes nsec sections of nrec syscalls from nthreads threads (tids spread so that several
 * share a context slot), contexts changing as change_ctx() says; fills e.
 */
static struct blob write_packed(bool compressed, bool plain, int nsec, int nrec, int nthreads,
				struct expected *e)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = !compressed,
				     .plain_syscalls = plain, .frame_bytes = 64u << 10 };
	struct gen_ctx *ctx = calloc((size_t)nthreads, sizeof(*ctx));
	char err[SCF_ERRMSG_MAX];
	uint8_t buf[REC_CAP];
	struct scf_writer *w;
	uint64_t ts = T0;
	int fd;

	assert_non_null(ctx);
	fd = memfd_create("packed", MFD_CLOEXEC);
	assert_true(fd >= 0);
	w = scf_writer__fdopen(fd, "memfd", &o, err, sizeof(err));
	assert_non_null(w);
	for (int s = 0; s < nsec; s++) {
		size_t len = section_rec(buf, (uint32_t)s, SCF_FORMAT_MINOR);

		assert_int_equal(scf_writer__begin_section(w, ts, buf, len), 0);
		expect(e, ts, buf, len);
		for (int i = 0; i < nrec; i++) {
			int t = (int)(rnd() % (uint64_t)nthreads);
			/* tids 1000 + 4096 * k collide in slot 1000 & 4095 */
			uint32_t tid = 1000 + (uint32_t)(t % 7) * SCF_CTX_SLOTS + (uint32_t)t * 3;

			if (rnd() % 6 == 0)
				change_ctx(&ctx[t]);
			ts += 1 + rnd() % 5000;
			len = syscall_rec(buf, tid, &ctx[t], (uint32_t)i);
			assert_int_equal(scf_writer__append(w, ts, buf, len), 0);
			assert_true(scf_writer__last_record_len(w) <= len);
			expect(e, ts, buf, len);
		}
	}
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
	free(ctx);
	return memfd_contents(fd);
}

/* Reads every record and compares it, byte for byte, with what was written. */
static void assert_reads_back(const struct blob *f, const struct expected *e, int first)
{
	char err[SCF_ERRMSG_MAX];
	struct scf_record rec;
	struct scf_reader *r;
	int i = first, ret;

	r = scf_reader__open_mem(f->p, f->len, "packed", err, sizeof(err));
	assert_non_null(r);
	while ((ret = scf_reader__next(r, &rec)) == 1) {
		assert_true(i < e->n);
		assert_int_equal(rec.ts_ns, e->ts[i]);
		assert_int_equal(rec.len, e->len[i]);
		assert_memory_equal(rec.body - sizeof(struct scf_rec_hdr),
				    e->bytes + (size_t)i * REC_CAP, e->len[i]);
		i++;
	}
	if (ret)
		fprintf(stderr, "%s\n", scf_reader__errmsg(r));
	assert_int_equal(ret, 0);
	assert_int_equal(i, e->n);
	scf_reader__free(r);
}

/* Counts EPBs by record type in an uncompressed file, walking the pcapng here. */
static void count_types(const struct blob *f, int *counts, size_t *section_offs, int *nsec)
{
	size_t off = 0;

	*nsec = 0;
	while (off + 12 <= f->len) {
		uint32_t type, blen;

		memcpy(&type, f->p + off, 4);
		memcpy(&blen, f->p + off + 4, 4);
		assert_true(blen >= 12 && blen <= f->len - off);
		if (type == 0x0A0D0D0A)
			section_offs[(*nsec)++] = off;
		if (type == 6) {
			uint16_t rtype;

			memcpy(&rtype, f->p + off + 28, 2);
			if (rtype < 16)
				counts[rtype]++;
		}
		off += blen;
	}
	assert_int_equal(off, f->len);
}

/* ---- tests ------------------------------------------------------------------------------- */

/* Many threads (more than the table has slots' worth of distinct low bits), ids changing,
 * several sections: every record reads back exactly, and syscalls went packed. */
static void test_packed_roundtrip_many_threads(void **state)
{
	struct expected e = { 0 };
	struct blob f;
	(void)state;

	f = write_packed(true, false, 3, 4000, 300, &e);
	assert_reads_back(&f, &e, 0);
	free(f.p);
	expected_free(&e);

	f = write_packed(false, false, 3, 4000, 300, &e);
	{
		int counts[16] = { 0 }, nsec;
		size_t secs[8];

		count_types(&f, counts, secs, &nsec);
		assert_int_equal(nsec, 3);
		assert_int_equal(counts[SCF_REC_SYSCALL_PACKED] + counts[SCF_REC_SYSCALL], 12000);
		/* only the all-random records (varints longer than the fields) may stay plain */
		assert_true(counts[SCF_REC_SYSCALL_PACKED] >= 12000 * 3 / 4);
	}
	assert_reads_back(&f, &e, 0);
	free(f.p);
	expected_free(&e);
}

/* Sections are self-contained: the last section cut out of a file reads alone, ids included,
 * although its threads carried the same contexts in the sections before. */
static void test_packed_section_reads_alone(void **state)
{
	int counts[16] = { 0 }, nsec, first = 0;
	struct expected e = { 0 };
	struct blob f, tail;
	size_t secs[8];
	(void)state;

	f = write_packed(false, false, 3, 2000, 40, &e);
	count_types(&f, counts, secs, &nsec);
	assert_int_equal(nsec, 3);
	tail.p = f.p + secs[2];
	tail.len = f.len - secs[2];
	for (int i = 0, s = 0; i < e.n; i++) {
		uint16_t t;

		memcpy(&t, e.bytes + (size_t)i * REC_CAP, 2);
		if (t == SCF_REC_SECTION && ++s == 3)
			first = i;
	}
	assert_true(first > 0);
	assert_reads_back(&tail, &e, first);
	free(f.p);
	expected_free(&e);
}

/* The section record of a packed file says 1.1 even when the caller built it as 1.0. */
static void test_packed_section_says_minor_1(void **state)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = true };
	char err[SCF_ERRMSG_MAX];
	struct scf_writer *w;
	uint8_t buf[REC_CAP];
	struct blob f;
	uint16_t minor;
	size_t len;
	int fd;
	(void)state;

	fd = memfd_create("minor", MFD_CLOEXEC);
	assert_true(fd >= 0);
	w = scf_writer__fdopen(fd, "memfd", &o, err, sizeof(err));
	assert_non_null(w);
	len = section_rec(buf, 0, 0);
	assert_int_equal(scf_writer__begin_section(w, T0, buf, len), 0);
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
	f = memfd_contents(fd);
	/* SHB and IDB lengths, then the EPB: record header (8) + format_major (2) */
	{
		uint32_t shb, idb;

		memcpy(&shb, f.p + 4, 4);
		memcpy(&idb, f.p + shb + 4, 4);
		memcpy(&minor, f.p + shb + idb + 28 + 8 + 2, 2);
	}
	assert_int_equal(minor, 1);
	free(f.p);
}

/* Records packing cannot represent exactly stay plain and read back unchanged. */
static void test_packed_falls_back_to_plain(void **state)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = true };
	uint8_t buf[REC_CAP], body[sizeof(struct scf_syscall) + 8];
	struct scf_syscall s = { .tid = 7, .pid = 7, .nr = 1 };
	struct expected e = { 0 };
	char err[SCF_ERRMSG_MAX];
	struct scf_rec_builder b;
	struct scf_writer *w;
	int counts[16] = { 0 }, nsec;
	size_t len, secs[4];
	struct blob f;
	int fd;
	(void)state;

	fd = memfd_create("fallback", MFD_CLOEXEC);
	assert_true(fd >= 0);
	w = scf_writer__fdopen(fd, "memfd", &o, err, sizeof(err));
	assert_non_null(w);
	len = section_rec(buf, 0, SCF_FORMAT_MINOR);
	assert_int_equal(scf_writer__begin_section(w, T0, buf, len), 0);
	expect(&e, T0, buf, len);
	/* 1: ids without the CTX flag */
	memset(s.span_id, 0x55, 8);
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL, 0, &s, sizeof(s));
	len = scf_rb_end(&b);
	assert_int_equal(scf_writer__append(w, T0 + 1, buf, len), 0);
	expect(&e, T0 + 1, buf, len);
	/* 2: the reserved field set */
	memset(s.span_id, 0, 8);
	s.reserved = 9;
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL, 0, &s, sizeof(s));
	len = scf_rb_end(&b);
	assert_int_equal(scf_writer__append(w, T0 + 2, buf, len), 0);
	expect(&e, T0 + 2, buf, len);
	/* 3: a longer body from a newer writer */
	s.reserved = 0;
	memcpy(body, &s, sizeof(s));
	memset(body + sizeof(s), 0x77, 8);
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL, 0, body, sizeof(body));
	len = scf_rb_end(&b);
	assert_int_equal(scf_writer__append(w, T0 + 3, buf, len), 0);
	expect(&e, T0 + 3, buf, len);
	/* 4: an unknown flag bit in the packing's control bits */
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL, 0x4000, &s, sizeof(s));
	len = scf_rb_end(&b);
	assert_int_equal(scf_writer__append(w, T0 + 4, buf, len), 0);
	expect(&e, T0 + 4, buf, len);
	/* 5: an ordinary record, packed */
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL, 0, &s, sizeof(s));
	len = scf_rb_end(&b);
	assert_int_equal(scf_writer__append(w, T0 + 5, buf, len), 0);
	assert_true(scf_writer__last_record_len(w) < len);
	expect(&e, T0 + 5, buf, len);
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
	f = memfd_contents(fd);
	count_types(&f, counts, secs, &nsec);
	assert_int_equal(counts[SCF_REC_SYSCALL], 4);
	assert_int_equal(counts[SCF_REC_SYSCALL_PACKED], 1);
	assert_reads_back(&f, &e, 0);
	free(f.p);
	expected_free(&e);
}

/* plain_syscalls writes format 1.0 records, which this reader still reads. */
static void test_plain_option_writes_1_0_records(void **state)
{
	int counts[16] = { 0 }, nsec;
	struct expected e = { 0 };
	size_t secs[4];
	struct blob f;
	(void)state;

	f = write_packed(false, true, 2, 500, 10, &e);
	count_types(&f, counts, secs, &nsec);
	assert_int_equal(counts[SCF_REC_SYSCALL], 1000);
	assert_int_equal(counts[SCF_REC_SYSCALL_PACKED], 0);
	assert_reads_back(&f, &e, 0);
	free(f.p);
	expected_free(&e);
}

/* The sample capture, written by spancap 0.1.0 in format 1.0, reads to a clean end, its
 * syscall records are the plain ones of 1.0 and as many as its END record counts. */
static void test_format_1_0_capture_still_reads(void **state)
{
	static const char path[] = "samples/captures/demo-small.pcapng.zst";
	char err[SCF_ERRMSG_MAX];
	struct scf_record rec;
	struct scf_reader *r;
	struct scf_end end = { 0 };
	int ret, syscalls = 0, ctx = 0;
	(void)state;

	r = scf_reader__open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	assert_int_equal(scf_reader__section(r), NULL);
	while ((ret = scf_reader__next(r, &rec)) == 1) {
		if (rec.type == SCF_REC_SECTION)
			assert_int_equal(scf_reader__section(r)->format_minor, 0);
		if (rec.type == SCF_REC_SYSCALL) {
			struct scf_syscall s;

			assert_int_equal(scf_record_body(&rec, &s, sizeof(s), SCF_SYSCALL_MIN, err,
							 sizeof(err)), 0);
			syscalls++;
			ctx += !!(rec.flags & SCF_SYSCALL_F_CTX);
		}
		if (rec.type == SCF_REC_END)
			assert_int_equal(scf_record_body(&rec, &end, sizeof(end), SCF_END_MIN, err,
							 sizeof(err)), 0);
		assert_int_not_equal(rec.type, SCF_REC_SYSCALL_PACKED);
	}
	assert_int_equal(ret, 0);
	assert_int_equal(end.clean, 1);
	assert_int_equal(syscalls, end.syscalls);
	assert_true(syscalls > 100);
	assert_true(ctx > 10);
	scf_reader__free(r);
}

/* ---- hostile packed records ----------------------------------------------------------------- */

/* A hand-made packed record. */
struct hand {
	uint16_t flags;
	const uint8_t *body;
	size_t len;
};

/* A file of a section, the record pre (unless NULL) and the hand-made packed record (body,
 * flags); returns what next() says about the last record, msg its fields or the error. */
static int read_hand_packed(uint16_t flags, const uint8_t *body, size_t body_len,
			    const struct hand *pre, char *msg, size_t msglen)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = true };
	struct scf_rec_builder b;
	char err[SCF_ERRMSG_MAX];
	struct scf_record rec;
	struct scf_writer *w;
	struct scf_reader *r;
	uint8_t buf[REC_CAP];
	struct blob f;
	size_t len;
	int fd, ret;

	fd = memfd_create("hand", MFD_CLOEXEC);
	assert_true(fd >= 0);
	w = scf_writer__fdopen(fd, "memfd", &o, err, sizeof(err));
	assert_non_null(w);
	len = section_rec(buf, 0, SCF_FORMAT_MINOR);
	assert_int_equal(scf_writer__begin_section(w, T0, buf, len), 0);
	if (pre) {
		scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL_PACKED, pre->flags, pre->body,
			     pre->len);
		len = scf_rb_end(&b);
		assert_int_equal(scf_writer__append(w, T0 + 1, buf, len), 0);
	}
	scf_rb_begin(&b, buf, REC_CAP, SCF_REC_SYSCALL_PACKED, flags, body, body_len);
	len = scf_rb_end(&b);
	assert_int_equal(scf_writer__append(w, T0 + 2, buf, len), 0);
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
	f = memfd_contents(fd);
	r = scf_reader__open_mem(f.p, f.len, "hand", err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(scf_reader__next(r, &rec), 1);
	ret = scf_reader__next(r, &rec);
	if (pre && ret == 1)
		ret = scf_reader__next(r, &rec);
	snprintf(msg, msglen, "%s", scf_reader__errmsg(r));
	if (ret == 1) {
		struct scf_syscall s;

		assert_int_equal(rec.type, SCF_REC_SYSCALL);
		assert_int_equal(scf_record_body(&rec, &s, sizeof(s), SCF_SYSCALL_MIN, NULL, 0), 0);
		snprintf(msg, msglen, "tid %u pid %u abi %u nr %u ret %lld span %02x", s.tid,
			 s.pid, s.abi, s.nr, (long long)s.ret, s.span_id[0]);
	}
	scf_reader__free(r);
	free(f.p);
	return ret;
}

static void test_packed_hostile_records(void **state)
{
	/* duration 5, ret -3, cpu 1, tid 300 (0xac 0x02), nr 0, pid 300, abi 1, no args */
	static const uint8_t ok[] = { 5, 5, 1, 0xac, 0x02, 0, 0xac, 0x02, 1, 0 };
	const uint16_t P = SCF_PACKED_F_PROC;
	uint8_t body[64];
	char msg[SCF_ERRMSG_MAX];
	(void)state;

	assert_int_equal(read_hand_packed(P, ok, sizeof(ok), NULL, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "tid 300 pid 300 abi 1 nr 0 ret -3 span 00");

	/* a later minor's extra body bytes are ignored */
	memcpy(body, ok, sizeof(ok));
	memset(body + sizeof(ok), 0xee, 5);
	assert_int_equal(read_hand_packed(P, body, sizeof(ok) + 5, NULL, msg, sizeof(msg)), 1);

	/* every cut of the body runs past it */
	for (size_t n = 0; n < sizeof(ok); n++) {
		assert_int_equal(read_hand_packed(P, ok, n, NULL, msg, sizeof(msg)), -EBADMSG);
		assert_non_null(strstr(msg, "runs past the body"));
	}

	/* a varint of 11 bytes, and one whose tenth byte overflows */
	memset(body, 0xff, 11);
	assert_int_equal(read_hand_packed(P, body, 20, NULL, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "overflows"));
	memset(body, 0xff, 9);
	body[9] = 0x02;
	assert_int_equal(read_hand_packed(P, body, 20, NULL, msg, sizeof(msg)), -EBADMSG);

	/* a tid beyond 32 bits */
	memcpy(body, (const uint8_t[]){ 1, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 1, 1, 0 }, 12);
	assert_int_equal(read_hand_packed(P, body, 12, NULL, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "tid is out of range"));

	/* arg_mask bits 6-7 */
	memcpy(body, ok, sizeof(ok));
	body[sizeof(ok) - 1] = 0x40;
	assert_int_equal(read_hand_packed(P, body, sizeof(ok), NULL, msg, sizeof(msg)), -EBADMSG);

	/* ids without the CTX flag; the reserved control bit */
	memcpy(body, ok, sizeof(ok));
	memset(body + sizeof(ok), 0x11, 8);
	assert_int_equal(read_hand_packed(P | SCF_PACKED_F_SPAN, body, sizeof(ok) + 8, NULL, msg,
					  sizeof(msg)), -EBADMSG);
	assert_int_equal(read_hand_packed(P | 0x8000, ok, sizeof(ok), NULL, msg, sizeof(msg)),
			 -EBADMSG);

	/* a pid, or a context, by reference that the thread never carried in this section */
	assert_int_equal(read_hand_packed(0, (const uint8_t[]){ 5, 5, 1, 0xac, 0x02, 0, 0 }, 7,
					  NULL, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "has not carried"));
	assert_int_equal(read_hand_packed(P | SCF_SYSCALL_F_CTX, ok, sizeof(ok), NULL, msg,
					  sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "has not carried"));
	assert_int_equal(read_hand_packed(P | SCF_SYSCALL_F_CTX | SCF_PACKED_F_SPAN, body,
					  sizeof(ok) + 8, NULL, msg, sizeof(msg)), -EBADMSG);

	/* a record with pid and both ids, then one by reference: it gets the first one's */
	memset(body + sizeof(ok), 0x22, 17);
	memset(body + sizeof(ok) + 17, 0x33, 8);
	{
		static const uint8_t ref[] = { 9, 2, 0, 0xac, 0x02, 1, 0 }; /* no pid, abi */
		struct hand first = { P | SCF_SYSCALL_F_CTX | SCF_PACKED_F_TRACE |
					      SCF_PACKED_F_SPAN,
				      body, sizeof(ok) + 25 };

		assert_int_equal(read_hand_packed(first.flags, body, first.len, NULL, msg,
						  sizeof(msg)), 1);
		assert_string_equal(msg, "tid 300 pid 300 abi 1 nr 0 ret -3 span 33");
		assert_int_equal(read_hand_packed(SCF_SYSCALL_F_CTX, ref, sizeof(ref), &first, msg,
						  sizeof(msg)), 1);
		assert_string_equal(msg, "tid 300 pid 300 abi 1 nr 1 ret 1 span 33");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_roundtrip_many_threads),
		cmocka_unit_test(test_packed_section_reads_alone),
		cmocka_unit_test(test_packed_section_says_minor_1),
		cmocka_unit_test(test_packed_falls_back_to_plain),
		cmocka_unit_test(test_plain_option_writes_1_0_records),
		cmocka_unit_test(test_format_1_0_capture_still_reads),
		cmocka_unit_test(test_packed_hostile_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
