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
 * Syscalls stream out as the replay goes; runs (one per change of span on a thread, not per
 * syscall) go to an on-disk sort within the memory budget (spill_sort.h), and the span slices
 * and metadata are written after the replay (see "span slices" below).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "report.h"
#include "spill_sort.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

/* Chrome pids of the second and later hosts are shifted past Linux's largest pid (2^22). */
#define HOST_PID_SHIFT 4194304ull

/* The span of the thread's last exported syscall, and its run so far. */
struct run {
	uint8_t trace_id[16], span_id[8];
	uint64_t start, end;
};

struct thr {
	const struct ana_thread *t;
	const struct ana_host *h;
	uint32_t seq;
	bool in_run; /* cur holds a run (its last syscall had a span) */
	struct run cur;
};

struct chrome {
	bool doc_open, have_base;
	uint64_t base_ns;
	struct ana_map thr_map; /* struct ana_thread * -> struct thr * */
	struct ana_vec thrs;
	/* the runs, then the spans' facts: by span, kind, thread, run (RUN_KEY_LEN) */
	struct ana_sorter *runs;
	uint64_t nruns;
	size_t sort_budget;
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

/* A run's record: span ids, kind (0 the span's facts, 1 a run), thread seq, run number. */
#define RUN_KEY_LEN 37

static void be_put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t be_get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int sorter_fail(struct ana_export *x, struct ana_sorter *s, int ret)
{
	if (!x->err[0])
		snprintf(x->err, sizeof(x->err), "%.250s",
			 ret == -ENOMEM || !s ? "out of memory" : ana_sorter__error(s));
	return 1;
}

/* Writes the thread's run out to the sorter. */
static int run_flush(struct ana_export *x, struct chrome *ch, struct thr *t)
{
	uint8_t k[RUN_KEY_LEN], v[16];
	int ret;

	if (!t->in_run)
		return 0;
	t->in_run = false;
	if (!ch->runs && !(ch->runs = ana_sorter__new(ch->sort_budget, NULL)))
		return sorter_fail(x, NULL, -ENOMEM);
	memcpy(k, t->cur.trace_id, 16);
	memcpy(k + 16, t->cur.span_id, 8);
	k[24] = 1;
	be_put(k + 25, t->seq, 4);
	be_put(k + 29, ch->nruns++, 8);
	be_put(v, t->cur.start, 8);
	be_put(v + 8, t->cur.end, 8);
	ret = ana_sorter__add(ch->runs, k, sizeof(k), v, sizeof(v));
	return ret ? sorter_fail(x, ch->runs, ret) : 0;
}

/* Extends the thread's current run of span s to end, or starts a new run. Spans are told
 * apart by their ids: a spilled span comes back as another object (docs/SPILL.md). */
static void run_add(struct ana_export *x, struct chrome *ch, struct thr *t,
		    const struct ana_span *s, uint64_t start, uint64_t end)
{
	if (s && t->in_run && !memcmp(t->cur.trace_id, s->trace_id, 16) &&
	    !memcmp(t->cur.span_id, s->span_id, 8)) {
		if (end > t->cur.end)
			t->cur.end = end;
		return;
	}
	if (run_flush(x, ch, t)) {
		x->nomem = true;
		return;
	}
	if (!s)
		return;
	memcpy(t->cur.trace_id, s->trace_id, 16);
	memcpy(t->cur.span_id, s->span_id, 8);
	t->cur.start = start;
	t->cur.end = end;
	t->in_run = true;
}

static void ids_args(struct ana_json *j, const uint8_t trace_id[16], const uint8_t span_id[8])
{
	ana_json_hex(j, "trace_id", trace_id, 16);
	ana_json_hex(j, "span_id", span_id, 8);
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
	if (!ch->sort_budget)
		ch->sort_budget = c->o.memory_budget ? c->o.memory_budget / 4 + 1 : SIZE_MAX;
	run_add(x, ch, t, ev->span, rel(ch, ev->ts_ns), rel(ch, f.end_ns));

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
		ids_args(j, ev->span->trace_id, ev->span->span_id);
	ana_json_end(j, true);
	ana_json_end(j, true);
}

/* ---- span slices ---------------------------------------------------------------------------- */

/*
 * After the replay, two passes of the on-disk sort (spill_sort.h) give the slices of every
 * thread in the order and the form the whole set in memory would give, within the budget:
 *   1. the runs, by span (its facts first: sequence number and each thread's attributes, from
 *      ana_traces_each, spilled spans merged), then thread and run: each span's runs on one
 *      thread make its hull (first start, last end) on that thread;
 *   2. the hulls, by thread, start, the longer first (an enclosing slice before what it
 *      encloses) and span sequence number: a sweep keeps the hulls that nest, and draws the
 *      runs of a hull that crosses a kept one instead.
 */

static void buf_be(struct ana_bytes *b, uint64_t v, int n)
{
	uint8_t x[8];

	be_put(x, v, n);
	ana_bytes_put(b, x, (size_t)n);
}

/*
 * A span's facts into the runs' sort: its sequence number, then for each exported thread with
 * context records, the attributes those gave it (each key with its NUL, then the value):
 * {u32 seq, then per thread: u32 thread seq, u32 length, {u8 n, then n of: u16 key length,
 * key, NUL, u8 value length, value}}.
 */
struct facts_arg {
	struct ana_export *x;
	struct chrome *ch;
	struct ana_bytes b, a;
};

static int span_facts(struct ana_ctx *c, const struct ana_span *s, void *arg)
{
	struct facts_arg *fa = arg;
	struct chrome *ch = fa->ch;
	struct ana_attr at[64];
	uint8_t k[RUN_KEY_LEN] = { 0 };
	int ret;

	(void)c;
	fa->b.n = 0;
	buf_be(&fa->b, s->seq, 4);
	for (uint32_t i = 0; i < s->nctxs; i++) {
		struct ana_key tk = ana_key3((uint64_t)(uintptr_t)s->ctxs[i].thr, 0, 0);
		const struct thr *t = ana_map_get(&ch->thr_map, &tk, NULL, NULL);
		unsigned int na;
		uint8_t n8;

		if (!t)
			continue; /* no syscall of that thread was exported: no slice there */
		na = ana_span_ctx_attrs(s, i, at, 64);
		fa->a.n = 0;
		n8 = (uint8_t)na;
		ana_bytes_put(&fa->a, &n8, 1);
		for (unsigned int m = 0; m < na; m++) {
			size_t kl = strlen(at[m].key) + 1;

			buf_be(&fa->a, kl > UINT16_MAX ? UINT16_MAX : kl, 2);
			ana_bytes_put(&fa->a, at[m].key, kl > UINT16_MAX ? UINT16_MAX - 1 : kl - 1);
			ana_bytes_put(&fa->a, "", 1);
			ana_bytes_put(&fa->a, &at[m].val_len, 1);
			ana_bytes_put(&fa->a, at[m].val, at[m].val_len);
		}
		buf_be(&fa->b, t->seq, 4);
		buf_be(&fa->b, fa->a.n, 4);
		ana_bytes_put(&fa->b, fa->a.p, fa->a.n);
	}
	if (fa->b.nomem || fa->a.nomem)
		return sorter_fail(fa->x, NULL, -ENOMEM);
	memcpy(k, s->trace_id, 16);
	memcpy(k + 16, s->span_id, 8);
	ret = ana_sorter__add(ch->runs, k, sizeof(k), fa->b.p, (uint32_t)fa->b.n);
	return ret ? sorter_fail(fa->x, ch->runs, ret) : 0;
}

/* A cursor over our own sorted bytes, read as any input. */
struct rd {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};

static uint64_t rd_be(struct rd *r, int n)
{
	uint64_t v;

	if (r->bad || (size_t)n > r->n - r->off) {
		r->bad = true;
		return 0;
	}
	v = be_get(r->p + r->off, n);
	r->off += (size_t)n;
	return v;
}

static const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *p = r->p + r->off;

