// SPDX-License-Identifier: BSD-2-Clause
/*
 * chrome_trace.c - `export --format chrome`: Chrome trace-event JSON (the JSON Object Format
 * that Perfetto and chrome://tracing open). One track per thread (pid, tid, with process_name
 * and thread_name metadata events); every syscall is a complete ("X") event; application spans
 * are X events enclosing their syscalls.
 *
 * Times are microseconds with three decimals (nanosecond precision) since otherData.base_ns,
 * the capture start: absolute epoch microseconds would not keep nanoseconds in a double.
 *
 * A span's slice on a thread runs from its first syscall's entry to its last syscall's exit
 * there. Syscalls of one thread never overlap, so a syscall never partly overlaps a slice;
 * two spans' slices can (span A, then B, then A again, then B), and viewers need slices of a
 * track to nest. Such a span is drawn as its runs instead (each maximal sequence of its
 * consecutive syscalls on the thread): a run lies in a gap between another span's syscalls,
 * so it is inside or outside any other slice, never across one.
 *
 * Syscalls stream out as the replay goes; runs are kept per thread (one per change of span,
 * not per syscall) and the span slices and metadata are written after the replay.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "report.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

/* Chrome pids of the second and later hosts are shifted past Linux's largest pid (2^22). */
#define HOST_PID_SHIFT 4194304ull

struct run {
	const struct ana_span *span;
	uint64_t start, end;
};

struct thr {
	const struct ana_thread *t;
	const struct ana_host *h;
	uint32_t seq;
	struct run *runs;
	uint32_t nruns, cap;
	const struct ana_span *cur; /* span of the thread's last exported syscall */
};

struct chrome {
	bool doc_open, have_base;
	uint64_t base_ns;
	struct ana_map thr_map; /* struct ana_thread * -> struct thr * */
	struct ana_vec thrs;
};

static struct chrome *state(struct ana_export *x)
{
	if (!x->priv)
		x->priv = calloc(1, sizeof(struct chrome));
	if (!x->priv)
		x->nomem = true;
	return x->priv;
}

static uint64_t chrome_pid(uint32_t host, uint32_t pid)
{
	return host * HOST_PID_SHIFT + pid;
}

/* ns since the base as microseconds with three decimals */
static void put_us(struct ana_json *j, const char *key, uint64_t ns)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", ns / 1000, (unsigned int)(ns % 1000));
	ana_json_num(j, key, buf);
}

static uint64_t rel(const struct chrome *ch, uint64_t ts)
{
	return ts > ch->base_ns ? ts - ch->base_ns : 0;
}

static void doc_open(struct ana_export *x, struct chrome *ch, const struct ana_ctx *c,
		     uint64_t first_ts)
{
	if (ch->doc_open)
		return;
	ch->base_ns = c->capture_start_ns && c->capture_start_ns <= first_ts ? c->capture_start_ns
									      : first_ts;
	ch->have_base = true;
	ana_json_obj(&x->j, NULL);
	ana_json_str(&x->j, "displayTimeUnit", "ns");
	ana_json_arr(&x->j, "traceEvents");
	ch->doc_open = true;
}

static struct thr *thr_get(struct ana_export *x, struct chrome *ch, const struct ana_event *ev)
{
	struct ana_key k = ana_key3((uint64_t)(uintptr_t)ev->thr, 0, 0);
	struct thr *t = ana_map_get(&ch->thr_map, &k, NULL, NULL);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t || ana_vec_push(&ch->thrs, t)) {
		free(t);
		goto fail;
	}
	t->t = ev->thr;
	t->h = ev->host;
	t->seq = ch->thrs.n - 1;
	if (ana_map_put(&ch->thr_map, &k, t, NULL, NULL))
		goto fail;
	return t;
fail:
	x->nomem = true;
	return NULL;
}

/* Extends the thread's current run of span s to end, or starts a new run. */
static void run_add(struct ana_export *x, struct thr *t, const struct ana_span *s, uint64_t start,
		    uint64_t end)
{
	struct run *r;

	if (s && t->cur == s && t->nruns) {
		r = &t->runs[t->nruns - 1];
		if (end > r->end)
			r->end = end;
		return;
	}
	t->cur = s;
	if (!s)
		return;
	if (t->nruns == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 8;
		struct run *nv = realloc(t->runs, ncap * sizeof(*nv));

		if (!nv) {
			x->nomem = true;
			return;
		}
		t->runs = nv;
		t->cap = ncap;
	}
	t->runs[t->nruns++] = (struct run){ .span = s, .start = start, .end = end };
}

