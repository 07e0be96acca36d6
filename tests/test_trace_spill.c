// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_trace_spill.c - the memory budget of traces and spans: the external sort
 * (spill_sort.c: order, runs, a hostile run file) and the spill of partials merged back
 * (trace_spill.c): every report that reads traces and spans prints the same bytes with a budget
 * of one byte (every trace spilled between records, partials of one id merged) as without.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis.h"
#include "analyze_output.h"
#include "analyze_scenario.h"
#include "export.h"
#include "report.h"
#include "spill_sort.h"
#include "xorshift64.h"

/* ---- the external sort ---------------------------------------------------------------------- */

/* n records of random 2-byte keys (many equal) whose value is the order they were added in:
 * they must come back by key, equal keys in that order, through runs when budget is small
 * (written on the sorter's thread when thread). */
static void sort_and_check(size_t budget, uint32_t n, bool want_runs, bool thread)
{
	struct ana_sorter *s = ana_sorter__new(budget, NULL);
	struct ana_sorted rec;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint8_t last_key[2] = { 0, 0 };
	uint32_t last_val = 0, got = 0;
	int ret;

	assert_non_null(s);
	if (thread)
		ana_sorter__use_thread(s);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k[2] = { (uint8_t)(xorshift64_next(&rng) % 7), (uint8_t)(i % 3) };

		assert_int_equal(ana_sorter__add(s, k, 2, &i, sizeof(i)), 0);
	}
	assert_int_equal(ana_sorter__finish(s), 0);
	if (want_runs)
		assert_true(ana_sorter__runs(s) > 2);
	else
		assert_int_equal(ana_sorter__runs(s), 0);
	while ((ret = ana_sorter__next(s, &rec)) == 1) {
		uint32_t v;

		assert_int_equal(rec.klen, 2);
		assert_int_equal(rec.vlen, 4);
		memcpy(&v, rec.val, 4);
		if (got) {
			int c = memcmp(last_key, rec.key, 2);

			assert_true(c <= 0);
			if (!c)
				assert_true(v > last_val); /* equal keys: in the order added */
		}
		memcpy(last_key, rec.key, 2);
		last_val = v;
		got++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(got, n);
	ana_sorter__free(s);
}

static void test_sorter_in_memory_orders_by_key_then_order_added(void **state)
{
	(void)state;
	sort_and_check(1 << 20, 5000, false, false);
	sort_and_check(1 << 20, 5000, false, true); /* no run: no thread either */
}

static void test_sorter_runs_merge_in_the_same_order(void **state)
{
	(void)state;
	sort_and_check(512, 5000, true, false);
}

static void test_sorter_thread_runs_merge_in_the_same_order(void **state)
{
	(void)state;
	sort_and_check(512, 5000, true, true);
	sort_and_check(1, 3000, true, true); /* batches of 4 KiB whatever the budget */
	sort_and_check(64 << 10, 40000, true, true); /* read ahead in blocks of 4 KiB */
}

/* Records larger than a block read ahead (4 KiB with this budget) come back whole, in order
 * among small ones. */
static void test_sorter_thread_reads_records_past_a_block(void **state)
{
	static uint8_t big[10000];
	struct ana_sorter *s = ana_sorter__new(8192, NULL);
	struct ana_sorted rec;

	(void)state;
	assert_non_null(s);
	ana_sorter__use_thread(s);
	for (int i = 0; i < 20; i++) {
		uint8_t k = (uint8_t)(19 - i);

		memset(big, 'a' + i, sizeof(big));
		assert_int_equal(ana_sorter__add(s, &k, 1, big, i % 2 ? sizeof(big) : 7), 0);
	}
	assert_int_equal(ana_sorter__finish(s), 0);
	assert_true(ana_sorter__runs(s) > 2);
	for (int i = 19; i >= 0; i--) {
		assert_int_equal(ana_sorter__next(s, &rec), 1);
		assert_int_equal(rec.key[0], 19 - i);
		assert_int_equal(rec.vlen, i % 2 ? sizeof(big) : 7);
		assert_int_equal(rec.val[0], 'a' + i);
		assert_int_equal(rec.val[rec.vlen - 1], 'a' + i);
	}
	assert_int_equal(ana_sorter__next(s, &rec), 0);
	assert_int_equal(ana_sorter__next(s, &rec), 0);
	ana_sorter__free(s);
}

