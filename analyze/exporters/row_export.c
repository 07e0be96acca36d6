// SPDX-License-Identifier: BSD-2-Clause
/*
 * row_export.c - `export --format csv` and `--format jsonl`: one flat row per selected syscall,
 * for databases (sqlite3, DuckDB, ClickHouse). The columns, their types and their order are the
 * schema documented in man/spancap-analyze.1 (ROW EXPORT); it only ever grows at the end.
 *
 * Text columns are valid UTF-8. A byte of the capture that is not part of valid UTF-8 becomes
 * the four characters \xNN (lower-case hex). In host, path and peer, which hold the captured
 * bytes as they are, a backslash becomes \\ too, so the text decodes back to the bytes; args is
 * the analyzer's rendering, whose backslashes already start C escapes.
 *
 * CSV follows RFC 4180: one header line, CRLF-free records ended by LF, a field quoted when it
 * holds a comma, a double quote, CR or LF, a double quote inside doubled. JSONL writes one
 * compact object per line with the same keys; a number column without a value (result and
 * duration_ns of a syscall whose exit was not seen) is null there and empty in CSV.
 *
 * Rows stream out as the replay goes: nothing is kept per syscall.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "export.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

enum col_type { COL_INT, COL_TEXT };

static const struct {
	const char *name;
	enum col_type type;
} cols[] = {
	{ "ts_ns", COL_INT },	    { "time", COL_TEXT },	{ "host", COL_TEXT },
	{ "boot_id", COL_TEXT },    { "pid", COL_INT },		{ "tid", COL_INT },
	{ "trace_id", COL_TEXT },   { "span_id", COL_TEXT },	{ "syscall", COL_TEXT },
	{ "args", COL_TEXT },	    { "result", COL_INT },	{ "errno", COL_TEXT },
	{ "duration_ns", COL_INT }, { "path", COL_TEXT },	{ "peer", COL_TEXT },
	{ "bytes_read", COL_INT },  { "bytes_written", COL_INT }, { "flags", COL_TEXT },
	{ "ret_host_pid", COL_INT },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

int ana_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n"))
		return fputs(s, f) < 0 ? -1 : 0;
	if (fputc('"', f) == EOF)
		return -1;
	for (; *s; s++) {
		if (*s == '"' && fputc('"', f) == EOF)
			return -1;
		if (fputc(*s, f) == EOF)
			return -1;
	}
	return fputc('"', f) == EOF ? -1 : 0;
}

/* "no_exit|ctx_fault": the record's flags that qualify the row, empty when none. */
static const char *row_flags(char *buf, size_t sz, uint16_t flags)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ SCF_SYSCALL_F_NO_EXIT, "no_exit" },	  { SCF_SYSCALL_F_TRUNCATED, "truncated" },
		{ SCF_SYSCALL_F_ARG_FAULT, "arg_fault" }, { SCF_SYSCALL_F_CTX_FAULT, "ctx_fault" },
		{ SCF_SYSCALL_F_CTX_CHANGED, "ctx_changed" },
	};
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		o += (size_t)snprintf(buf + o, sz - o, "%s%s", o ? "|" : "", names[i].name);
		if (o >= sz)
			break;
	}
	return buf;
}

struct row {
	const char *v[NCOLS];
	bool null[NCOLS];
};

static void write_row(struct ana_export *x, const struct row *r)
{
	if (x->format == ANA_EXPORT_CSV) {
		for (size_t i = 0; i < NCOLS; i++) {
			if (i)
				fputc(',', x->out);
			ana_csv_field(x->out, r->null[i] ? "" : r->v[i]);
		}
		fputc('\n', x->out);
		return;
	}
	ana_json_obj(&x->j, NULL);
	for (size_t i = 0; i < NCOLS; i++) {
		if (r->null[i])
			ana_json_null(&x->j, cols[i].name);
		else if (cols[i].type == COL_INT)
			ana_json_num(&x->j, cols[i].name, r->v[i]);
		else
			ana_json_str(&x->j, cols[i].name, r->v[i]);
	}
	ana_json_end(&x->j, true);
	ana_json_finish(&x->j);
}

void ana_rows_begin(struct ana_export *x)
{
	if (x->format != ANA_EXPORT_CSV)
		return;
	for (size_t i = 0; i < NCOLS; i++)
		fprintf(x->out, "%s%s", i ? "," : "", cols[i].name);
	fputc('\n', x->out);
}

void ana_rows_event(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	struct ana_export *x = arg;
	const struct ana_host *h = ev->host;
	struct ana_export_sc f;
	struct row r = { 0 };
	char ts[24], iso[40], host[1024], boot[40], pid[16], tid[16], trace[40], span[24];
	/* an escape is at most 4 bytes for 1: a whole path (PATH_MAX) always fits */
	char call[2048], args[4 * sizeof(call)], res[24], eb[16], dur[24], target[4 * 4096 + 1];
	char br[24], bw[24], flags[64], rhp[24];
	const char *name = h && h->hostname ? h->hostname : "", *text;
	size_t i = 0;

	(void)c;
	if (ev->type != SCF_REC_SYSCALL)
		return;
	ana_export_sc_facts(ev, &f);
	snprintf(ts, sizeof(ts), "%" PRIu64, ev->ts_ns);
	snprintf(pid, sizeof(pid), "%u", ev->sc->pid);
	snprintf(tid, sizeof(tid), "%u", ev->sc->tid);
	snprintf(res, sizeof(res), "%" PRId64, (int64_t)ev->sc->ret);
	snprintf(dur, sizeof(dur), "%" PRIu64, f.end_ns - ev->ts_ns);
	snprintf(br, sizeof(br), "%" PRIu64, f.bytes_read);
	snprintf(bw, sizeof(bw), "%" PRIu64, f.bytes_written);
	ana_fmt_call(call, sizeof(call), ev);

	r.v[i++] = ts;
	r.v[i++] = ana_fmt_ts_iso(iso, sizeof(iso), ev->ts_ns);
	r.v[i++] = ana_fmt_utf8(host, sizeof(host), name, strlen(name), true);
	r.v[i++] = h ? ana_fmt_hex(boot, h->boot_id, 16) : "";
	r.v[i++] = pid;
	r.v[i++] = tid;
	r.v[i++] = ev->span ? ana_fmt_hex(trace, ev->span->trace_id, 16) : "";
	r.v[i++] = ev->span ? ana_fmt_hex(span, ev->span->span_id, 8) : "";
	r.v[i++] = f.name;
	r.v[i++] = ana_fmt_utf8(args, sizeof(args), call, strlen(call), false);
	r.null[i] = f.no_exit;
	r.v[i++] = res;
	r.v[i++] = f.failed ? ana_fmt_errno(eb, sizeof(eb), f.err) : "";
	r.null[i] = f.no_exit;
	r.v[i++] = dur;
	text = ev->target
		       ? ana_fmt_utf8(target, sizeof(target), ev->target, strlen(ev->target), true)
		       : "";
	r.v[i++] = ev->target_kind == ANA_T_SOCKET ? "" : text;
	r.v[i++] = ev->target_kind == ANA_T_SOCKET ? text : "";
	r.v[i++] = br;
	r.v[i++] = bw;
	r.v[i++] = row_flags(flags, sizeof(flags), ev->rec->flags);
	snprintf(rhp, sizeof(rhp), "%" PRId64, ev->ret_host_pid);
	r.null[i] = ev->ret_host_pid <= 0;
	r.v[i++] = rhp;
	assert(i == NCOLS);
	write_row(x, &r);
}
