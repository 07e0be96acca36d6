/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * export.h - `spancap-analyze export`: the replayed syscalls in formats other tools read.
 *
 *   otlp-json  OTLP/JSON traces (ExportTraceServiceRequest): each syscall, or each application
 *              span's group of syscalls, becomes a span under the application's own trace id
 *              and span id (otlp_json.c)
 *   otlp-jsonl the same as JSON Lines: one request of at most max_spans spans per line
 *   chrome     Chrome trace-event JSON for Perfetto and chrome://tracing: one track per thread,
 *              application spans as slices enclosing their syscalls (chrome_trace.c)
 *   csv        one flat row per syscall for databases, RFC 4180 (row_export.c)
 *   jsonl      the same rows as JSON Lines, one object per line
 *
 * All stream the syscalls from the replay's event callback and finish after the replay, so
 * memory grows with processes and threads, not with syscalls; the spans, and what the otlp
 * and chrome formats write of them after the replay, stay within the memory budget of traces
 * and spans (ana_opts.memory_budget, docs/SPILL.md).
 */
#ifndef ANA_EXPORT_H
#define ANA_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"
#include "json_out.h"
#include "output_file.h"

enum ana_export_format { ANA_EXPORT_NONE, ANA_EXPORT_OTLP_JSON, ANA_EXPORT_OTLP_JSONL,
			 ANA_EXPORT_CHROME, ANA_EXPORT_CSV, ANA_EXPORT_JSONL };
#define ANA_EXPORT_LINE_SPANS 1000 /* otlp-jsonl: spans per line unless told */
enum ana_export_gran { ANA_GRAN_SYSCALL, ANA_GRAN_SPAN };

struct ana_export {
	/* set by the command line */
	enum ana_export_format format;
	enum ana_export_gran gran;
	bool orphans;	  /* export syscalls without trace context too */
	uint32_t max_spans; /* otlp-jsonl: spans per line (0: ANA_EXPORT_LINE_SPANS) */
	const char *path; /* -o FILE; NULL or "-": standard output */
	/* state */
	FILE *out;
	struct ana_outfile of; /* -o FILE: written under a temporary name, renamed at the end */
	struct ana_json j;
	void *priv; /* the format's own state */
	bool nomem;
	char err[256];
};

/*
 * Checks the options, opens the output and installs the event callback in *o (call before
 * ana_ctx__new). Returns 0, or -errno with a reason in x->err.
 */
int ana_export_begin(struct ana_export *x, struct ana_opts *o);
/* Writes what only the whole replay knows and closes the output. Returns 0, or 1 with a
 * reason in x->err (the output file is then removed). */
int ana_export_finish(struct ana_export *x, struct ana_ctx *c);
/* Gives up: closes and removes a partly written output file. */
void ana_export_abort(struct ana_export *x);

/* ---- between the export files -------------------------------------------------------------- */

void ana_otlp_event(struct ana_ctx *c, const struct ana_event *ev, void *arg);
int ana_otlp_finish(struct ana_export *x, struct ana_ctx *c);
void ana_otlp_free(struct ana_export *x);

void ana_chrome_event(struct ana_ctx *c, const struct ana_event *ev, void *arg);
int ana_chrome_finish(struct ana_export *x, struct ana_ctx *c);
void ana_chrome_free(struct ana_export *x);

/* csv and jsonl: the header line (csv), then one row per syscall; nothing to finish. */
void ana_rows_begin(struct ana_export *x);
void ana_rows_event(struct ana_ctx *c, const struct ana_event *ev, void *arg);
/* One CSV field per RFC 4180 (quoted when it holds a comma, a quote, CR or LF). Returns 0 or
 * -1 on a write error. */
int ana_csv_field(FILE *f, const char *s);

/* Per-syscall facts the formats print (export_facts.c). */
struct ana_export_sc {
	const char *name; /* "openat", or "syscall_N" */
	bool no_exit, failed;
	int32_t err;	  /* errno when failed */
	uint64_t end_ns;  /* exit time (entry time when no exit was seen) */
	uint64_t bytes_read, bytes_written;
	char namebuf[32];
};
void ana_export_sc_facts(const struct ana_event *ev, struct ana_export_sc *f);

#endif /* ANA_EXPORT_H */
