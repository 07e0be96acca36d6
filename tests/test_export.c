// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_export.c - cmocka tests of `spancap-analyze export` (analyze/exporters/: cmd_export.c,
 * otlp_json.c, chrome_trace.c, row_export.c) on the analyzer scenario (analyze_scenario.h)
 * and on a hand-written thread whose spans interleave. The output is read back as text: the JSON writer puts one key per
 * line, so counting keys counts spans and events.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze_output.h"
#include "analyze_scenario.h"
#include "analysis.h"
#include "export.h"
#include "json_out.h"
#include "text_fmt.h"

struct out {
	char *text;
	char dir[64];
};

/* Runs one export of input with the given settings and filter; returns the output text. */
static char *run_export(const char *input, enum ana_export_format fmt, enum ana_export_gran g,
			bool orphans, const struct ana_filter *f)
{
	struct ana_export x = { .format = fmt, .gran = g, .orphans = orphans };
	struct ana_opts o = { 0 };

	if (f)
		o.f = *f;
	return aout_export(input, &x, &o, NULL);
}

static char scenario_path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(scenario_path, sizeof(scenario_path), "/tmp/test_export_scen.XXXXXX");
	return aout_scenario_file(scenario_path, 0, false);
}

static int teardown(void **state)
{
	(void)state;
	unlink(scenario_path);
	return 0;
}

/* ---- otlp-json ------------------------------------------------------------------------------- */

static void test_otlp_one_span_per_syscall_under_its_span(void **state)
{
	char *t = run_export(scenario_path, ANA_EXPORT_OTLP_JSON, ANA_GRAN_SYSCALL, false, NULL);

	(void)state;
	assert_int_equal(aout_count(t, "\"spanId\""), SCEN_A_SYSCALLS + SCEN_B_SYSCALLS);
	assert_int_equal(aout_count(t, "\"parentSpanId\": \"" SCEN_SPAN_A1 "\""), SCEN_A1_SYSCALLS);
	assert_int_equal(aout_count(t, "\"parentSpanId\": \"" SCEN_SPAN_A2 "\""), SCEN_A2_SYSCALLS);
	assert_int_equal(aout_count(t, "\"traceId\": \"" SCEN_TRACE_B "\""), SCEN_B_SYSCALLS);
	/* failures: error.type, and status ERROR (code 2) */
	assert_int_equal(aout_count(t, "\"stringValue\": \"ENOENT\""), 1);
	assert_int_equal(aout_count(t, "\"stringValue\": \"EBADF\""), 1);
	assert_int_equal(aout_count(t, "\"code\": 2"), SCEN_A_ERRORS);
	/* semantic attributes */
	assert_int_equal(aout_count(t, "\"stringValue\": \"/etc/missing.conf\""), 1);
	assert_true(aout_count(t, "\"key\": \"network.peer.address\"") >= 3);
	assert_true(aout_count(t, "\"stringValue\": \"127.0.0.1\"") >= 3);
	assert_true(aout_count(t, "\"intValue\": \"5432\"") >= 3);
	assert_int_equal(aout_count(t, "\"key\": \"spancap.bytes_read\""), 3); /* 120, 250, 500 */
	/* the process's resource: its service and the host */
	assert_true(aout_count(t, "\"stringValue\": \"checkout\"") >= 1);
	assert_true(aout_count(t, "\"stringValue\": \"scenario-host\"") >= 1);
	assert_int_equal(aout_count(t, "\"key\": \"spancap.no_context\""), 0);
	free(t);
}

static void test_otlp_span_ids_deterministic(void **state)
{
	char *a = run_export(scenario_path, ANA_EXPORT_OTLP_JSON, ANA_GRAN_SYSCALL, true, NULL);
	char *b = run_export(scenario_path, ANA_EXPORT_OTLP_JSON, ANA_GRAN_SYSCALL, true, NULL);

	(void)state;
	assert_string_equal(a, b);
	assert_int_equal(aout_count(a, "\"spanId\""), SCEN_TOTAL_SYSCALLS);
	assert_int_equal(aout_count(a, "\"key\": \"spancap.no_context\""),
			 SCEN_TOTAL_SYSCALLS - SCEN_A_SYSCALLS - SCEN_B_SYSCALLS);
	free(a);
	free(b);
}

