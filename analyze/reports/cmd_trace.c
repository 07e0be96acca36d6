// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_trace.c - `trace ID`: one trace, span by span, the way an engineer reads it: files and
 * bytes per path, network peers, child processes, time per syscall class with percentiles,
 * every failed syscall, and optionally the timeline.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

static void io_text(FILE *f, const struct ana_io_table *io, bool net)
{
	static const char *const fh[] = { "PATH", "OPS", "OPENS", "READS", "READ", "WRITES",
					  "WRITTEN", "ERRORS", "TIME" };
	static const char *const nh[] = { "PEER", "OPS", "CONNECTS", "RECVS", "RECEIVED", "SENDS",
					  "SENT", "ERRORS", "TIME" };
	struct ana_table t;
	char esc[1024], d[24];
	unsigned int rows = 0;

	ana_table_init(&t, 9, net ? nh : fh, "lrrrrrrrr");
	for (uint32_t i = 0; i < io->n; i++) {
		const struct ana_io_row *w = io->rows[i];

		if ((w->kind == ANA_T_SOCKET) != net)
			continue;
		rows++;
		ana_table_cell(&t, "%s%s",
			       ana_fmt_escape(esc, sizeof(esc), w->name, strlen(w->name)),
			       w->cut ? "..." : "");
		ana_table_cell(&t, "%" PRIu64, w->ops);
		ana_table_cell(&t, "%" PRIu64, net ? w->connects : w->opens);
		ana_table_cell(&t, "%" PRIu64, w->reads);
		ana_table_cell(&t, "%" PRIu64, w->bytes_read);
		ana_table_cell(&t, "%" PRIu64, w->writes);
		ana_table_cell(&t, "%" PRIu64, w->bytes_written);
		ana_table_cell(&t, "%" PRIu64, w->errors);
		ana_table_cell(&t, "%s", ana_fmt_dur(d, sizeof(d), w->time_ns));
	}
	if (rows) {
		fprintf(f, "  %s:\n", net ? "network" : "files");
		ana_table_print(&t, f, 4);
	}
	ana_table_free(&t);
}

static void io_json(struct ana_json *j, const struct ana_io_table *io, bool net)
{
	ana_json_arr(j, net ? "network" : "files");
	for (uint32_t i = 0; i < io->n; i++) {
		const struct ana_io_row *w = io->rows[i];

		if ((w->kind == ANA_T_SOCKET) != net)
			continue;
		ana_json_obj(j, NULL);
		ana_json_bytes(j, net ? "peer" : "path", w->name);
		if (w->cut)
			ana_json_bool(j, "truncated", true);
		ana_json_u64(j, "ops", w->ops);
		if (net)
			ana_json_u64(j, "connects", w->connects);
		else
			ana_json_u64(j, "opens", w->opens);
		ana_json_u64(j, "reads", w->reads);
		ana_json_u64(j, "bytes_read", w->bytes_read);
		ana_json_u64(j, "writes", w->writes);
		ana_json_u64(j, "bytes_written", w->bytes_written);
		if (!net) {
			ana_json_u64(j, "syncs", w->syncs);
			ana_json_u64(j, "mmaps", w->mmaps);
		}
		ana_json_u64(j, "errors", w->errors);
		ana_json_u64(j, "time_ns", w->time_ns);
		ana_json_end(j, true);
	}
	ana_json_end(j, false);
}