static void ids_args(struct ana_json *j, const struct ana_span *s)
{
	ana_json_hex(j, "trace_id", s->trace_id, 16);
	ana_json_hex(j, "span_id", s->span_id, 8);
}

static void event_head(struct ana_json *j, const char *name, const char *cat,
		       const struct thr *t, uint64_t ts, uint64_t dur)
{
	ana_json_obj(j, NULL);
	ana_json_str(j, "name", name);
	ana_json_str(j, "cat", cat);
	ana_json_str(j, "ph", "X");
	put_us(j, "ts", ts);
	put_us(j, "dur", dur);
	ana_json_u64(j, "pid", chrome_pid(t->t->host, t->t->pid));
	ana_json_u64(j, "tid", chrome_pid(t->t->host, t->t->tid));
}

void ana_chrome_event(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	struct ana_export *x = arg;
	struct chrome *ch = state(x);
	struct ana_json *j = &x->j;
	struct ana_export_sc f;
	struct thr *t;
	char buf[2048], eb[16];

	if (!ch || ev->type != SCF_REC_SYSCALL || !ev->thr)
		return;
	t = thr_get(x, ch, ev);
	if (!t)
		return;
	doc_open(x, ch, c, ev->ts_ns);
	ana_export_sc_facts(ev, &f);
	run_add(x, t, ev->span, rel(ch, ev->ts_ns), rel(ch, f.end_ns));

	event_head(j, f.name, "syscall", t, rel(ch, ev->ts_ns), f.end_ns - ev->ts_ns);
	ana_json_obj(j, "args");
	ana_json_str(j, "call", ana_fmt_call(buf, sizeof(buf), ev));
	ana_json_str(j, "ret", ana_fmt_ret(buf, sizeof(buf), ev));
	if (f.failed)
		ana_json_str(j, "error", ana_fmt_errno(eb, sizeof(eb), f.err));
	if (f.no_exit)
		ana_json_bool(j, "unfinished", true);
	if (ev->target)
		ana_json_str(j, "target", ev->target);
	ana_json_host_pids(j, ev->ret_host_pid, ev->arg_host_pid);
	if (ev->span)
		ids_args(j, ev->span);
	ana_json_end(j, true);
	ana_json_end(j, true);
}

/* ---- span slices ---------------------------------------------------------------------------- */

struct hull {
	const struct ana_span *span;
	uint64_t start, end;
	bool demoted;
};

static int hull_span_cmp(const void *a, const void *b)
{
	const struct hull *x = a, *y = b;

	return x->span->seq < y->span->seq ? -1 : x->span->seq > y->span->seq;
}

/* By start, the longer first, so that an enclosing slice comes before what it encloses. */
static int hull_time_cmp(const void *a, const void *b)
{
	const struct hull *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return hull_span_cmp(a, b);
}

static void span_slice(struct ana_json *j, const struct thr *t, const struct ana_span *s,
		       uint64_t start, uint64_t end, bool partial)
{
	struct ana_attr at[64];
	unsigned int na = 0;
	char name[40], sx[17];

	/* the attributes this thread's own context records gave the span, no other thread's */
	for (uint32_t i = 0; i < s->nctxs; i++)
		if (s->ctxs[i].thr == t->t)
			na = ana_span_ctx_attrs(s, i, at, 64);

	snprintf(name, sizeof(name), "span %s", ana_fmt_hex(sx, s->span_id, 8));
	event_head(j, name, "span", t, start, end - start);
	ana_json_obj(j, "args");
	ids_args(j, s);
	if (partial)
		ana_json_bool(j, "segment", true); /* see the top of this file */
	for (unsigned int i = 0; i < na; i++)
		ana_json_strn(j, at[i].key, at[i].val, at[i].val_len);
	ana_json_end(j, true);
	ana_json_end(j, true);
}