static void test_otlp_granularity_span(void **state)
{
	char *t = run_export(scenario_path, ANA_EXPORT_OTLP_JSON, ANA_GRAN_SPAN, false, NULL);
	char want[64];

	(void)state;
	assert_int_equal(aout_count(t, "\"spanId\""), 3); /* A1, A2, B1 */
	assert_int_equal(aout_count(t, "\"name\": \"syscalls\""), 3);
	snprintf(want, sizeof(want), "\"intValue\": \"%d\"", SCEN_A1_SYSCALLS);
	assert_true(aout_count(t, want) >= 1);
	assert_int_equal(aout_count(t, "\"message\": \"2 of 12 syscalls failed\""), 1);
	/* one event per failure */
	assert_int_equal(aout_count(t, "\"timeUnixNano\""), SCEN_A_ERRORS);
	assert_int_equal(aout_count(t, "\"key\": \"spancap.files\""), 2); /* A1 and B1 */
	assert_int_equal(aout_count(t, "\"key\": \"spancap.network.peers\""), 1);
	free(t);
}

static void test_otlp_filters_apply(void **state)
{
	struct ana_filter f = { .errors_only = true };
	char *t = run_export(scenario_path, ANA_EXPORT_OTLP_JSON, ANA_GRAN_SYSCALL, false, &f);

	(void)state;
	assert_int_equal(aout_count(t, "\"spanId\""), SCEN_A_ERRORS);
	free(t);
}

static void test_otlp_jsonl_lines_of_max_spans(void **state)
{
	struct ana_export x = { .format = ANA_EXPORT_OTLP_JSONL, .max_spans = 4, .orphans = true };
	struct ana_opts o = { 0 };
	unsigned int lines = 0, spans = 0;
	char *t, *line;

	(void)state;
	t = aout_export(scenario_path, &x, &o, NULL);
	for (line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		static const char head[] = "{\"resourceSpans\":[{\"resource\":";
		unsigned int n = aout_count(line, "\"spanId\":");

		assert_true(!strncmp(line, head, strlen(head)));
		assert_true(n >= 1 && n <= 4);
		assert_int_equal(aout_count(line, "\"key\":\"service.name\""),
				 aout_count(line, "\"resource\":"));
		spans += n;
		lines++;
	}
	assert_int_equal(spans, SCEN_TOTAL_SYSCALLS);
	assert_int_equal(lines, (SCEN_TOTAL_SYSCALLS + 3) / 4);
	free(t);
}

/* ---- chrome --------------------------------------------------------------------------------- */

struct xev {
	uint64_t ts, end; /* nanoseconds */
	unsigned long tid;
	bool span, segment;
};

/* Reads back the X events (each field on its own line, in the order chrome_trace.c writes). */
static unsigned int x_events(const char *t, struct xev *v, unsigned int max)
{
	unsigned int n = 0;

	for (const char *p = strstr(t, "\"ph\": \"X\""); p && n < max;
	     p = strstr(p + 1, "\"ph\": \"X\"")) {
		unsigned long long us, frac, dus, dfrac;
		const char *cat = p;

		while (cat > t && strncmp(cat, "\"cat\": ", 7))
			cat--;
		assert_int_equal(sscanf(strstr(p, "\"ts\": "), "\"ts\": %llu.%llu", &us, &frac), 2);
		assert_int_equal(sscanf(strstr(p, "\"dur\": "), "\"dur\": %llu.%llu", &dus, &dfrac),
				 2);
		assert_int_equal(sscanf(strstr(p, "\"tid\": "), "\"tid\": %lu", &v[n].tid), 1);
		v[n].ts = us * 1000 + frac;
		v[n].end = v[n].ts + dus * 1000 + dfrac;
		v[n].span = !strncmp(cat, "\"cat\": \"span\"", strlen("\"cat\": \"span\""));
		v[n].segment = strstr(p, "\"segment\"") && strstr(p, "\"segment\"") <
			strstr(p, "\n    }");
		n++;
	}
	return n;
}

/* No two X events of a thread partly overlap. */
static void assert_nested(const struct xev *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < n; k++) {
			const struct xev *a = &v[i], *b = &v[k];

			if (i == k || a->tid != b->tid)
				continue;
			if (a->ts < b->ts && b->ts < a->end && a->end < b->end)
				fail_msg("events %u [%" PRIu64 ", %" PRIu64 "] and %u [%" PRIu64
					 ", %" PRIu64 "] cross",
					 i, a->ts, a->end, k, b->ts, b->end);
		}
}

static void test_chrome_scenario(void **state)
{
	char *t = run_export(scenario_path, ANA_EXPORT_CHROME, ANA_GRAN_SYSCALL, false, NULL);
	struct xev v[64];
	unsigned int n = x_events(t, v, 64), sc = 0, sp = 0;

	(void)state;
	for (unsigned int i = 0; i < n; i++)
		v[i].span ? sp++ : sc++;
	assert_int_equal(sc, SCEN_TOTAL_SYSCALLS);
	assert_int_equal(sp, 3); /* A1, A2, B1 each on one thread */
	assert_nested(v, n);
	assert_int_equal(aout_count(t, "\"name\": \"thread_name\""), 4); /* 101, 102, 200, 300 */
	assert_int_equal(aout_count(t, "\"error\": "), SCEN_A_ERRORS);
	free(t);
}