static void span_text(struct ana_report *r, const struct ana_span *s)
{
	static const char *const ch[] = { "CLASS", "COUNT", "ERRORS", "TIME", "P50", "P90",
					  "P99", "MAX" };
	const struct ana_span_detail *d = s->detail;
	struct ana_ctx *c = r->c;
	FILE *f = r->out;
	char sx[17], a[32], b[32], du[24], attrs[2048], esc[1024], kb[48];
	struct ana_table t;

	fprintf(f, "\nspan %s  %s pid %u (%s) tid %u%s (%s)%s%s%s%s\n", ana_fmt_hex(sx, s->span_id, 8),
		ana_host_name(c, s->host), s->proc ? s->proc->pid : 0, ana_proc_label(s->proc),
		s->thr ? s->thr->tid : 0, s->multi_thread ? "+" : "",
		s->thr && s->thr->name ? ana_fmt_escape(esc, 64, s->thr->name, strlen(s->thr->name))
				       : "?",
		s->incomplete ? "  INCOMPLETE (events lost)" : "",
		s->killed ? "  KILLED (" : "", ana_fmt_killed(kb, sizeof(kb), s->killed),
		s->killed ? ": its process died in it)" : "");
	fprintf(f, "  window: %s .. %s (%s)\n", ana_fmt_ts_clock(a, sizeof(a), ana_span_start(s)),
		ana_fmt_ts_clock(b, sizeof(b), ana_span_end(s)),
		ana_fmt_dur(du, sizeof(du), ana_span_end(s) - ana_span_start(s)));
	fprintf(f, "  service: %s\n", ana_span_service(s) ? ana_span_service(s) : "-");
	fprintf(f, "  attributes: %s\n", ana_span_attr_text(s, attrs, sizeof(attrs))[0] ? attrs : "-");
	fprintf(f, "  syscalls: %" PRIu64 ", time %s, read %" PRIu64 " B, written %" PRIu64
		" B, errors %" PRIu64 "\n",
		s->st.syscalls, ana_fmt_dur(du, sizeof(du), s->st.time_ns), s->st.bytes_read,
		s->st.bytes_written, s->st.errors);
	if (!d)
		return;
	ana_table_init(&t, 8, ch, "lrrrrrrr");
	for (int k = 0; k < SCF_CLASS_MAX; k++) {
		const struct ana_class_stat *cs = &d->cls[k];
		char p[4][24];

		if (!cs->count)
			continue;
		ana_table_cell(&t, "%s", scf_class_name((unsigned int)k));
		ana_table_cell(&t, "%" PRIu64, cs->count);
		ana_table_cell(&t, "%" PRIu64, cs->errors);
		ana_table_cell(&t, "%s", ana_fmt_dur(du, sizeof(du), cs->time_ns));
		ana_table_cell(&t, "%s", ana_fmt_dur(p[0], 24, ana_hist_percentile(&cs->hist, 50)));
		ana_table_cell(&t, "%s", ana_fmt_dur(p[1], 24, ana_hist_percentile(&cs->hist, 90)));
		ana_table_cell(&t, "%s", ana_fmt_dur(p[2], 24, ana_hist_percentile(&cs->hist, 99)));
		ana_table_cell(&t, "%s", ana_fmt_dur(p[3], 24, cs->hist.max));
	}
	if (t.n) {
		fprintf(f, "  time per class:\n");
		ana_table_print(&t, f, 4);
	}
	ana_table_free(&t);
	io_text(f, &d->io, false);
	io_text(f, &d->io, true);
	if (d->nchildren)
		fprintf(f, "  child processes:\n");
	for (uint32_t i = 0; i < d->nchildren; i++) {
		const struct ana_proc *p = d->children[i];
		const char *what = p->argv ? p->argv : p->exe ? p->exe : ana_proc_label(p);

		fprintf(f, "    %u %s", p->pid, ana_fmt_escape(esc, sizeof(esc), what, strlen(what)));
		if (p->exited)
			fprintf(f, " (exit %d%s)\n", (p->exit_status >> 8) & 0xff,
				p->exit_status & 0x7f ? ", killed by a signal" : "");
		else
			fputc('\n', f);
	}
	if (d->nerrs)
		fprintf(f, "  errors:\n");
	for (uint32_t i = 0; i < d->nerrs; i++) {
		const struct ana_error_ev *e = &d->errs[i];
		char nb[32], eb[16];

		fprintf(f, "    %s tid %u %s %s%s%s\n", ana_fmt_ts_clock(a, sizeof(a), e->ts_ns), e->tid,
			scf_syscall_name(e->nr, nb, sizeof(nb)),
			ana_fmt_errno(eb, sizeof(eb), e->err), e->target ? " " : "",
			e->target ? ana_fmt_escape(esc, sizeof(esc), e->target, strlen(e->target))
				  : "");
	}
}