/* The slices of one thread: span hulls that nest, runs for the spans whose hull would not. */
static int thread_slices(struct ana_export *x, const struct thr *t)
{
	struct hull *h = calloc(t->nruns ? t->nruns : 1, sizeof(*h)), **stack;
	uint32_t n = 0, depth = 0;

	stack = calloc(t->nruns ? t->nruns : 1, sizeof(*stack));
	if (!h || !stack) {
		free(h);
		free(stack);
		x->nomem = true;
		return -1;
	}
	for (uint32_t i = 0; i < t->nruns; i++)
		h[i] = (struct hull){ .span = t->runs[i].span, .start = t->runs[i].start,
				      .end = t->runs[i].end };
	/* one hull per span: merge its runs */
	qsort(h, t->nruns, sizeof(*h), hull_span_cmp);
	for (uint32_t i = 0; i < t->nruns; i++) {
		if (n && h[n - 1].span == h[i].span) {
			if (h[i].start < h[n - 1].start)
				h[n - 1].start = h[i].start;
			if (h[i].end > h[n - 1].end)
				h[n - 1].end = h[i].end;
		} else {
			h[n++] = h[i];
		}
	}
	/* a sweep keeps the hulls that nest; a hull that crosses a kept one is demoted */
	qsort(h, n, sizeof(*h), hull_time_cmp);
	for (uint32_t i = 0; i < n; i++) {
		while (depth && stack[depth - 1]->end <= h[i].start)
			depth--;
		if (depth && h[i].end > stack[depth - 1]->end) {
			h[i].demoted = true;
			continue;
		}
		stack[depth++] = &h[i];
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!h[i].demoted) {
			span_slice(&x->j, t, h[i].span, h[i].start, h[i].end, false);
			continue;
		}
		for (uint32_t r = 0; r < t->nruns; r++)
			if (t->runs[r].span == h[i].span)
				span_slice(&x->j, t, h[i].span, t->runs[r].start, t->runs[r].end,
					   true);
	}
	free(stack);
	free(h);
	return 0;
}

static void meta_event(struct ana_json *j, const char *what, uint64_t pid, uint64_t tid,
		       const char *name)
{
	ana_json_obj(j, NULL);
	ana_json_str(j, "name", what);
	ana_json_str(j, "ph", "M");
	ana_json_u64(j, "pid", pid);
	ana_json_u64(j, "tid", tid);
	ana_json_obj(j, "args");
	ana_json_str(j, "name", name);
	ana_json_end(j, true);
	ana_json_end(j, true);
}

static void metadata(struct ana_export *x, const struct ana_ctx *c, const struct chrome *ch)
{
	struct ana_map named = { 0 }; /* chrome pids that have their process_name */
	char name[256];

	for (uint32_t i = 0; i < ch->thrs.n; i++) {
		const struct thr *t = ch->thrs.v[i];
		const struct ana_proc *p = t->t->proc;
		uint64_t pid = chrome_pid(t->t->host, t->t->pid);
		struct ana_key k = ana_key3(pid, 0, 0);

		if (!ana_map_get(&named, &k, NULL, NULL)) {
			if (ana_map_put(&named, &k, (void *)t, NULL, NULL))
				x->nomem = true;
			if (ana_multi_host(c))
				snprintf(name, sizeof(name), "%s %s (pid %u)",
					 ana_host_name(c, t->t->host), ana_proc_label(p),
					 t->t->pid);
			else if (p && p->service)
				snprintf(name, sizeof(name), "%s %s (pid %u)", p->service,
					 ana_proc_label(p), t->t->pid);
			else
				snprintf(name, sizeof(name), "%s (pid %u)", ana_proc_label(p),
					 t->t->pid);
			meta_event(&x->j, "process_name", pid, 0, name);
		}
		snprintf(name, sizeof(name), "%s (tid %u)", t->t->name ? t->t->name : "?",
			 t->t->tid);
		meta_event(&x->j, "thread_name", pid, chrome_pid(t->t->host, t->t->tid), name);
	}
	ana_map_free(&named);
}

int ana_chrome_finish(struct ana_export *x, struct ana_ctx *c)
{
	struct chrome *ch = state(x);
	char buf[24];

	if (!ch)
		return 0;
	doc_open(x, ch, c, c->capture_start_ns);
	for (uint32_t i = 0; i < ch->thrs.n; i++)
		if (thread_slices(x, ch->thrs.v[i]))
			return 0;
	metadata(x, c, ch);
	ana_json_end(&x->j, false);
	ana_json_obj(&x->j, "otherData");
	ana_json_str(&x->j, "generator", "spancap-analyze " SPANCAP_VERSION);
	snprintf(buf, sizeof(buf), "%" PRIu64, ch->base_ns);
	ana_json_str(&x->j, "base_ns", buf);
	ana_json_arr(&x->j, "warnings");
	for (uint32_t i = 0; i < c->warnings.n; i++)
		ana_json_str(&x->j, NULL, c->warnings.v[i]);
	ana_json_end(&x->j, false);
	ana_json_end(&x->j, true);
	ana_json_end(&x->j, true);
	ana_json_finish(&x->j);
	return 0;
}

void ana_chrome_free(struct ana_export *x)
{
	struct chrome *ch = x->priv;

	if (!ch)
		return;
	for (uint32_t i = 0; i < ch->thrs.n; i++) {
		struct thr *t = ch->thrs.v[i];

		free(t->runs);
		free(t);
	}
	free(ch->thrs.v);
	ana_map_free(&ch->thr_map);
	free(ch);
	x->priv = NULL;
}