	if (r->bad || n > r->n - r->off) {
		r->bad = true;
		return NULL;
	}
	r->off += n;
	return p;
}

/* One hull being gathered from the runs' sort: a span on a thread. */
struct gather {
	uint8_t ids[24]; /* trace id, span id */
	bool have_span, have_thr;
	uint32_t seq, thr;
	struct ana_bytes facts; /* the span's facts record */
	struct ana_bytes runs;  /* {u64 start, u64 end} of its runs on the thread */
	uint64_t start, end;
	struct ana_bytes hull;
};

/* The attributes the span's facts give thread thr, as {u8 n, entries}; an empty list when none
 * (len 0). Returns -1 when the facts are malformed. */
static int facts_attrs(const struct ana_bytes *facts, uint32_t thr, const uint8_t **a, uint32_t *len)
{
	struct rd r = { facts->p, facts->n, 4, false };

	*a = NULL;
	*len = 0;
	while (!r.bad && r.off < r.n) {
		uint32_t ts = (uint32_t)rd_be(&r, 4), n = (uint32_t)rd_be(&r, 4);
		const uint8_t *p = rd_bytes(&r, n);

		if (!r.bad && ts == thr) {
			*a = p;
			*len = n;
		}
	}
	return r.bad ? -1 : 0;
}

/* The gathered hull into the hulls' sort: key {u32 thread, u64 start, u64 ~end, u32 span seq},
 * value {ids, u32 attributes length, attributes, u32 runs, runs}. */