static void span_json(struct ana_json *j, struct ana_report *r, const struct ana_span *s)
{
	const struct ana_span_detail *d = s->detail;
	char nb[32], eb[16];

	ana_json_obj(j, NULL);
	ana_json_hex(j, "span_id", s->span_id, 8);
	ana_json_bytes(j, "host", ana_host_name(r->c, s->host));
	ana_json_u64(j, "pid", s->proc ? s->proc->pid : 0);
	ana_json_bytes(j, "comm", s->proc ? s->proc->comm : NULL);
	ana_json_bytes(j, "service", ana_span_service(s));
	ana_json_u64(j, "tid", s->thr ? s->thr->tid : 0);
	ana_json_bytes(j, "thread_name", s->thr ? s->thr->name : NULL);
	ana_json_bool(j, "multi_thread", s->multi_thread);
	ana_json_u64(j, "start_ns", ana_span_start(s));
	ana_json_u64(j, "end_ns", ana_span_end(s));
	ana_json_bool(j, "incomplete", s->incomplete);
	ana_json_killed(j, s->killed);
	ana_json_span_attrs(j, s);
	ana_json_stats(j, "stats", &s->st);
	if (d) {
		ana_json_arr(j, "classes");
		for (int k = 0; k < SCF_CLASS_MAX; k++) {
			const struct ana_class_stat *cs = &d->cls[k];

			if (!cs->count)
				continue;
			ana_json_obj(j, NULL);
			ana_json_str(j, "class", scf_class_name((unsigned int)k));
			ana_json_u64(j, "count", cs->count);
			ana_json_u64(j, "errors", cs->errors);
			ana_json_u64(j, "time_ns", cs->time_ns);
			ana_json_hist(j, &cs->hist);
			ana_json_end(j, true);
		}
		ana_json_end(j, false);
		io_json(j, &d->io, false);
		io_json(j, &d->io, true);
		ana_json_arr(j, "children");
		for (uint32_t i = 0; i < d->nchildren; i++) {
			const struct ana_proc *p = d->children[i];

			ana_json_obj(j, NULL);
			ana_json_u64(j, "pid", p->pid);
			ana_json_bytes(j, "comm", p->comm);
			ana_json_bytes(j, "exe", p->exe);
			ana_json_bytes(j, "argv", p->argv);
			if (p->exited)
				ana_json_i64(j, "exit_status", p->exit_status);
			else
				ana_json_null(j, "exit_status");
			ana_json_end(j, true);
		}
		ana_json_end(j, false);
		ana_json_arr(j, "errors");
		for (uint32_t i = 0; i < d->nerrs; i++) {
			const struct ana_error_ev *e = &d->errs[i];

			ana_json_obj(j, NULL);
			ana_json_u64(j, "ts_ns", e->ts_ns);
			ana_json_u64(j, "tid", e->tid);
			ana_json_str(j, "syscall", scf_syscall_name(e->nr, nb, sizeof(nb)));
			ana_json_i64(j, "errno", e->err);
			ana_json_str(j, "errno_name", ana_fmt_errno(eb, sizeof(eb), e->err));
			ana_json_bytes(j, "target", e->target);
			ana_json_end(j, true);
		}
		ana_json_end(j, false);
	}
	ana_json_end(j, true);
}

