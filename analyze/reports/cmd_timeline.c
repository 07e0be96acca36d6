// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_timeline.c - the strace-like timeline: one line per selected syscall, process event or
 * loss, streamed as the replay goes, or collected for one trace, in time order through the
 * reorder buffer of timeline_order.c.
 *
 *   12:00:00.123456789 100/101 openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3 <0.000012000>
 *       trace=0af7... span=00f0...
 *   12:00:01.600000000 100/102 <... nanosleep resumed> nanosleep(...) = 0 <1.500000000>
 *       (entered 12:00:00.100000000)
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "syscall_fmt.h"
#include "text_fmt.h"
#include "timeline_order.h"

static void fill_event_text(const struct ana_event *ev, char *buf, size_t sz, const char **kind)
{
	const struct scf_proc_event *pe = ev->pe;
	const struct scf_loss *l = ev->loss;
	const uint8_t *d;
	uint16_t len;
	char esc[512] = "", what[96];

	if (ev->type == SCF_REC_LOSS) {
		char from[40], to[40];

		/* the window in the times of day the lines print, so it can be pasted in --since */
		*kind = "loss";
		if (scf_loss_drops_events(l->reason))
			snprintf(what, sizeof(what), "lost %" PRIu64 " event%s", l->count,
				 l->count == 1 ? "" : "s");
		else
			snprintf(what, sizeof(what), "%" PRIu64 " syscall%s recorded without %s",
				 l->count, l->count == 1 ? "" : "s",
				 l->reason == SCF_LOSS_ARG_FAULT ? "an argument" : "their context");
		snprintf(buf, sz, "--- %s (%s) on cpu %s%u, window %s..%s ---", what,
			 scf_loss_reason_name(l->reason), l->cpu == SCF_CPU_ANY ? "any/" : "",
			 l->cpu == SCF_CPU_ANY ? 0 : l->cpu,
			 ana_fmt_ts_clock(from, sizeof(from), l->window_start_ns),
			 ana_fmt_ts_clock(to, sizeof(to), l->window_end_ns));
		return;
	}
	switch (pe->kind) {
	case SCF_PROC_FORK:
		*kind = "fork";
		snprintf(buf, sz, "+++ forked child %u +++", pe->pid);
		break;
	case SCF_PROC_EXEC:
		*kind = "exec";
		if (scf_record_item(ev->rec, SCF_ITEM_PATH, &d, &len) == 1)
			ana_fmt_escape(esc, sizeof(esc), d, len);
		snprintf(buf, sz, "+++ exec \"%s\" +++", esc);
		break;
	case SCF_PROC_EXIT:
		*kind = "exit";
		if (pe->exit_status & 0x7f)
			snprintf(buf, sz, "+++ killed by signal %d +++", pe->exit_status & 0x7f);
		else
			snprintf(buf, sz, "+++ exited with %d +++", (pe->exit_status >> 8) & 0xff);
		break;
	default:
		*kind = "?";
		snprintf(buf, sz, "+++ process event %u +++", pe->kind);
	}
}

static int line_from_event(const struct ana_event *ev, struct ana_tl_line *l)
{
	char buf[4096], rb[64], nb[32];
	const char *kind = NULL;

	memset(l, 0, sizeof(*l));
	l->ts_ns = ev->ts_ns;
	l->type = ev->type;
	l->host = ev->host ? ev->host->idx : 0;
	if (ev->type == SCF_REC_SYSCALL) {
		const struct scf_syscall *sc = ev->sc;

		l->pid = sc->pid;
		l->tid = sc->tid;
		l->no_exit = ev->rec->flags & SCF_SYSCALL_F_NO_EXIT;
		l->dur_ns = l->no_exit ? 0 : sc->duration_ns;
		l->err = !l->no_exit && sc->ret < 0 && sc->ret >= -4095 ? (int32_t)-sc->ret : 0;
		if (ev->span) {
			l->ctx = true;
			memcpy(l->trace_id, ev->span->trace_id, 16);
			memcpy(l->span_id, ev->span->span_id, 8);
		}
		l->text = strdup(ana_fmt_call(buf, sizeof(buf), ev));
		l->ret = strdup(ana_fmt_ret(rb, sizeof(rb), ev));
		l->name = strdup(sc->abi == SCF_ABI_X86_64 ? scf_syscall_name(sc->nr, nb, sizeof(nb))
							   : "?");
		l->target = ev->target ? strdup(ev->target) : NULL;
		l->target_cut = ev->target_cut;
		l->ret_host_pid = ev->ret_host_pid;
		memcpy(l->arg_host_pid, ev->arg_host_pid, sizeof(l->arg_host_pid));
		if (!l->text || !l->ret || !l->name || (ev->target && !l->target))
			return -1;
		return 0;
	}
	if (ev->type == SCF_REC_PROC_EVENT) {
		l->pid = ev->pe->pid;
		l->tid = ev->pe->tid;
		if (ev->span) {
			l->ctx = true;
			memcpy(l->trace_id, ev->span->trace_id, 16);
			memcpy(l->span_id, ev->span->span_id, 8);
		}
	} else {
		l->pid = ev->loss->pid;
	}
	fill_event_text(ev, buf, sizeof(buf), &kind);
	l->text = strdup(buf);
	l->name = strdup(kind);
	return l->text && l->name ? 0 : -1;
}

