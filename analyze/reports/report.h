/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - the commands' output, plain text or JSON, from a replayed analysis context.
 * Ordering is deterministic (ties broken by ids or first appearance) so that output can be
 * compared with golden files.
 */
#ifndef ANA_REPORT_H
#define ANA_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"
#include "json_out.h"
#include "text_fmt.h"

enum ana_sort { ANA_SORT_DEFAULT, ANA_SORT_SYSCALLS, ANA_SORT_TIME, ANA_SORT_BYTES,
		ANA_SORT_ERRORS, ANA_SORT_START };

/* One timeline line, kept when a trace's timeline is printed after its summary. */
struct ana_tl_line {
	uint64_t ts_ns, dur_ns; /* ts_ns: the leading time, the entry unless resumed */
	uint64_t entry_ns;	/* resumed: the entry time */
	uint64_t seq;		/* arrival order (timeline_order.c) */
	bool resumed;		/* came out at its exit time, after later lines */
	uint32_t host, pid, tid;
	uint16_t type; /* SCF_REC_* */
	bool ctx, no_exit;
	bool target_cut; /* target is a path cut at the capture's snaplen */
	uint8_t trace_id[16], span_id[8];
	char *text;   /* call or event text */
	char *ret;    /* result (syscalls) */
	char *target; /* what it worked on, or NULL */
	char *name;   /* syscall name, or event kind */
	int32_t err;
	int64_t ret_host_pid, arg_host_pid[6]; /* as in struct ana_event */
};

struct ana_tl_order;

struct ana_tl_vec {
	struct ana_tl_line *v;
	size_t n, cap;
	bool nomem;
	struct ana_tl_order *order; /* lines pass through it on their way in */
};

struct ana_report {
	struct ana_ctx *c;
	FILE *out;
	bool json;
	enum ana_sort sort;
	bool timeline;		 /* trace: append the trace's timeline */
	struct ana_tl_vec *tl;	 /* trace: collected lines */
	const char *trace_arg;	 /* trace: the id asked for */
	const char *errbuf_hint; /* unused */
	char err[256];		 /* a one-line reason when a command fails */
};

/* Each returns 0, or 1 with a reason in r->err (nothing matched, ambiguous id...). */
int ana_report_info(struct ana_report *r);
int ana_report_traces(struct ana_report *r);
int ana_report_trace(struct ana_report *r);
int ana_report_spans(struct ana_report *r);
int ana_report_syscalls(struct ana_report *r);
int ana_report_processes(struct ana_report *r);
int ana_report_files(struct ana_report *r);
int ana_report_net(struct ana_report *r);

/* Timeline: a streaming callback (arg: struct ana_tl_stream) and a collecting one (arg:
 * struct ana_tl_vec). Both put the lines in time order through the reorder buffer given
 * (timeline_order.h); the caller flushes it after the replay. */
struct ana_tl_stream {
	FILE *out;
	struct ana_json *j; /* NULL: text */
	bool show_host;
	struct ana_ctx *c;
	struct ana_tl_order *order;
};
/* The emit functions of the two: print a line, or append it to a struct ana_tl_vec. */
void ana_tl_stream_emit(const struct ana_tl_line *l, void *arg);
void ana_tl_collect_emit(const struct ana_tl_line *l, void *arg);
void ana_tl_stream_event(struct ana_ctx *c, const struct ana_event *ev, void *arg);
void ana_tl_collect_event(struct ana_ctx *c, const struct ana_event *ev, void *arg);
void ana_tl_print(FILE *f, struct ana_json *j, const struct ana_ctx *c,
		  const struct ana_tl_line *l, bool show_host);
void ana_tl_vec_free(struct ana_tl_vec *v);

/* ---- shared by the report files ----------------------------------------------------------- */

const char *ana_host_name(const struct ana_ctx *c, uint32_t host);
bool ana_multi_host(const struct ana_ctx *c);
/* Starts a JSON document: {"command": ..., "inputs": [...], "warnings": [...], ... */
void ana_json_head(struct ana_json *j, const struct ana_report *r, const char *command);
/* "hosts": [the names of the hosts the trace ran on] */
void ana_json_trace_hosts(struct ana_json *j, const struct ana_ctx *c, const struct ana_trace *tr);
void ana_json_stats(struct ana_json *j, const char *key, const struct ana_stats *s);
/* The host pids of a syscall's pid result and arguments in another pid namespace (struct
 * ana_event): "ret_host_pid": N (null: unknown) and "arg_host_pid": [{"arg": i, "host_pid":
 * N or null}, ...]; nothing when there is nothing to translate. */
void ana_json_host_pids(struct ana_json *j, int64_t ret_host_pid, const int64_t arg_host_pid[6]);
/* Times of day print without a date on the day of the earliest record read so far (every
 * record before the selected ones is read first), with it on other days; the first call sets
 * the day (ana_fmt_clock_day). */