/* Keys compared as bytes, a key that is a prefix of another first (klen: the longer) */
static int bytes_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	return r ? r : (alen > blen) - (alen < blen);
}

/*
 * Keys of 0 to 12 bytes of 0x00, 0x01 and 0xff (a short key's prefix is padded with zeros,
 * so "a" and "a\0" have one prefix; 8-byte prefixes shared by longer keys): they come back
 * in byte order, equal keys in the order added, sorted in memory, in runs, and on the thread.
 */
static void test_sorter_key_prefixes_keep_byte_order(void **state)
{
	static const uint8_t alphabet[3] = { 0x00, 0x01, 0xff };
	static const size_t budgets[3] = { 1 << 20, 4096, 4096 };

	(void)state;
	for (int k = 0; k < 3; k++) {
		struct ana_sorter *s = ana_sorter__new(budgets[k], NULL);
		uint64_t rng = 0x2545f4914f6cdd1dull;
		uint8_t last[12];
		uint32_t last_len = 0, last_i = 0, got = 0;
		struct ana_sorted rec;
		int ret;

		assert_non_null(s);
		if (k == 2)
			ana_sorter__use_thread(s);
		for (uint32_t i = 0; i < 3000; i++) {
			uint8_t key[12];
			uint32_t len = (uint32_t)(xorshift64_next(&rng) % 13);

			for (uint32_t j = 0; j < len; j++)
				key[j] = alphabet[xorshift64_next(&rng) % 3];
			assert_int_equal(ana_sorter__add(s, key, len, &i, sizeof(i)), 0);
		}
		assert_int_equal(ana_sorter__finish(s), 0);
		assert_true(k == 0 ? ana_sorter__runs(s) == 0 : ana_sorter__runs(s) > 2);
		while ((ret = ana_sorter__next(s, &rec)) == 1) {
			uint32_t i;

			memcpy(&i, rec.val, sizeof(i));
			if (got) {
				int c = bytes_cmp(last, last_len, rec.key, rec.klen);

				assert_true(c <= 0);
				if (!c)
					assert_true(i > last_i);
			}
			memcpy(last, rec.key, rec.klen);
			last_len = rec.klen;
			last_i = i;
			got++;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(got, 3000);
		ana_sorter__free(s);
	}
}

/* Three records of key k and a 2000-byte value: 2024 bytes and an entry of 16 in memory */
static int add_three(struct ana_sorter *s, const char *k)
{
	static uint8_t v[2000];
	int ret = 0;

	memset(v, 'v', sizeof(v));
	for (int i = 0; i < 3 && !ret; i++)
		ret = ana_sorter__add(s, k + i, 1, v, sizeof(v));
	return ret;
}

/*
 * With a thread, a full batch is handed to it and the adding goes on in the other batch while
 * the first is still unwritten (held here): two records fill a batch of 8192 / 2 bytes, the
 * third hands them over and starts the next.
 */
static void test_sorter_thread_fills_the_next_batch_while_one_is_written(void **state)
{
	struct ana_sorter *s = ana_sorter__new(8192, NULL);
	struct ana_sorted rec;

	(void)state;
	assert_non_null(s);
	ana_sorter__use_thread(s);
	ana_sorter__hold_thread(s, true);
	assert_int_equal(add_three(s, "cab"), 0);
	assert_int_equal(ana_sorter__runs(s), 0); /* handed over, not written yet */
	ana_sorter__hold_thread(s, false);
	assert_int_equal(ana_sorter__finish(s), 0);
	assert_int_equal(ana_sorter__runs(s), 2); /* the thread's, then the last batch */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ana_sorter__next(s, &rec), 1);
		assert_int_equal(rec.klen, 1);
		assert_int_equal(rec.key[0], "abc"[i]);
		assert_int_equal(rec.vlen, 2000);
	}
	assert_int_equal(ana_sorter__next(s, &rec), 0);
	ana_sorter__free(s);
}

/*
 * A write that fails (the file size limit, at 100 bytes: the first run is 4034) names the file
 * and the byte offset the same way whether the adding thread wrote the run (the add that made
 * it fails) or the sorter's thread did (finish, the next point the adding waits for it, fails).
 * No assertion runs while the limit holds (cmocka's output may be a file).
 */
