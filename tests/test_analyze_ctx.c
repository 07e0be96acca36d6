// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_analyze_ctx.c - cmocka suite for how analyze/ honours process and thread contexts as
 * they change: variant 2 of the analyzer scenario (analyze_scenario.h: one span on two threads
 * with different attribute values, process attributes, a context update without a key map, an
 * unpublished context, a stale REASON) is written through formats/ and read back by the
 * filter, whose output is checked as a user would read it.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "analyze_scenario.h"
#include "../analyze/analysis.h"
#include "../analyze/cmd_filter.h"

static char scen_path[64];

static int setup(void **state)
{
	char err[SCF_ERRMSG_MAX];
	int fd;

	(void)state;
	snprintf(scen_path, sizeof(scen_path), "/tmp/test_analyze_ctx.XXXXXX");
	fd = mkstemp(scen_path);
	if (fd < 0)
		return -1;
	close(fd);
	return scen_write_file(scen_path, 2, true, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	unlink(scen_path);
	return 0;
}

static struct ana_ctx *replay_file(const char *path, const struct ana_opts *o)
{
	struct ana_opts def = { .want = ANA_WANT_DETAIL };
	struct ana_ctx *c = ana_ctx__new(o ? o : &def);
	char err[SCF_ERRMSG_MAX];

	assert_non_null(c);
	assert_int_equal(ana_ctx__add_file(c, path, err, sizeof(err)), 0);
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(c->warnings.n, 0);
	return c;
}

static struct ana_span *span(struct ana_ctx *c, const char *sid)
{
	uint8_t t[16], s[8];

	memset(t, 0x0c, 16);
	for (int i = 0; i < 8; i++) {
		unsigned int v;

		assert_int_equal(sscanf(sid + 2 * i, "%2x", &v), 1);
		s[i] = (uint8_t)v;
	}
	return ana_span_find(c, t, s);
}

/* ---- one span on two threads ----------------------------------------------------------------- */

static void on_ctx_record(struct ana_ctx *c, uint32_t input, const struct scf_record *rec,
			  void *arg)
{
	uint32_t *tids = arg; /* [0]: how many, then the tids */
	struct scf_thread_ctx b;

	(void)c;
	(void)input;
	if (rec->type != SCF_REC_THREAD_CTX ||
	    scf_record_body(rec, &b, sizeof(b), SCF_THREAD_CTX_MIN, NULL, 0) || b.valid != 1)
		return;
	if (tids[0] < 15)
		tids[++tids[0]] = b.tid;
}

static void test_filter_tid_keeps_only_that_threads_context_records(void **state)
{
	char out[] = "/tmp/test_analyze_ctx_out.XXXXXX", err[256], *files[1] = { scen_path };
	struct ana_filter f = { .has_tid = true, .tid = SCEN_CTX_TID2 };
	struct ana_filter_cmd fc = { .out = out, .compress = 0 };
	struct ana_filter_stats st = { 0 };
	uint32_t tids[16] = { 0 };
	struct ana_opts o = { .on_record = on_ctx_record, .record_arg = tids };
	struct ana_attr a[8];
	struct ana_ctx *c;
	int fd = mkstemp(out);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ana_cmd_filter(&f, files, 1, &fc, &st, err, sizeof(err)), 0);
	assert_int_equal(st.syscalls, 1);
	c = replay_file(out, &o);
	assert_int_equal(tids[0], 1);
	assert_int_equal(tids[1], SCEN_CTX_TID2);
	/* read back, the span has thread 502's values */
	assert_int_equal(ana_span_attrs(span(c, SCEN_SPAN_C1), a, 8), 2);
	assert_memory_equal(a[0].val, "/b", 2);
	assert_memory_equal(a[1].val, "bob", 3);
	ana_ctx__free(c);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_tid_keeps_only_that_threads_context_records),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
