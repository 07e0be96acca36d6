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

#include "analyze_output.h"
#include "analyze_scenario.h"
#include "analysis.h"
#include "cmd_filter.h"
#include "export.h"
#include "report.h"

static char scen_path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(scen_path, sizeof(scen_path), "/tmp/test_analyze_ctx.XXXXXX");
	return aout_scenario_file(scen_path, 2, true);
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
	struct ana_ctx *c = aout_replay(path, o ? o : &def);

	assert_int_equal(c->warnings.n, 0);
	return c;
}

/* A report's output on the scenario with these options (NULL: the details), as text or JSON
 * (free it); its context is kept in *keep when given (free it), else freed. */
static char *report_with(int (*fn)(struct ana_report *), const struct ana_opts *o, bool json,
			 struct ana_ctx **keep)
{
	struct ana_report r = { .c = replay_file(scen_path, o), .json = json };
	char *text = aout_report(&r, fn);

	if (keep)
		*keep = r.c;
	else
		ana_ctx__free(r.c);
	return text;
}

/* The output of one report on the scenario, as text or JSON (free it). */
static char *report(int (*fn)(struct ana_report *), bool json)
{
	return report_with(fn, NULL, json, NULL);
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

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("\"%s\" should not be in:\n%s", needle, text);
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
	assert_int_equal(aout_count(text, "\"user_id\": \"bob\""), 1);
	/* attributes, and tid 501's */
	assert_int_equal(aout_count(text, "\"user_id\": \"alice\""), 2);
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

/* ---- process contexts that change ------------------------------------------------------------ */

static void test_process_attributes_shown_without_threadlocal(void **state)
{
	char *text = report(ana_report_processes, false), *row;
	(void)state;

	assert_has(text, "ATTRIBUTES");
	row = line_with(text, " pub ");
	assert_has(row, "deployment.region=us"); /* the latest record's */
	assert_lacks(row, "deployment.region=eu");
	assert_lacks(row, "threadlocal.");
	free(row);
	row = line_with(text, " gone ");
	assert_lacks(row, "team=core"); /* unpublished */
	free(row);
	free(text);

	text = report(ana_report_processes, true);
	assert_has(text, "\"deployment.region\": \"us\"");
	assert_lacks(text, "threadlocal.");
	free(text);

	text = report(ana_report_info, false);
	row = line_with(text, " pub ");
	assert_has(row, "deployment.region=us");
	free(row);
	free(text);
	text = report(ana_report_info, true);
	assert_has(text, "\"deployment.region\": \"us\"");
	assert_lacks(text, "threadlocal.");
	free(text);
}

static void test_update_without_key_map_drops_the_old_one(void **state)
{
	struct ana_ctx *c = replay_file(scen_path, NULL);
	struct ana_attr a[8];
	char *text, *json;
	(void)state;

	/* C3's key 0 was written when no key map was published: it names nothing */
	assert_int_equal(ana_span_attrs(span(c, SCEN_SPAN_C3), a, 8), 0);
	/* C1's were written under the key map in force then, and keep their names */
	assert_int_equal(ana_span_attrs(span(c, SCEN_SPAN_C1), a, 8), 2);
	/* D1 keeps its names after its process unpublished its context */
	assert_int_equal(ana_span_attrs(span(c, SCEN_SPAN_D1), a, 8), 1);
	ana_ctx__free(c);

	/* info --json lists pub, then gone: pub's key map is gone */
	json = report(ana_report_info, true);
	text = strstr(json, "\"pid\": 500");
	assert_non_null(text);
	text = strndup(text, (size_t)(strstr(text, "\"pid\": 600") - text));
	assert_has(text, "\"key_map_size\": 0");
	assert_has(text, "\"ctx_status\": \"resolved\"");
	free(text);
	free(json);
}

static void test_reason_is_the_latest_records(void **state)
{
	char *text = report(ana_report_info, false), *row;
	(void)state;

	row = line_with(text, " pub ");
	assert_lacks(row, SCEN_CTX_STALE_REASON);
	assert_has(row, " resolved ");
	free(row);
	row = line_with(text, " gone ");
	assert_has(row, SCEN_GONE_REASON);
	assert_has(row, " none ");
	free(row);
	free(text);
}

static void test_trace_services_are_those_its_syscalls_ran_under(void **state)
{
	char *text = report(ana_report_traces, false), *row;
	(void)state;

	/* gone unpublished its context after span D1 ran under gone-svc */
	row = line_with(text, SCEN_TRACE_C);
	assert_has(row, " gone-svc,pub-svc ");
	free(row);
	free(text);
	text = report(trace_c, true);
	assert_has(text, "\"gone-svc\"");
	free(text);
}

/* ---- exports --------------------------------------------------------------------------------- */

static char *export(enum ana_export_format fmt, enum ana_export_gran g)
{
	struct ana_export x = { .format = fmt, .gran = g };
	struct ana_opts o = { 0 };

	return aout_export(scen_path, &x, &o, NULL);
}

/* check on the OTLP export of the scenario, one span per syscall and one per span. */
static void check_otlp_both_granularities(void (*check)(const char *t))
{
	char *t = export(ANA_EXPORT_OTLP_JSON, ANA_GRAN_SYSCALL);

	check(t);
	free(t);
	t = export(ANA_EXPORT_OTLP_JSON, ANA_GRAN_SPAN);
	check(t);
	free(t);
}

/* The resourceSpans entry (from its "resource" to the next one) holding needle (free it). */
static char *resource_entry_with(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *a = NULL, *b;

	if (!p)
		fail_msg("\"%s\" not in the export", needle);
	for (const char *q = strstr(text, "\"resource\":"); q && q < p;
	     q = strstr(q + 1, "\"resource\":"))
		a = q;
	assert_non_null(a);
	b = strstr(p, "\"resource\":");
	return strndup(a, b ? (size_t)(b - a) : strlen(a));
}

/* Process attributes are resource attributes, as the context in force said; OTEP 4947's keys
 * are not. */
static void check_otlp_process_attributes(const char *t)
{
	char *e;

	assert_lacks(t, "threadlocal.");
	e = resource_entry_with(t, "\"parentSpanId\": \"" SCEN_SPAN_C1 "\"");
	assert_has(e, "\"stringValue\": \"pub-svc\"");
	assert_has(e, "\"key\": \"deployment.region\"");
	assert_has(e, "\"stringValue\": \"eu\"");
	free(e);
	e = resource_entry_with(t, "\"parentSpanId\": \"" SCEN_SPAN_C3 "\"");
	assert_has(e, "\"stringValue\": \"us\"");
	assert_lacks(e, "\"stringValue\": \"eu\"");
	free(e);
}

/* After the unpublish, none of the process's resource; before it, all of it. */
static void check_otlp_unpublished(const char *t)
{
	char *e;

	e = resource_entry_with(t, "\"parentSpanId\": \"" SCEN_SPAN_D2 "\"");
	assert_lacks(e, "gone-svc");
	assert_lacks(e, "\"key\": \"team\"");
	assert_has(e, "\"stringValue\": \"unknown_service:gone\"");
	free(e);
	e = resource_entry_with(t, "\"parentSpanId\": \"" SCEN_SPAN_D1 "\"");
	assert_has(e, "\"stringValue\": \"gone-svc\"");
	assert_has(e, "\"key\": \"team\"");
	free(e);
}

static void test_otlp_resource_has_the_process_attributes(void **state)
{
	(void)state;
	check_otlp_both_granularities(check_otlp_process_attributes);
}

static void test_otlp_resource_ends_when_the_context_is_unpublished(void **state)
{
	(void)state;
	check_otlp_both_granularities(check_otlp_unpublished);
}

static void test_span_service_is_the_one_it_ran_under(void **state)
{
	char *text = report(ana_report_spans, false), *row;
	(void)state;

	row = line_with(text, SCEN_SPAN_D1);
	assert_has(row, " gone-svc ");
	free(row);
	row = line_with(text, SCEN_SPAN_D2);
	assert_lacks(row, "gone-svc");
	free(row);
	free(text);
}

static void test_chrome_slices_carry_their_threads_attributes(void **state)
{
	char *t = export(ANA_EXPORT_CHROME, ANA_GRAN_SYSCALL);
	(void)state;

	/* span C1's slice on each thread: 501's values on 501's, 502's on 502's */
	assert_int_equal(aout_count(t, "\"http.route\": \"/a\""), 1);
	assert_int_equal(aout_count(t, "\"http.route\": \"/b\""), 1);
	assert_int_equal(aout_count(t, "\"user_id\": \"alice\""), 1);
	assert_int_equal(aout_count(t, "\"user_id\": \"bob\""), 1);
	free(t);
}

/*
 * ANA_WANT_NO_TRACES (files, net, processes): no trace or span is kept, and those reports
 * print what they print when every trace and span is kept, as text and as JSON.
 */
static void test_no_traces_keeps_none_and_changes_no_report(void **state)
{
	int (*const fns[])(struct ana_report *) = { ana_report_processes, ana_report_files,
						    ana_report_net };
	(void)state;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		for (int json = 0; json < 2; json++) {
			struct ana_opts all = { .want = ANA_WANT_IO };
			struct ana_opts none = { .want = ANA_WANT_IO | ANA_WANT_NO_TRACES };
			struct ana_ctx *ca, *cn;
			char *a = report_with(fns[i], &all, json, &ca);
			char *n = report_with(fns[i], &none, json, &cn);

			assert_true(ca->traces.n > 0 && ca->spans.n > 0);
			assert_int_equal(cn->traces.n, 0);
			assert_int_equal(cn->spans.n, 0);
			assert_string_equal(a, n);
			ana_ctx__free(ca);
			ana_ctx__free(cn);
			free(a);
			free(n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_on_two_threads_keeps_each_threads_attributes),
		cmocka_unit_test(test_trace_shows_each_threads_attributes),
		cmocka_unit_test(test_filter_tid_keeps_only_that_threads_context_records),
		cmocka_unit_test(test_process_attributes_shown_without_threadlocal),
		cmocka_unit_test(test_update_without_key_map_drops_the_old_one),
		cmocka_unit_test(test_reason_is_the_latest_records),
		cmocka_unit_test(test_otlp_resource_has_the_process_attributes),
		cmocka_unit_test(test_otlp_resource_ends_when_the_context_is_unpublished),
		cmocka_unit_test(test_span_service_is_the_one_it_ran_under),
		cmocka_unit_test(test_trace_services_are_those_its_syscalls_ran_under),
		cmocka_unit_test(test_chrome_slices_carry_their_threads_attributes),
		cmocka_unit_test(test_no_traces_keeps_none_and_changes_no_report),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