static void test_sorter_thread_write_error_names_the_file_and_offset(void **state)
{
	struct rlimit old, lim;
	void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
	int add_ret[2], fin_ret[2];
	char msg[2][512];

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100;
	for (int thread = 0; thread < 2; thread++) {
		/* a batch of 4096 bytes either way: two records */
		struct ana_sorter *s = ana_sorter__new(thread ? 8192 : 4096, NULL);

		assert_non_null(s);
		if (thread) {
			ana_sorter__use_thread(s);
			ana_sorter__hold_thread(s, true);
		}
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		add_ret[thread] = add_three(s, "cab");
		ana_sorter__hold_thread(s, false);
		fin_ret[thread] = add_ret[thread] ? 0 : ana_sorter__finish(s);
		setrlimit(RLIMIT_FSIZE, &old);
		snprintf(msg[thread], sizeof(msg[thread]), "%s", ana_sorter__error(s));
		ana_sorter__free(s);
	}
	signal(SIGXFSZ, old_xfsz);
	assert_int_equal(add_ret[0], -EFBIG);
	assert_int_equal(add_ret[1], 0);
	assert_int_equal(fin_ret[1], -EFBIG);
	assert_non_null(strstr(msg[0], "spill file /"));
	assert_non_null(strstr(msg[0], ": write at byte 100: File too large"));
	assert_string_equal(msg[0], msg[1]);
}

static void test_sorter_keys_of_different_lengths(void **state)
{
	struct ana_sorter *s = ana_sorter__new(1, NULL); /* one record per run */
	const char *keys[] = { "ab", "a", "", "abc", "b" }, *want[] = { "", "a", "ab", "abc", "b" };
	struct ana_sorted rec;

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ana_sorter__add(s, keys[i], (uint32_t)strlen(keys[i]), "v", 1), 0);
	assert_int_equal(ana_sorter__finish(s), 0);
	assert_int_equal(ana_sorter__runs(s), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(ana_sorter__next(s, &rec), 1);
		assert_int_equal(rec.klen, strlen(want[i]));
		assert_memory_equal(rec.key, want[i], rec.klen);
	}
	assert_int_equal(ana_sorter__next(s, &rec), 0);
	ana_sorter__free(s);
}

/* No record at all: in memory (no array to sort: UBSan checks the call) and in no run. */
static void test_sorter_empty(void **state)
{
	struct ana_sorter *s = ana_sorter__new(1, NULL);
	struct ana_sorted rec;

	(void)state;
	assert_non_null(s);
	assert_int_equal(ana_sorter__finish(s), 0);
	assert_int_equal(ana_sorter__runs(s), 0);
	assert_int_equal(ana_sorter__next(s, &rec), 0);
	assert_int_equal(ana_sorter__next(s, &rec), 0);
	ana_sorter__free(s);
}

/* A run file: records (u32 klen, u32 vlen, u64 order, key, value) as given. */
static size_t put_rec(uint8_t *p, uint32_t klen, uint32_t vlen, uint64_t order)
{
	memcpy(p, &klen, 4);
	memcpy(p + 4, &vlen, 4);
	memcpy(p + 8, &order, 8);
	memset(p + 16, 'x', (size_t)klen + vlen);
	return 16 + (size_t)klen + vlen;
}

/* The merge reads a run file back as hostile input: each malformed one is an error that names
 * the byte offset of the bad record, never a read past the run. */
static void rejects_malformed_runs(bool thread)
{
	uint8_t buf[256];
	struct ana_sorted rec;
	struct ana_sorter *s;
	size_t n;

	memset(buf, 0, sizeof(buf));
	/* a good record, then one whose lengths run past the run's end */
	n = put_rec(buf, 2, 3, 0);
	n += put_rec(buf + n, 4, 4, 1);
	s = ana_sorter__from_run(buf, n - 3, 1 << 16, thread);
	assert_non_null(s);
	assert_int_equal(ana_sorter__next(s, &rec), 1);
	assert_int_equal(ana_sorter__next(s, &rec), -EBADMSG);
	assert_non_null(strstr(ana_sorter__error(s), "record at byte 21 needs 24 bytes"));
	assert_non_null(strstr(ana_sorter__error(s), "spill file"));
	assert_int_equal(ana_sorter__next(s, &rec), -EBADMSG); /* and stays failed */
	ana_sorter__free(s);

	/* a header cut short */
	n = put_rec(buf, 1, 1, 0);
	s = ana_sorter__from_run(buf, n + 7, 1 << 16, thread);
	assert_non_null(s);
	assert_int_equal(ana_sorter__next(s, &rec), 1);
	assert_int_equal(ana_sorter__next(s, &rec), -EBADMSG);
	assert_non_null(strstr(ana_sorter__error(s), "record at byte 18 needs 16 bytes, the run has 7"));
	ana_sorter__free(s);

	/* lengths past the limit (whose sum would wrap 32 bits) on the first record */
	put_rec(buf, 0, 0, 0);
	memset(buf, 0xff, 8);
	s = ana_sorter__from_run(buf, 64, 1 << 16, thread);
	assert_non_null(s);
	assert_int_equal(ana_sorter__next(s, &rec), -EBADMSG);
	assert_non_null(strstr(ana_sorter__error(s), "record at byte 0 of 8589934590 bytes"));
	ana_sorter__free(s);
}