/* One thread: span P, then Q, then P again, then Q: their hulls cross. */
static void write_interleaved(const char *path)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = true };
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .ncpus = 1,
				   .syscall_abi = SCF_ABI_X86_64 };
	struct scf_rec_builder b;
	struct scf_writer *w;
	char err[SCF_ERRMSG_MAX];
	uint8_t buf[512];

	w = scf_writer__open(path, &o, err, sizeof(err));
	assert_non_null(w);
	scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	assert_int_equal(scf_writer__begin_section(w, SCEN_T0, buf, scf_rb_end(&b)), 0);
	for (int i = 0; i < 6; i++) {
		/* P, Q, P, Q, then two syscalls outside any span */
		struct scf_syscall s = { .duration_ns = 1000, .tid = 7, .pid = 7, .nr = 0,
					 .abi = SCF_ABI_X86_64 };
		uint16_t flags = 0;

		if (i < 4) {
			memset(s.trace_id, 0x77, 16);
			memset(s.span_id, i % 2 ? 0x22 : 0x11, 8);
			flags = SCF_SYSCALL_F_CTX;
		}
		scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_SYSCALL, flags, &s, sizeof(s));
		assert_int_equal(scf_writer__append(w, SCEN_T0 + 10000 * (uint64_t)(i + 1), buf,
						    scf_rb_end(&b)), 0);
	}
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
}

static void test_chrome_crossing_spans_become_segments(void **state)
{
	char path[] = "/tmp/test_export_il.XXXXXX";
	int fd = mkstemp(path);
	struct xev v[32];
	unsigned int n, spans = 0, segments = 0, sc = 0;
	char *t;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_interleaved(path);
	t = run_export(path, ANA_EXPORT_CHROME, ANA_GRAN_SYSCALL, false, NULL);
	unlink(path);
	n = x_events(t, v, 32);
	for (unsigned int i = 0; i < n; i++) {
		spans += v[i].span;
		segments += v[i].span && v[i].segment;
		sc += !v[i].span;
	}
	assert_int_equal(sc, 6);
	/* P's hull [1, 3] is kept; Q's would cross it: drawn as its two runs */
	assert_int_equal(spans, 3);
	assert_int_equal(segments, 2);
	assert_nested(v, n);
	free(t);
}

/* ---- csv and jsonl rows ---------------------------------------------------------------------- */

static char *csv_of(const char *field)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(ana_csv_field(f, field), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void assert_csv(const char *field, const char *want)
{
	char *got = csv_of(field);

	assert_string_equal(got, want);
	free(got);
}

static void test_csv_field_quotes_per_rfc4180(void **state)
{
	(void)state;
	assert_csv("", "");
	assert_csv("plain text; (x) 'y'", "plain text; (x) 'y'");
	assert_csv("a,b", "\"a,b\"");
	assert_csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	assert_csv("\"", "\"\"\"\"");
	assert_csv("line\nnext", "\"line\nnext\"");
	assert_csv("cr\rlf", "\"cr\rlf\"");
	assert_csv("a,b\"c\nd", "\"a,b\"\"c\nd\"");
}

static void test_row_text_escapes_what_is_not_utf8(void **state)
{
	char buf[64];

	(void)state;
	/* valid UTF-8 (2, 3 and 4 bytes) passes unchanged */
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
					 14, true),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* a lone byte, a cut sequence, an overlong form, a surrogate, past U+10FFFF */
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "a\xff" "b", 3, true), "a\\xffb");
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "a\xc3", 2, true), "a\\xc3");
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "\xc0\xaf", 2, true), "\\xc0\\xaf");
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "\xed\xa0\x80", 3, true),
			    "\\xed\\xa0\\x80");
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "\xf4\x90\x80\x80", 4, true),
			    "\\xf4\\x90\\x80\\x80");
	/* raw text: a backslash is doubled so that the text decodes back to the bytes */
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "a\\xffb", 6, true), "a\\\\xffb");
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "a\\nb", 4, false), "a\\nb");
	/* controls, commas and quotes are the CSV writer's business */
	assert_string_equal(ana_fmt_utf8(buf, sizeof(buf), "a,\"\n", 4, true), "a,\"\n");
	/* a cut never splits an escape or a character */
	assert_string_equal(ana_fmt_utf8(buf, 6, "ab\xff", 3, true), "ab");
	assert_string_equal(ana_fmt_utf8(buf, 4, "ab\xc3\xa9", 4, true), "ab");
	assert_string_equal(ana_fmt_utf8(buf, 5, "ab\xc3\xa9", 4, true), "ab\xc3\xa9");
}