void ana_tl_print(FILE *f, struct ana_json *j, const struct ana_ctx *c,
		  const struct ana_tl_line *l, bool show_host)
{
	char ts[32], ets[32], hx[33], sx[17];

	if (j) {
		ana_json_obj(j, NULL);
		ana_json_u64(j, "ts_ns", l->ts_ns);
		ana_json_bytes(j, "host", ana_host_name(c, l->host));
		ana_json_u64(j, "pid", l->pid);
		ana_json_u64(j, "tid", l->tid);
		ana_json_str(j, "kind", l->type == SCF_REC_SYSCALL ? "syscall" : l->name);
		if (l->type == SCF_REC_SYSCALL) {
			ana_json_str(j, "syscall", l->name);
			ana_json_str(j, "call", l->text);
			ana_json_str(j, "ret", l->ret);
			if (l->resumed) { /* ts_ns is its exit: it ran longer than the window */
				ana_json_bool(j, "resumed", true);
				ana_json_u64(j, "entry_ns", l->entry_ns);
			}
			if (l->err)
				ana_json_i64(j, "errno", l->err);
			if (l->no_exit)
				ana_json_null(j, "duration_ns");
			else
				ana_json_u64(j, "duration_ns", l->dur_ns);
			ana_json_bytes(j, "target", l->target);
			if (l->target_cut) /* target is the start of the path */
				ana_json_bool(j, "target_truncated", true);
			ana_json_host_pids(j, l->ret_host_pid, l->arg_host_pid);
		} else {
			ana_json_str(j, "text", l->text);
		}
		if (l->ctx) {
			ana_json_hex(j, "trace_id", l->trace_id, 16);
			ana_json_hex(j, "span_id", l->span_id, 8);
		}
		ana_json_end(j, true);
		return;
	}
	ana_report_clock_day(c); /* before the first line: lines stream during the replay */
	ana_fmt_ts_clock(ts, sizeof(ts), l->ts_ns);
	fputs(ts, f);
	if (show_host)
		fprintf(f, " %s", ana_host_name(c, l->host));
	if (l->type == SCF_REC_LOSS)
		fprintf(f, " %s\n", l->text);
	else if (l->type != SCF_REC_SYSCALL)
		fprintf(f, " %u/%u %s", l->pid, l->tid, l->text);
	else if (l->no_exit)
		fprintf(f, " %u/%u %s = ? <unfinished>", l->pid, l->tid, l->text);
	else if (l->resumed)
		fprintf(f, " %u/%u <... %s resumed> %s = %s <%" PRIu64 ".%09" PRIu64 "> (entered %s)",
			l->pid, l->tid, l->name, l->text, l->ret, l->dur_ns / 1000000000u,
			l->dur_ns % 1000000000u, ana_fmt_ts_clock(ets, sizeof(ets), l->entry_ns));
	else
		fprintf(f, " %u/%u %s = %s <%" PRIu64 ".%09" PRIu64 ">", l->pid, l->tid, l->text,
			l->ret, l->dur_ns / 1000000000u, l->dur_ns % 1000000000u);
	if (l->type == SCF_REC_LOSS)
		return;
	if (l->ctx)
		fprintf(f, " trace=%s span=%s", ana_fmt_hex(hx, l->trace_id, 16),
			ana_fmt_hex(sx, l->span_id, 8));
	fputc('\n', f);
}

void ana_tl_stream_emit(const struct ana_tl_line *l, void *arg)
{
	struct ana_tl_stream *s = arg;

	ana_tl_print(s->out, s->j, s->c, l, s->show_host);
}

void ana_tl_stream_event(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	struct ana_tl_stream *s = arg;
	struct ana_tl_line l;

	s->c = c;
	if (line_from_event(ev, &l)) {
		ana_tl_line_free(&l);
		c->nomem = true;
		return;
	}
	if (ana_tl_order_push(s->order, &l))
		c->nomem = true;
}

void ana_tl_collect_emit(const struct ana_tl_line *l, void *arg)
{
	struct ana_tl_vec *v = arg;
	struct ana_tl_line *d;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		struct ana_tl_line *nv = realloc(v->v, ncap * sizeof(*nv));

		if (!nv) {
			v->nomem = true;
			return;
		}
		v->v = nv;
		v->cap = ncap;
	}
	d = &v->v[v->n];
	*d = *l;
	d->text = l->text ? strdup(l->text) : NULL;
	d->ret = l->ret ? strdup(l->ret) : NULL;
	d->target = l->target ? strdup(l->target) : NULL;
	d->name = l->name ? strdup(l->name) : NULL;
	if ((l->text && !d->text) || (l->ret && !d->ret) || (l->target && !d->target) ||
	    (l->name && !d->name)) {
		ana_tl_line_free(d);
		v->nomem = true;
		return;
	}
	v->n++;
}

void ana_tl_collect_event(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	struct ana_tl_vec *v = arg;
	struct ana_tl_line l;

	/* a trace's timeline: its syscalls, and process events of its spans */
	if (!ev->span)
		return;
	if (line_from_event(ev, &l)) {
		ana_tl_line_free(&l);
		c->nomem = v->nomem = true;
		return;
	}
	if (ana_tl_order_push(v->order, &l) || v->nomem)
		c->nomem = v->nomem = true;
}

void ana_tl_vec_free(struct ana_tl_vec *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		ana_tl_line_free(&v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}