static void test_sorter_rejects_malformed_runs(void **state)
{
	(void)state;
	rejects_malformed_runs(false);
	rejects_malformed_runs(true); /* the same read ahead on the thread */
}

static void test_sorter_names_the_directory_it_cannot_use(void **state)
{
	struct ana_sorter *s = ana_sorter__new(1, "/nonexistent-spill-dir");

	(void)state;
	assert_non_null(s);
	assert_int_equal(ana_sorter__add(s, "a", 1, "v", 1), 0);
	assert_int_equal(ana_sorter__add(s, "b", 1, "v", 1), -ENOENT); /* the first run */
	assert_non_null(strstr(ana_sorter__error(s), "cannot make a spill file in "
						       "/nonexistent-spill-dir"));
	ana_sorter__free(s);
}

/* ---- partials merged: the reports ------------------------------------------------------------ */

static char scen_path[64];
/* --threads of the reports below: 2 sorts and writes the spill's runs on a thread */
static uint32_t report_threads;

static int write_variant(int variant)
{
	snprintf(scen_path, sizeof(scen_path), "/tmp/test_trace_spill.XXXXXX");
	return aout_scenario_file(scen_path, variant, false);
}

/* One report on the scenario with a budget (0: none), into a string (free it); *spilled gets
 * the trace partials written to the spill file. */
static char *report_filtered(int (*fn)(struct ana_report *), bool json, enum ana_sort sort,
			     size_t budget, const struct ana_filter *f, uint64_t *spilled)
{
	struct ana_opts o = { .memory_budget = budget, .threads = report_threads };
	struct ana_report r = { .json = json, .sort = sort };
	char *text;

	if (f)
		o.f = *f;
	r.c = aout_replay(scen_path, &o);
	text = aout_report(&r, fn);
	*spilled = r.c->spilled_traces;
	ana_ctx__free(r.c);
	return text;
}

static char *report(int (*fn)(struct ana_report *), bool json, enum ana_sort sort, size_t budget,
		    uint64_t *spilled)
{
	return report_filtered(fn, json, sort, budget, NULL, spilled);
}

/*
 * Every variant of the scenario (spans on two threads with their own attributes, contexts
 * that change, a second host, deaths by signal in spans, a loss that makes a trace incomplete):
 * traces (by every sort key) and spans, as text and JSON, print the same with a budget of one
 * byte, which spills every trace no thread points at between any two records, as with none.
 */
static void test_reports_are_the_same_with_every_trace_spilled(void **state)
{
	static const enum ana_sort sorts[] = { ANA_SORT_START, ANA_SORT_SYSCALLS, ANA_SORT_TIME,
					       ANA_SORT_BYTES, ANA_SORT_ERRORS };
	uint64_t merged_ids = 0;

	(void)state;
	for (int variant = 0; variant <= 5; variant++) {
		assert_int_equal(write_variant(variant), 0);
		for (int json = 0; json < 2; json++) {
			for (size_t k = 0; k < 6; k++) {
				int (*fn)(struct ana_report *) = k < 5 ? ana_report_traces
								       : ana_report_spans;
				enum ana_sort sort = k < 5 ? sorts[k] : ANA_SORT_START;
				uint64_t none, spilled, rows;
				char *a = report(fn, json, sort, 0, &none);
				char *b = report(fn, json, sort, 1, &spilled), *t;

				assert_int_equal(none, 0);
				assert_true(spilled > 0);
				assert_string_equal(a, b);
				report_threads = 2;
				t = report(fn, json, sort, 1, &spilled);
				report_threads = 0;
				assert_string_equal(a, t);
				free(t);
				/* more trace partials than traces: some id was merged from several */
				rows = 0;
				for (const char *p = strstr(a, "\n"); p && p[1]; p = strstr(p + 1, "\n"))
					rows++;
				if (!json && k == 0 && spilled > rows)
					merged_ids++;
				free(a);
				free(b);
			}
		}
		unlink(scen_path);
	}
	assert_true(merged_ids >= 3); /* in most variants, not by chance in one */
}