static void test_report_text_escapes_as_strace(void **state)
{
	char buf[64];

	(void)state;
	/* a path with a lone 0xff, a cut sequence 0xc3 0x28 and a backslash: unambiguous text */
	assert_string_equal(ana_fmt_escape(buf, sizeof(buf), "/t/a\xff" "b\xc3(c\\d", 11),
			    "/t/a\\xffb\\xc3(c\\\\d");
	/* valid UTF-8 kept, controls, quote and DEL escaped */
	assert_string_equal(ana_fmt_escape(buf, sizeof(buf), "\xc3\xa9\"\n\t\x01\x7f", 7),
			    "\xc3\xa9\\\"\\n\\t\\x01\\x7f");
	/* the text of a byte is never the text of another string */
	assert_string_not_equal(ana_fmt_escape(buf, sizeof(buf), "\xff", 1),
				ana_fmt_escape(buf + 32, 32, "\\xff", 4));
	/* a cut never splits an escape or a character */
	assert_string_equal(ana_fmt_escape(buf, 4, "a\xff", 2), "a");
	assert_string_equal(ana_fmt_escape(buf, 3, "a\xc3\xa9", 3), "a");
}

static void test_json_keeps_bytes_exactly(void **state)
{
	struct ana_json j;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	ana_json_init(&j, f);
	j.compact = true;
	ana_json_obj(&j, NULL);
	ana_json_bytes(&j, "path", "/t/a\xff" "b\xc3(c\\d\xc3\xa9");
	ana_json_str(&j, "call", "open(\"/t/a\\xff\")\x80");
	ana_json_end(&j, true);
	assert_int_equal(fclose(f), 0);
	/* captured bytes: \xNN for a byte outside UTF-8, \\ for a backslash, both JSON-escaped */
	assert_string_equal(text, "{\"path\":\"/t/a\\\\xffb\\\\xc3(c\\\\\\\\d\xc3\xa9\","
				  "\"call\":\"open(\\\"/t/a\\\\xff\\\")\\\\x80\"}");
	free(text);
}

static unsigned int count_str(const char *t, const char *s)
{
	unsigned int n = 0;

	for (const char *p = t; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

static void test_rows_one_per_syscall(void **state)
{
	char path[] = "/tmp/test_export_rows.XXXXXX";
	int fd = mkstemp(path);
	char *csv, *jsonl;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_interleaved(path);
	csv = run_export(path, ANA_EXPORT_CSV, ANA_GRAN_SYSCALL, false, NULL);
	jsonl = run_export(path, ANA_EXPORT_JSONL, ANA_GRAN_SYSCALL, false, NULL);
	unlink(path);
	/* a header and six rows; four in spans of trace 7777..., two outside */
	assert_int_equal(count_str(csv, "\n"), 7);
	assert_true(!strncmp(csv, "ts_ns,time,host,boot_id,pid,tid,trace_id,span_id,", 49));
	assert_int_equal(count_str(csv, ",77777777777777777777777777777777,"), 4);
	assert_int_equal(count_str(csv, ",1111111111111111,"), 2);
	assert_int_equal(count_str(csv, ",2222222222222222,"), 2);
	assert_int_equal(count_str(jsonl, "\n"), 6);
	assert_int_equal(count_str(jsonl, "\"trace_id\":\"77777777777777777777777777777777\""), 4);
	assert_int_equal(count_str(jsonl, "\"trace_id\":\"\""), 2);
	free(csv);
	free(jsonl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otlp_one_span_per_syscall_under_its_span),
		cmocka_unit_test(test_otlp_span_ids_deterministic),
		cmocka_unit_test(test_otlp_granularity_span),
		cmocka_unit_test(test_otlp_filters_apply),
		cmocka_unit_test(test_otlp_jsonl_lines_of_max_spans),
		cmocka_unit_test(test_chrome_scenario),
		cmocka_unit_test(test_chrome_crossing_spans_become_segments),
		cmocka_unit_test(test_csv_field_quotes_per_rfc4180),
		cmocka_unit_test(test_row_text_escapes_what_is_not_utf8),
		cmocka_unit_test(test_report_text_escapes_as_strace),
		cmocka_unit_test(test_json_keeps_bytes_exactly),
		cmocka_unit_test(test_rows_one_per_syscall),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