int ana_report_trace(struct ana_report *r)
{
	struct ana_ctx *c = r->c;
	struct ana_trace *tr = NULL;
	void **v;
	uint32_t n = 0, matches = 0;
	char hx[33], a[40], b[40], du[24], kb[48];
	char *svc;
	struct ana_json j;

	for (uint32_t i = 0; i < c->traces.n; i++) {
		struct ana_trace *t = c->traces.v[i];

		if (ana_filter_trace_match(&c->o.f, t->id)) {
			matches++;
			tr = t;
		}
	}
	if (!matches) {
		snprintf(r->err, sizeof(r->err), "no trace %s in the input%s", r->trace_arg,
			 ana_filter_syscall_only(&c->o.f) ? " (within the filters given)" : "");
		return 1;
	}
	if (matches > 1) {
		snprintf(r->err, sizeof(r->err),
			 "%u traces start with %s: give more digits of the trace id", matches,
			 r->trace_arg);
		return 1;
	}
	v = calloc(tr->nspans + 1, sizeof(*v));
	svc = ana_trace_services(tr);
	if (!v || !svc) {
		free(v);
		free(svc);
		snprintf(r->err, sizeof(r->err), "out of memory");
		return 1;
	}
	for (struct ana_span *s = tr->spans; s && n < tr->nspans; s = s->next_in_trace)
		v[n++] = s;
	qsort(v, n, sizeof(*v), ana_span_cmp);
	if (r->json) {
		ana_json_init(&j, r->out);
		ana_json_head(&j, r, "trace");
		ana_json_obj(&j, "trace");
		ana_json_hex(&j, "trace_id", tr->id, 16);
		ana_json_arr(&j, "services");
		for (char *s = svc, *e; strcmp(s, "-"); s = e + 1) {
			e = strchr(s, ',');
			ana_json_bytesn(&j, NULL, s, e ? (size_t)(e - s) : strlen(s));
			if (!e)
				break;
		}
		ana_json_end(&j, false);
		ana_json_trace_hosts(&j, c, tr);
		ana_json_u64(&j, "processes", tr->nprocs);
		ana_json_u64(&j, "threads", tr->nthreads);
		ana_json_stats(&j, "stats", &tr->st);
		ana_json_bool(&j, "incomplete", tr->incomplete);
		ana_json_killed(&j, tr->killed);
		ana_json_arr(&j, "spans");
		for (uint32_t i = 0; i < n; i++)
			span_json(&j, r, v[i]);
		ana_json_end(&j, false);
		if (r->timeline) {
			ana_json_arr(&j, "timeline");
			for (size_t i = 0; r->tl && i < r->tl->n; i++)
				ana_tl_print(r->out, &j, c, &r->tl->v[i], false);
			ana_json_end(&j, false);
		}
		ana_json_end(&j, true);
		ana_json_end(&j, true);
		ana_json_finish(&j);
	} else {
		FILE *f = r->out;

		fprintf(f, "trace %s%s%s%s%s\n", ana_fmt_hex(hx, tr->id, 16),
			tr->incomplete ? "  INCOMPLETE: events were lost while it ran" : "",
			tr->killed ? "  KILLED: a process died (" : "",
			ana_fmt_killed(kb, sizeof(kb), tr->killed),
			tr->killed ? ") inside one of its spans" : "");
		fprintf(f, "  services: %s\n", svc);
		fprintf(f, "  hosts:");
		for (uint32_t h = 0; h < c->hosts.n && h < 64; h++)
			if (tr->hosts_mask & (1ull << h))
				fprintf(f, " %s", ana_host_name(c, h));
		fprintf(f, "\n  window: %s .. %s (%s)\n",
			ana_fmt_ts_iso(a, sizeof(a), tr->st.first_ns),
			ana_fmt_ts_iso(b, sizeof(b), tr->st.last_ns),
			ana_fmt_dur(du, sizeof(du), tr->st.last_ns - tr->st.first_ns));
		fprintf(f, "  spans %u, processes %u, threads %u, syscalls %" PRIu64
			", time in syscalls %s, read %" PRIu64 " B, written %" PRIu64
			" B, errors %" PRIu64 "\n",
			tr->nspans, tr->nprocs, tr->nthreads, tr->st.syscalls,
			ana_fmt_dur(du, sizeof(du), tr->st.time_ns), tr->st.bytes_read,
			tr->st.bytes_written, tr->st.errors);
		for (uint32_t i = 0; i < n; i++)
			span_text(r, v[i]);
		if (r->timeline) {
			fprintf(f, "\ntimeline:\n");
			for (size_t i = 0; r->tl && i < r->tl->n; i++)
				ana_tl_print(f, NULL, c, &r->tl->v[i], ana_multi_host(c));
		}
	}
	free(v);
	free(svc);
	return 0;
}
