// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_analyze_ctx.c - cmocka suite for how analyze/ honours process and thread contexts as
 * they change: variant 2 of the analyzer scenario (analyze_scenario.h: one span on two threads
 * with different attribute values, process attributes, a context update without a key map, an
 * unpublished context, a stale REASON) is written through formats/ and read back by the
 * reports, the filter and the exports, whose output is checked as a user would read it.
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
#include "../analyze/export.h"
#include "../analyze/report.h"

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

/* The output of one report on the scenario, as text or JSON (free it). */
static char *report(int (*fn)(struct ana_report *), bool json)
{
	struct ana_ctx *c = replay_file(scen_path, NULL);
	struct ana_report r = { .c = c, .json = json };
	char *text = NULL;
	size_t len = 0;

	r.out = open_memstream(&text, &len);
	assert_non_null(r.out);
	assert_int_equal(fn(&r), 0);
	fclose(r.out);
	ana_ctx__free(c);
	return text;
}

/* The line of text that holds needle (a copy: free it). */
static char *line_with(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *a, *b;

	if (!p)
		fail_msg("no line holds \"%s\" in:\n%s", needle, text);
	for (a = p; a > text && a[-1] != '\n'; a--)
		;
	b = strchr(p, '\n');
	return strndup(a, b ? (size_t)(b - a) : strlen(a));
}

static void assert_has(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" not in:\n%s", needle, text);
}

static unsigned int count(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
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

static void test_span_on_two_threads_keeps_each_threads_attributes(void **state)
{
	struct ana_ctx *c = replay_file(scen_path, NULL);
	struct ana_span *s = span(c, SCEN_SPAN_C1);
	struct ana_attr a[8];
	char *text, *row;
	(void)state;

	/* the span's own attributes are those of its first thread, never merged with another's */
	assert_non_null(s);
	assert_int_equal(ana_span_attrs(s, a, 8), 2);
	assert_string_equal(a[0].key, "http.route");
	assert_int_equal(a[0].val_len, 2);
	assert_memory_equal(a[0].val, "/a", 2);
	assert_int_equal(a[1].val_len, 5);
	assert_memory_equal(a[1].val, "alice", 5);
	ana_ctx__free(c);

	text = report(ana_report_spans, false);
	row = line_with(text, SCEN_SPAN_C1);
	assert_has(row, "tid 501: http.route=/a user_id=alice; tid 502: http.route=/b user_id=bob");
	free(row);
	free(text);

	text = report(ana_report_spans, true);
	assert_has(text, "\"thread_attributes\"");
	assert_int_equal(count(text, "\"user_id\": \"bob\""), 1);
	assert_int_equal(count(text, "\"user_id\": \"alice\""), 2); /* attributes, and tid 501's */
	free(text);
}

static int trace_c(struct ana_report *r)
{
	r->trace_arg = SCEN_TRACE_C;
	return ana_report_trace(r);
}

static void test_trace_shows_each_threads_attributes(void **state)
{
	char *text = report(trace_c, false);
	(void)state;

	assert_has(text, "attributes: tid 501: http.route=/a user_id=alice; tid 502: "
			 "http.route=/b user_id=bob\n");
	free(text);
}

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

/* ---- exports --------------------------------------------------------------------------------- */

static char *export(enum ana_export_format fmt, enum ana_export_gran g)
{
	char dir[] = "/tmp/test_analyze_ctx.XXXXXX", path[64], err[SCF_ERRMSG_MAX];
	struct ana_export x = { .format = fmt, .gran = g };
	struct ana_opts o = { 0 };
	struct ana_ctx *c;
	char *text;
	FILE *f;
	long n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	x.path = path;
	assert_int_equal(ana_export_begin(&x, &o), 0);
	c = ana_ctx__new(&o);
	assert_non_null(c);
	assert_int_equal(ana_ctx__add_file(c, scen_path, err, sizeof(err)), 0);
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(ana_export_finish(&x, c), 0);
	ana_ctx__free(c);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	rmdir(dir);
	return text;
}

static void test_chrome_slices_carry_their_threads_attributes(void **state)
{
	char *t = export(ANA_EXPORT_CHROME, ANA_GRAN_SYSCALL);
	(void)state;

	/* span C1's slice on each thread: 501's values on 501's, 502's on 502's */
	assert_int_equal(count(t, "\"http.route\": \"/a\""), 1);
	assert_int_equal(count(t, "\"http.route\": \"/b\""), 1);
	assert_int_equal(count(t, "\"user_id\": \"alice\""), 1);
	assert_int_equal(count(t, "\"user_id\": \"bob\""), 1);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_on_two_threads_keeps_each_threads_attributes),
		cmocka_unit_test(test_trace_shows_each_threads_attributes),
		cmocka_unit_test(test_filter_tid_keeps_only_that_threads_context_records),
		cmocka_unit_test(test_chrome_slices_carry_their_threads_attributes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