static int hull_out(struct ana_export *x, struct gather *g, struct ana_sorter *hulls)
{
	uint8_t k[24];
	const uint8_t *a;
	uint32_t alen;
	int ret;

	if (!g->have_thr)
		return 0;
	g->have_thr = false;
	if (facts_attrs(&g->facts, g->thr, &a, &alen)) {
		snprintf(x->err, sizeof(x->err),
			 "chrome: a span's sorted facts came back malformed");
		return 1;
	}
	be_put(k, g->thr, 4);
	be_put(k + 4, g->start, 8);
	be_put(k + 12, ~g->end, 8);
	be_put(k + 20, g->seq, 4);
	g->hull.n = 0;
	ana_bytes_put(&g->hull, g->ids, 24);
	buf_be(&g->hull, alen, 4);
	ana_bytes_put(&g->hull, a, alen);
	buf_be(&g->hull, g->runs.n / 16, 4);
	ana_bytes_put(&g->hull, g->runs.p, g->runs.n);
	if (g->hull.nomem || g->hull.n > UINT32_MAX)
		return sorter_fail(x, NULL, -ENOMEM);
	ret = ana_sorter__add(hulls, k, sizeof(k), g->hull.p, (uint32_t)g->hull.n);
	return ret ? sorter_fail(x, hulls, ret) : 0;
}

/* Pass 1: the runs, by span, into hulls. */
static int gather_hulls(struct ana_export *x, struct chrome *ch, struct ana_sorter *hulls)
{
	struct gather g = { 0 };
	struct ana_sorted rec;
	int more, ret = 0;

	while (!ret && (more = ana_sorter__next(ch->runs, &rec)) == 1) {
		uint32_t thr;

		if (rec.klen != RUN_KEY_LEN || rec.key[24] > 1) {
			ret = 2;
			break;
		}
		if (rec.key[24] == 0) { /* a span's facts: its runs follow */
			ret = hull_out(x, &g, hulls);
			memcpy(g.ids, rec.key, 24);
			g.have_span = rec.vlen >= 4;
			g.seq = (uint32_t)be_get(rec.val, g.have_span ? 4 : 0);
			g.facts.n = 0;
			ana_bytes_put(&g.facts, rec.val, rec.vlen);
			if (g.facts.nomem)
				ret = sorter_fail(x, NULL, -ENOMEM);
			continue;
		}
		if (!g.have_span || memcmp(g.ids, rec.key, 24) || rec.vlen != 16) {
			ret = 2; /* a run of a span ana_traces_each did not hand over */
			break;
		}
		thr = (uint32_t)be_get(rec.key + 25, 4);
		if (!g.have_thr || thr != g.thr) {
			ret = hull_out(x, &g, hulls);
			g.have_thr = true;
			g.thr = thr;
			g.runs.n = 0;
			g.start = be_get(rec.val, 8);
			g.end = be_get(rec.val + 8, 8);
		}
		if (be_get(rec.val, 8) < g.start)
			g.start = be_get(rec.val, 8);
		if (be_get(rec.val + 8, 8) > g.end)
			g.end = be_get(rec.val + 8, 8);
		ana_bytes_put(&g.runs, rec.val, 16);
		if (g.runs.nomem)
			ret = sorter_fail(x, NULL, -ENOMEM);
	}
	if (!ret && more < 0)
		ret = sorter_fail(x, ch->runs, more);
	if (!ret)
		ret = hull_out(x, &g, hulls);
	if (ret == 2) {
		snprintf(x->err, sizeof(x->err), "chrome: a sorted run came back malformed");
		ret = 1;
	}
	free(g.facts.p);
	free(g.runs.p);
	free(g.hull.p);
	return ret;
}

static void span_slice(struct ana_json *j, const struct thr *t, const uint8_t *ids,
		       struct rd *attrs, uint64_t start, uint64_t end, bool partial)
{
	char name[40], sx[17];
	uint32_t na;

	snprintf(name, sizeof(name), "span %s", ana_fmt_hex(sx, ids + 16, 8));
	event_head(j, name, "span", t, start, end - start);
	ana_json_obj(j, "args");
	ids_args(j, ids, ids + 16);
	if (partial)
		ana_json_bool(j, "segment", true); /* see the top of this file */
	/* the attributes this thread's own context records gave the span, no other thread's */
	attrs->off = 0;
	na = attrs->n ? (uint32_t)rd_be(attrs, 1) : 0;
	for (uint32_t i = 0; i < na && !attrs->bad; i++) {
		uint32_t kl = (uint32_t)rd_be(attrs, 2);
		const uint8_t *key = rd_bytes(attrs, kl);
		uint32_t vl = (uint32_t)rd_be(attrs, 1);
		const uint8_t *val = rd_bytes(attrs, vl);

		if (!attrs->bad && kl && !key[kl - 1])
			ana_json_strn(j, (const char *)key, val, vl);
	}
	ana_json_end(j, true);
	ana_json_end(j, true);
}