/*
 * Filters that deselect syscalls (variant 6: threads that find spans by syscalls left out,
 * before and after the spans are made, spilled or live, and die in them): traces and spans
 * print the same at budgets that spill at every record or at some, as with none, and spill.
 */
static void test_filters_that_deselect_syscalls_spill_the_same(void **state)
{
	static const size_t budgets[] = { 1, 700, 1400, 2000 };
	struct ana_filter f[6] = { 0 };

	(void)state;
	assert_int_equal(write_variant(6), 0);
	f[0].has_syscalls = true;
	f[0].syscalls[0] = 1; /* read */
	f[1].errors_only = true;
	f[2].has_pid = true;
	f[2].pid = SCEN_FILTER_PID;
	f[3].has_tid = true;
	f[3].tid = SCEN_FILTER_PID + 1;
	f[4].until_ns = SCEN_T0 + 38000;
	f[5].since_ns = SCEN_T0 + 20000;
	f[5].until_ns = SCEN_T0 + 42000;
	for (size_t i = 0; i < 6; i++) {
		for (size_t k = 0; k < 4; k++) {
			int (*fn)(struct ana_report *) = k < 2 ? ana_report_spans
							       : ana_report_traces;
			uint64_t none, spilled = 0, any = 0;
			char *a = report_filtered(fn, k % 2, ANA_SORT_START, 0, &f[i], &none);

			assert_int_equal(none, 0);
			for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
				char *o = report_filtered(fn, k % 2, ANA_SORT_START, budgets[b],
							  &f[i], &spilled);

				assert_string_equal(a, o);
				any += spilled;
				free(o);
				report_threads = 2;
				o = report_filtered(fn, k % 2, ANA_SORT_START, budgets[b], &f[i],
						    &spilled);
				report_threads = 0;
				assert_string_equal(a, o);
				free(o);
			}
			assert_true(any > 0);
			free(a);
		}
	}
	unlink(scen_path);
}

/*
 * A pending hold that finds a live span (variant 7: thread 1102 looks for G1 by an unselected
 * syscall after a spill and before 1101 makes it, then gets it by a selected one): without a
 * budget G1 was got by two threads ("1101+" in spans). Budgets from one to three times the
 * cost of a trace with one span: those between one and two spill both earlier traces before
 * the find and keep G1 live until 1102's read, which then finds it and calls the spill's
 * hold_found, whose marker alone tells the merge that 1102 got G1. Spans and traces print the
 * same at every budget as with none, and some budget spills.
 */
static void test_pending_hold_that_finds_a_live_span_spills_the_same(void **state)
{
	const size_t unit = ANA_TRACE_COST + ANA_SPAN_COST;
	struct ana_filter f = { .has_syscalls = true };
	char want[64];

	(void)state;
	f.syscalls[0] = 1; /* read */
	snprintf(want, sizeof(want), "%u+", SCEN_HOLD_PID + 1);
	assert_int_equal(write_variant(7), 0);
	for (size_t k = 0; k < 4; k++) {
		int (*fn)(struct ana_report *) = k < 2 ? ana_report_spans : ana_report_traces;
		uint64_t none, spilled, any = 0;
		char *a = report_filtered(fn, k % 2, ANA_SORT_START, 0, &f, &none);

		assert_int_equal(none, 0);
		if (k == 0)
			assert_non_null(strstr(a, want));
		for (size_t eighths = 0; eighths <= 24; eighths++) {
			size_t budget = eighths ? unit * eighths / 8 : 1;
			char *b = report_filtered(fn, k % 2, ANA_SORT_START, budget, &f, &spilled);

			assert_string_equal(a, b);
			any += spilled;
			free(b);
			report_threads = 2;
			b = report_filtered(fn, k % 2, ANA_SORT_START, budget, &f, &spilled);
			report_threads = 0;
			assert_string_equal(a, b);
			free(b);
		}
		assert_true(any > 0);
		free(a);
	}
	unlink(scen_path);
}