void ana_report_clock_day(const struct ana_ctx *c);
/* "killed": "SIGSEGV, core dumped" for a wait status of a death by signal, else null. */
void ana_json_killed(struct ana_json *j, int32_t status);
/* The FLAGS cell of a span or trace: "incomplete", "killed:SIGKILL", both, or "-". */
const char *ana_flags_text(char *buf, size_t sz, bool incomplete, int32_t killed);
void ana_json_hist(struct ana_json *j, const struct ana_hist *h);
/* Services its syscalls ran under (ana_span_service of its spans with selected syscalls),
 * comma-separated, sorted, each once ("-" when none). */
char *ana_trace_services(const struct ana_trace *t);
/* A span's start and end: its syscalls, else its context records. */
uint64_t ana_span_start(const struct ana_span *s);
uint64_t ana_span_end(const struct ana_span *s);
/* "k=v k=v" of a span's resolved attributes (escaped) into buf; when several threads recorded
 * a context for it, each one's: "tid 101: k=v k=v; tid 102: k=v" ("-" for none). */
char *ana_span_attr_text(const struct ana_span *s, char *buf, size_t sz);
/* "attributes": {first thread's}, and with several threads "thread_attributes": [{"tid": N,
 * "attributes": {...}}, ...] in the order they first recorded a context for the span. */
void ana_json_span_attrs(struct ana_json *j, const struct ana_span *s);
/* "k=v k=v" of a process context's attributes (ProcessContext.attributes but threadlocal.*). */
char *ana_pctx_attr_text(const struct ana_pctx *x, char *buf, size_t sz);
/* "resource": {...}, "attributes": {...} of a process context (both empty for NULL). */
void ana_json_pctx(struct ana_json *j, const struct ana_pctx *x);
/* Whether a row with these stats is shown: it has selected syscalls, or no filter is about
 * syscalls. */
bool ana_row_shown(const struct ana_ctx *c, const struct ana_stats *st);
const char *ana_proc_label(const struct ana_proc *p);
/* The service a span ran under: its process's at its first selected syscall (a context
 * published, updated or unpublished later does not change it), else its process's now. */
const char *ana_span_service(const struct ana_span *s);

/* ---- the rows of list reports (report_rows.c) -------------------------------------------- */

/* Processes by host, pid, then first appearance; spans by start, then first appearance. */
int ana_proc_order(const struct ana_proc *a, const struct ana_proc *b);
int ana_span_order(const struct ana_span *a, const struct ana_span *b);
/* The same as qsort comparators, for arrays of void * holding processes or spans. */
int ana_proc_cmp(const void *a, const void *b);
int ana_span_cmp(const void *a, const void *b);

/* A zeroed array of n + 1 pointers, or NULL with "out of memory" in r->err. */
void **ana_rows_alloc(struct ana_report *r, uint32_t n);
/* The items of from that keep() accepts (every one when keep is NULL), sorted by cmp, in a new
 * array (free it) of *n items; NULL with "out of memory" in r->err. */
void **ana_rows_select(struct ana_report *r, const struct ana_vec *from,
		       bool (*keep)(const struct ana_ctx *c, const void *item),
		       int (*cmp)(const void *, const void *), uint32_t *n);

/*
 * The frame of a report that lists rows: with --json a document (the head of ana_json_head,
 * any keys the caller adds to j, then one array of rows in j), as text one table t, printed at
 * the end. Write each row into j or into t as r->json says.
 */
struct ana_listing {
	struct ana_report *r;
	struct ana_json j;
	struct ana_table t;
	/* ana_listing_sorted: rows with their sort keys in an external sort, the widths of the
	 * table's columns so far, a row's JSON on its way to the sort */
	struct ana_sorter *rows;
	size_t w[32];
	FILE *mem, *out;
	char *membuf;
	size_t memlen;
	bool had_items;
};

/* Starts the JSON document and its head (nothing yet as text). */
void ana_listing_begin(struct ana_listing *l, struct ana_report *r, const char *command);
/* Opens the JSON array key, or the table (ncols, heads and align as for ana_table_init). */
void ana_listing_rows(struct ana_listing *l, const char *key, unsigned int ncols,
		      const char *const *heads, const char *align);
/*
 * Rows in the order of a sort key rather than as written, kept within budget bytes (0: no
 * limit) by an external sort (spill_sort.h): after ana_listing_rows, write each row between
 * ana_listing_row_begin and ana_listing_row_end; ana_listing_end prints them sorted, byte for
 * byte as the unsorted listing would print the same rows in that order. 0 or 1 with r->err.
 */
int ana_listing_sorted(struct ana_listing *l, size_t budget);
int ana_listing_row_begin(struct ana_listing *l);
/* Ends the row and gives its key (memcmp order; equal keys keep the order written). */
int ana_listing_row_end(struct ana_listing *l, const void *key, uint32_t klen);
/* Closes the array and the document, or prints the table and frees it. Sorted: returns 0 or 1
 * with r->err (the spill file failed); otherwise 0. */
int ana_listing_end(struct ana_listing *l);
/* The whole listing of a command (key: its name and JSON array) whose rows each's callbacks
 * write, sorted, over every trace and span (ana_traces_each, merged from the spill): 0, or 1
 * with r->err. */
int ana_listing_each_row(struct ana_report *r, const char *key, unsigned int ncols,
			 const char *const *heads, const char *align, struct ana_each *each);

#endif /* ANA_REPORT_H */