/* Pass 2: the hulls, by thread and time, into slices. */
static int write_slices(struct ana_export *x, struct chrome *ch, struct ana_sorter *hulls)
{
	struct ana_sorted rec;
	uint64_t *stack = NULL;
	uint32_t depth = 0, cap = 0, thr = UINT32_MAX;
	int more, ret = 0;

	while (!ret && (more = ana_sorter__next(hulls, &rec)) == 1) {
		struct rd v = { rec.val, rec.vlen, 0, false }, attrs;
		const uint8_t *ids = rd_bytes(&v, 24), *runs;
		uint32_t alen = (uint32_t)rd_be(&v, 4), nruns;
		uint64_t start, end;
		const struct thr *t;

		attrs = (struct rd){ rd_bytes(&v, alen), alen, 0, false };
		nruns = (uint32_t)rd_be(&v, 4);
		runs = rd_bytes(&v, (size_t)nruns * 16);
		if (v.bad || v.off != v.n || rec.klen != 24 ||
		    be_get(rec.key, 4) >= ch->thrs.n) {
			snprintf(x->err, sizeof(x->err),
				 "chrome: a sorted hull came back malformed");
			ret = 1;
			break;
		}
		if (be_get(rec.key, 4) != thr) {
			thr = (uint32_t)be_get(rec.key, 4);
			depth = 0;
		}
		t = ch->thrs.v[thr];
		start = be_get(rec.key + 4, 8);
		end = ~be_get(rec.key + 12, 8);
		while (depth && stack[depth - 1] <= start)
			depth--;
		if (depth && end > stack[depth - 1]) { /* crosses a kept hull: its runs */
			for (uint32_t r = 0; r < nruns; r++)
				span_slice(&x->j, t, ids, &attrs, be_get(runs + 16 * r, 8),
					   be_get(runs + 16 * r + 8, 8), true);
			continue;
		}
		if (depth == cap) {
			uint32_t ncap = cap ? cap * 2 : 16;
			uint64_t *nv = realloc(stack, ncap * sizeof(*nv));

			if (!nv) {
				ret = sorter_fail(x, NULL, -ENOMEM);
				break;
			}
			stack = nv;
			cap = ncap;
		}
		stack[depth++] = end;
		span_slice(&x->j, t, ids, &attrs, start, end, false);
	}
	if (!ret && more < 0)
		ret = sorter_fail(x, hulls, more);
	free(stack);
	return ret;
}

/* The span slices of every thread, within the budget. Returns 0, or 1 with x->err. */
static int slices(struct ana_export *x, struct ana_ctx *c, struct chrome *ch)
{
	struct facts_arg fa = { .x = x, .ch = ch };
	struct ana_each each = { .span_fn = span_facts, .arg = &fa };
	struct ana_sorter *hulls = NULL;
	int ret = 0;

	if (!ch->sort_budget)
		ch->sort_budget = c->o.memory_budget ? c->o.memory_budget / 4 + 1 : SIZE_MAX;
	for (uint32_t i = 0; i < ch->thrs.n && !ret; i++)
		ret = run_flush(x, ch, ch->thrs.v[i]);
	if (ret || !ch->runs)
		return ret; /* no syscall in a span: no slice */
	ret = ana_traces_each(c, &each);
	free(fa.b.p);
	free(fa.a.p);
	if (ret < 0) {
		snprintf(x->err, sizeof(x->err), "%.250s", c->spill_err);
		return 1;
	}
	if (ret)
		return 1;
	ret = ana_sorter__finish(ch->runs);
	if (ret)
		return sorter_fail(x, ch->runs, ret);
	hulls = ana_sorter__new(ch->sort_budget, NULL);
	if (!hulls)
		return sorter_fail(x, NULL, -ENOMEM);
	ret = gather_hulls(x, ch, hulls);
	ana_sorter__free(ch->runs);
	ch->runs = NULL;
	if (!ret && (ret = ana_sorter__finish(hulls)))
		ret = sorter_fail(x, hulls, ret);
	if (!ret)
		ret = write_slices(x, ch, hulls);
	ana_sorter__free(hulls);
	return ret;
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
	if (slices(x, c, ch))
		return 1;
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
	for (uint32_t i = 0; i < ch->thrs.n; i++)
		free(ch->thrs.v[i]);
	free(ch->thrs.v);
	ana_sorter__free(ch->runs);
	ana_map_free(&ch->thr_map);
	free(ch);
	x->priv = NULL;
}