/* The export of the scenario in a format with a budget (0: none), into a string (free it);
 * *spilled gets the trace partials written to the spill file. */
static char *export_out(enum ana_export_format format, enum ana_export_gran gran, bool orphans,
			size_t budget, uint64_t *spilled)
{
	struct ana_opts o = { .memory_budget = budget };
	struct ana_export x = { .format = format, .gran = gran, .orphans = orphans };
	char *text = aout_export(scen_path, &x, &o, spilled);

	assert_true(strlen(text) > 0);
	return text;
}

/* syscalls --by span with a budget (0: none), into a string (free it). */
static char *syscalls_by_span(bool json, size_t budget, uint64_t *spilled)
{
	struct ana_opts o = { .memory_budget = budget, .want = ANA_WANT_SCSTATS,
			      .by = ANA_BY_SPAN };
	struct ana_report r = { .json = json, .c = aout_replay(scen_path, &o) };
	char *text = aout_report(&r, ana_report_syscalls);

	*spilled = r.c->spilled_traces;
	ana_ctx__free(r.c);
	return text;
}

/*
 * The reports that show spans with more than their totals: export --format chrome (the slices
 * of each span on each thread, with that thread's attributes), export --granularity span (each
 * span's files, peers and failures) and syscalls --by span (each span's rows) print the same
 * with a budget of one byte as with none, on every variant of the scenario, and do spill;
 * syscalls --by span also at budgets that keep span E4 of variant 5 live over its five
 * distinct errnos after spilling its first part (its fifth is the one that part saw).
 */
static void test_span_detail_reports_are_the_same_with_every_trace_spilled(void **state)
{
	static const size_t budgets[] = { 1, 1400, 2000 };

	(void)state;
	for (int variant = 0; variant <= 6; variant++) {
		assert_int_equal(write_variant(variant), 0);
		for (int k = 0; k < 6; k++) {
			uint64_t none, spilled;
			char *a, *b;

			if (k < 2) {
				a = syscalls_by_span(k, 0, &none);
				for (size_t i = 1; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
					b = syscalls_by_span(k, budgets[i], &spilled);
					assert_string_equal(a, b);
					free(b);
				}
				b = syscalls_by_span(k, budgets[0], &spilled);
			} else {
				enum ana_export_format fmt = k == 2   ? ANA_EXPORT_CHROME
							     : k == 3 ? ANA_EXPORT_OTLP_JSON
								      : ANA_EXPORT_OTLP_JSONL;
				enum ana_export_gran gran = k == 2 ? ANA_GRAN_SYSCALL
								   : ANA_GRAN_SPAN;

				a = export_out(fmt, gran, k == 5, 0, &none);
				b = export_out(fmt, gran, k == 5, 1, &spilled);
			}
			assert_int_equal(none, 0);
			assert_true(spilled > 0);
			assert_string_equal(a, b);
			free(a);
			free(b);
		}
		unlink(scen_path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorter_in_memory_orders_by_key_then_order_added),
		cmocka_unit_test(test_sorter_runs_merge_in_the_same_order),
		cmocka_unit_test(test_sorter_key_prefixes_keep_byte_order),
		cmocka_unit_test(test_sorter_thread_runs_merge_in_the_same_order),
		cmocka_unit_test(test_sorter_thread_reads_records_past_a_block),
		cmocka_unit_test(test_sorter_thread_fills_the_next_batch_while_one_is_written),
		cmocka_unit_test(test_sorter_thread_write_error_names_the_file_and_offset),
		cmocka_unit_test(test_sorter_keys_of_different_lengths),
		cmocka_unit_test(test_sorter_empty),
		cmocka_unit_test(test_sorter_rejects_malformed_runs),
		cmocka_unit_test(test_sorter_names_the_directory_it_cannot_use),
		cmocka_unit_test(test_reports_are_the_same_with_every_trace_spilled),
		cmocka_unit_test(test_filters_that_deselect_syscalls_spill_the_same),
		cmocka_unit_test(test_pending_hold_that_finds_a_live_span_spills_the_same),
		cmocka_unit_test(test_span_detail_reports_are_the_same_with_every_trace_spilled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
