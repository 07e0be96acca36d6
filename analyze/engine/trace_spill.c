// SPDX-License-Identifier: BSD-2-Clause
/*
 * trace_spill.c - the memory budget of traces and spans (docs/SPILL.md).
 *
 * Past the budget, the traces whose last syscall or context record is oldest are written, with
 * their spans, as partials to an external sort (spill_sort.h) and leave memory; one that shows
 * up again starts a new partial. At the end the live ones follow, and ana_traces_each merges
 * the partials of each id exactly as the replay would have kept one object:
 *   - a thread whose current span was spilled calls ana_span_get again at its next syscall in
 *     it, which makes a new partial: the thread had got that span before (the replay sets a
 *     current span only so), so its call changes nothing the merge tells (multi_thread below);
 *     a death in that span makes a new partial that carries it (ana_spans_mark_killed);
 *   - seq, host, process, thread, service and process context come from the first partial
 *     (seq numbers grow in replay order), ctx_last_ns from the last; statistics add up
 *     (first_ns the least, last_ns the greatest);
 *   - multi_thread: some partial had it, or one was made by another thread than the first
 *     (some thread but the span's first got it: what the flag says);
 *   - a trace's processes and threads, and a span's per-thread attributes, are unions in the
 *     order first seen, the attributes of a thread overlaid in replay order;
 *   - a trace's spans, hosts and incomplete flag come from its merged spans, incomplete from
 *     the losses against the merged time window (ana_mark_incomplete's rule).
 *   - under filters, an unselected syscall only finds its span (ana_span_find): its thread
 *     then holds the span without getting it (cur_found), so its partials are marked attach
 *     with the span_seq of the find; a find that fails once anything was spilled leaves the
 *     hold pending (cur_pending). The merge takes such a partial as a hold (no multi_thread,
 *     its getters compared with the first thread) when the span's first partial is older
 *     than the find, else as the get the budget-off run made; a marker (a death, or a live
 *     partial found, under a pending hold) counts only when the span was there;
 *   - killed from the partial whose death came first (kill_order), the trace's from its
 *     spans' first death.
 *
 * A partial: key = trace id (16), kind (1: 0 trace, 1 span), span id (8, zero for a trace),
 * seq (4, big-endian); value = little-endian fields, references to processes, threads, hosts
 * and process contexts by index (those stay in memory), read back bounds-checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "spill_sort.h"

#define KEY_LEN 29
#define NONE UINT32_MAX

/* ---- writing a partial ------------------------------------------------------------------- */

static void put_u32(struct ana_bytes *b, uint32_t v)
{
	uint8_t x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	ana_bytes_put(b, x, 4);
}

static void put_u64(struct ana_bytes *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	ana_bytes_put(b, x, 8);
}

static void put_stats(struct ana_bytes *b, const struct ana_stats *s)
{
	put_u64(b, s->syscalls);
	put_u64(b, s->errors);
	put_u64(b, s->time_ns);
	put_u64(b, s->bytes_read);
	put_u64(b, s->bytes_written);
	put_u64(b, s->first_ns);
	put_u64(b, s->last_ns);
}

static void put_hist(struct ana_bytes *b, const struct ana_hist *h)
{
	put_u32(b, h->nbins);
	for (uint32_t k = 0; k < h->nbins; k++) {
		put_u32(b, h->bins[k].idx);
		put_u64(b, h->bins[k].count);
	}
	put_u64(b, h->count);
	put_u64(b, h->sum);
	put_u64(b, h->min);
	put_u64(b, h->max);
}

/*
 * A span's detail (ANA_WANT_DETAIL): {u32 io rows, each {u32 host, u8 kind, u8 cut, u64 group,
 * ops, opens, reads, writes, bytes read, bytes written, syncs, mmaps, connects, errors,
 * time_ns, u32 name length, name}, u32 classes, each {u64 count, errors, time_ns, histogram},
 * u32 failures, each {u64 time, u32 tid, u32 nr, u32 errno, u32 target length + 1 (0: none),
 * target}, u32 children, each u32 process}.
 */
static void put_detail(struct ana_bytes *b, const struct ana_span_detail *d)
{
	put_u32(b, d->io.n);
	for (uint32_t i = 0; i < d->io.n; i++) {
		const struct ana_io_row *r = d->io.rows[i];
		uint8_t kc[2] = { r->kind, r->cut };

		put_u32(b, r->host);
		ana_bytes_put(b, kc, 2);
		put_u64(b, r->group);
		put_u64(b, r->ops);
		put_u64(b, r->opens);
		put_u64(b, r->reads);
		put_u64(b, r->writes);
		put_u64(b, r->bytes_read);
		put_u64(b, r->bytes_written);
		put_u64(b, r->syncs);
		put_u64(b, r->mmaps);
		put_u64(b, r->connects);
		put_u64(b, r->errors);
		put_u64(b, r->time_ns);
		put_u32(b, (uint32_t)strlen(r->name));
		ana_bytes_put(b, r->name, strlen(r->name));
	}
	put_u32(b, SCF_CLASS_MAX);
	for (int i = 0; i < SCF_CLASS_MAX; i++) {
		put_u64(b, d->cls[i].count);
		put_u64(b, d->cls[i].errors);
		put_u64(b, d->cls[i].time_ns);
		put_hist(b, &d->cls[i].hist);
	}
	put_u32(b, d->nerrs);
	for (uint32_t i = 0; i < d->nerrs; i++) {
		const struct ana_error_ev *e = &d->errs[i];
		size_t tl = e->target ? strlen(e->target) : 0;

		put_u64(b, e->ts_ns);
		put_u32(b, e->tid);
		put_u32(b, e->nr);
		put_u32(b, (uint32_t)e->err);
		put_u32(b, e->target ? (uint32_t)tl + 1 : 0);
		ana_bytes_put(b, e->target, tl);
	}
	put_u32(b, d->nchildren);
	for (uint32_t i = 0; i < d->nchildren; i++)
		put_u32(b, d->children[i]->seq);
}

/* Estimated bytes of a span's detail (as detail_add counts them as they grow). */
static size_t detail_cost(const struct ana_span_detail *d)
{
	size_t n = sizeof(*d) + d->io.cap * sizeof(void *) + d->errs_cap * sizeof(*d->errs) +
		   d->children_cap * sizeof(void *);

	for (uint32_t i = 0; i < d->io.n; i++)
		n += ANA_IO_ROW_COST + strlen(d->io.rows[i]->name) + 1;
	for (int i = 0; i < SCF_CLASS_MAX; i++)
		n += d->cls[i].hist.cap * sizeof(struct ana_hist_bin);
	for (uint32_t i = 0; i < d->nerrs; i++)
		if (d->errs[i].target)
			n += strlen(d->errs[i].target) + 1;
	return n;
}

/* A span's rows of syscalls --by span: {u32 n, then each: u32 nr, u64 count, errors, time_ns,
 * no_exit, the histogram (u32 bins, each {u32 index, u64 count}, u64 count, sum, min, max),
 * u32 errnos, each {u32 errno, u64 count}, first seen first}. */
static void put_sc_rows(struct ana_bytes *b, const struct ana_span *s)
{
	put_u32(b, s->nsc);
	for (uint32_t i = 0; i < s->nsc; i++) {
		const struct ana_sc_row *r = s->sc[i];
		uint32_t ne = 0;

		put_u32(b, r->nr);
		put_u64(b, r->count);
		put_u64(b, r->errors);
		put_u64(b, r->time_ns);
		put_u64(b, r->no_exit);
		put_hist(b, &r->hist);
		while (ne < SCF_SC_ERRNOS && r->errnos[ne].n)
			ne++;
		put_u32(b, ne + r->nmore);
		for (uint32_t k = 0; k < ne; k++) {
			put_u32(b, (uint32_t)r->errnos[k].err);
			put_u64(b, r->errnos[k].n);
		}
		for (uint32_t k = 0; k < r->nmore; k++) {
			put_u32(b, (uint32_t)r->more[k].err);
			put_u64(b, r->more[k].n);
		}
	}
}

static void make_key(uint8_t k[KEY_LEN], const uint8_t trace_id[16], uint8_t kind,
		     const uint8_t *span_id, uint32_t seq)
{
	memcpy(k, trace_id, 16);
	k[16] = kind;
	if (span_id)
		memcpy(k + 17, span_id, 8);
	else
		memset(k + 17, 0, 8);
	for (int i = 0; i < 4; i++)
		k[25 + i] = (uint8_t)(seq >> (8 * (3 - i)));
}

static int spill_span(struct ana_ctx *c, const struct ana_span *s, bool marker, struct ana_bytes *b);

/* The partials of tr and its spans into the spill. */
static int spill_trace(struct ana_ctx *c, const struct ana_trace *tr, struct ana_bytes *b)
{
	uint8_t k[KEY_LEN];
	int ret;

	b->n = 0;
	put_stats(b, &tr->st);
	put_u32(b, (uint32_t)tr->killed);
	put_u32(b, tr->nprocs);
	for (uint32_t i = 0; i < tr->nprocs; i++)
		put_u32(b, tr->procs[i]->seq);
	put_u32(b, tr->nthreads);
	for (uint32_t i = 0; i < tr->nthreads; i++)
		put_u32(b, tr->threads[i]->seq);
	if (b->nomem)
		return -ENOMEM;
	make_key(k, tr->id, 0, NULL, tr->seq);
	ret = ana_sorter__add(c->spill, k, KEY_LEN, b->p, (uint32_t)b->n);
	if (ret)
		return ret;
	c->spilled_traces++;
	for (const struct ana_span *s = tr->spans; s; s = s->next_in_trace) {
		ret = spill_span(c, s, false, b);
		if (ret)
			return ret;
	}
	return 0;
}

/* The partial of one span into the spill; marker: it stands for a thread's pending hold only
 * (ana_held_span, ana_spans_mark_killed), and no live span. */
static int spill_span(struct ana_ctx *c, const struct ana_span *s, bool marker, struct ana_bytes *b)
{
	uint8_t k[KEY_LEN];
	uint8_t flags = (uint8_t)(s->multi_thread | s->pctx_set << 1 | !!s->service << 2 |
				  s->attach << 3 | marker << 4 | s->getters_many << 5 |
				  !!s->detail << 6);
	int ret;

	{
		b->n = 0;
		put_u32(b, s->host);
		put_u32(b, s->proc ? s->proc->seq : NONE);
		put_u32(b, s->thr ? s->thr->seq : NONE);
		ana_bytes_put(b, &flags, 1);
		put_u32(b, (uint32_t)s->killed);
		put_u32(b, s->killed_pid);
		put_u64(b, s->killed_ns);
		put_stats(b, &s->st);
		put_u64(b, s->ctx_first_ns);
		put_u64(b, s->ctx_last_ns);
		put_u32(b, s->pctx ? s->pctx->idx : NONE);
		if (s->service) {
			put_u32(b, (uint32_t)strlen(s->service));
			ana_bytes_put(b, s->service, strlen(s->service));
		}
		put_u32(b, s->nctxs);
		for (uint32_t i = 0; i < s->nctxs; i++) {
			const struct ana_span_ctx *x = &s->ctxs[i];

			put_u32(b, x->thr ? x->thr->seq : NONE);
			put_u32(b, x->pctx ? x->pctx->idx : NONE);
			put_u32(b, x->attrs_len);
			ana_bytes_put(b, x->attrs, x->attrs_len);
		}
		put_u64(b, s->kill_order);
		if (s->attach) {
			put_u32(b, s->find_seq);
			put_u32(b, s->getter ? s->getter->seq : NONE);
		}
		put_sc_rows(b, s);
		if (s->detail)
			put_detail(b, s->detail);
		if (b->nomem)
			return -ENOMEM;
		make_key(k, s->trace_id, 1, s->span_id, s->seq);
		ret = ana_sorter__add(c->spill, k, KEY_LEN, b->p, (uint32_t)b->n);
		if (ret)
			return ret;
		c->spilled_spans++;
	}
	return 0;
}

/* ---- choosing and dropping ----------------------------------------------------------------- */

static void spill_hold_found(struct ana_ctx *c, struct ana_thread *t);

void ana_spill_setup(struct ana_ctx *c)
{
	c->hold_found = spill_hold_found;
	c->spill_at = SIZE_MAX;
	if (!c->o.memory_budget || (c->o.want & ANA_WANT_NO_TRACES))
		return;
	c->spill_at = c->o.memory_budget;
}

static size_t trace_cost(const struct ana_trace *tr)
{
	size_t n = ANA_TRACE_COST + (tr->procs_cap + tr->threads_cap) * sizeof(void *);

	for (const struct ana_span *s = tr->spans; s; s = s->next_in_trace) {
		n += ANA_SPAN_COST + s->ctxs_cap * sizeof(*s->ctxs);
		if (s->service)
			n += strlen(s->service) + 1;
		for (uint32_t i = 0; i < s->nctxs; i++)
			n += s->ctxs[i].attrs_len;
		n += s->sc_cap * sizeof(*s->sc);
		if (s->detail)
			n += detail_cost(s->detail);
		for (uint32_t i = 0; i < s->nsc; i++)
			n += ana_sc_row_cost(s->sc[i]);
	}
	return n;
}

static void trace_free(struct ana_trace *tr)
{
	for (struct ana_span *s = tr->spans, *nx; s; s = nx) {
		nx = s->next_in_trace;
		ana_span_free(s);
	}
	free(tr->procs);
	free(tr->threads);
	free(tr);
}

static int idle_cmp(const void *a, const void *b)
{
	const struct ana_trace *x = *(void *const *)a, *y = *(void *const *)b;

	if (x->idle_ns != y->idle_ns)
		return x->idle_ns < y->idle_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void spill_fail(struct ana_ctx *c, int ret)
{
	if (!c->spill_err[0])
		snprintf(c->spill_err, sizeof(c->spill_err), "%s",
			 ret == -ENOMEM ? "out of memory" : ana_sorter__error(c->spill));
	c->spill_at = SIZE_MAX;
}

/* Keeps in c->traces, c->spans and the maps only the traces not marked idle_ns UINT64_MAX
 * (those spilled) and frees the others. live: the bytes of those kept (the estimate kept as
 * traces and spans grew, less the spilled ones' trace_cost(): the kept are not walked again). */
static void drop_spilled(struct ana_ctx *c, size_t live)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->threads.n; i++) {
		struct ana_thread *t = c->threads.v[i];
		struct ana_span *s = t->cur_span;

		if (s && s->trace->idle_ns == UINT64_MAX) {
			memcpy(t->cur_trace_id, s->trace_id, 16);
			memcpy(t->cur_span_id, s->span_id, 8);
			t->cur_spilled = true;
			t->cur_span = NULL;
		}
		if (t->last_trace && t->last_trace->idle_ns == UINT64_MAX)
			t->last_trace = NULL;
	}
	c->live_bytes = live;
	/* the maps are filled again: their slots stay, not faulted in again after each batch */
	ana_map_clear(&c->trace_map);
	ana_map_clear(&c->span_map);
	for (uint32_t i = 0; i < c->spans.n; i++) {
		struct ana_span *s = c->spans.v[i];
		struct ana_key k = ana_key3(0, 0, 0);

		if (s->trace->idle_ns == UINT64_MAX)
			continue; /* freed with its trace below */
		memcpy(&k.k[0], s->trace_id, 8);
		memcpy(&k.k[1], s->trace_id + 8, 8);
		memcpy(&k.k[2], s->span_id, 8);
		c->spans.v[n++] = s;
		if (ana_map_put(&c->span_map, &k, s, NULL, NULL))
			c->nomem = true;
	}
	c->spans.n = n;
	n = 0;
	for (uint32_t i = 0; i < c->traces.n; i++) {
		struct ana_trace *tr = c->traces.v[i];
		struct ana_key k = ana_key3(0, 0, 0);

		if (tr->idle_ns == UINT64_MAX) {
			trace_free(tr);
			continue;
		}
		memcpy(&k.k[0], tr->id, 8);
		memcpy(&k.k[1], tr->id + 8, 8);
		c->traces.v[n++] = tr;
		if (ana_map_put(&c->trace_map, &k, tr, NULL, NULL))
			c->nomem = true;
	}
	c->traces.n = n;
}

void ana_spill_idle(struct ana_ctx *c)
{
	struct ana_trace **v;
	struct ana_bytes b = { 0 };
	size_t target = c->o.memory_budget / 2, cand = 0, live = c->live_bytes;
	int ret = 0;

	if (!c->spill && !c->o.spill_discard) {
		c->spill = ana_sorter__new(c->o.memory_budget / 4 + 1, NULL);
		if (!c->spill) {
			spill_fail(c, -ENOMEM);
			return;
		}
		/* more than one thread allowed: runs are sorted and written off the replay */
		if (c->o.threads >= 2)
			ana_sorter__use_thread(c->spill);
	}
	v = malloc((c->traces.n ? c->traces.n : 1) * sizeof(*v));
	if (!v) {
		spill_fail(c, -ENOMEM);
		return;
	}
	for (uint32_t i = 0; i < c->traces.n; i++) {
		struct ana_trace *tr = c->traces.v[i];

		tr->idle_ns = tr->st.last_ns;
		for (const struct ana_span *s = tr->spans; s; s = s->next_in_trace)
			if (s->ctx_last_ns > tr->idle_ns)
				tr->idle_ns = s->ctx_last_ns;
		v[cand++] = tr;
	}
	qsort(v, cand, sizeof(*v), idle_cmp);
	for (size_t i = 0; i < cand && live > target && !ret; i++) {
		live -= trace_cost(v[i]);
		if (c->spill)
			ret = spill_trace(c, v[i], &b);
		else
			c->spilled_traces++;
		v[i]->idle_ns = UINT64_MAX;
	}
	free(v);
	free(b.p);
	c->spill_batches++;
	drop_spilled(c, live);
	if (ret) {
		spill_fail(c, ret);
		return;
	}
	c->spill_at = c->o.memory_budget;
}

int ana_spill_finish(struct ana_ctx *c)
{
	struct ana_bytes b = { 0 };
	int ret = 0;

	if (c->spill_err[0])
		return -EIO;
	if (!c->spill)
		return 0;
	for (uint32_t i = 0; i < c->traces.n && !ret; i++) {
		struct ana_trace *tr = c->traces.v[i];

		ret = spill_trace(c, tr, &b);
		tr->idle_ns = UINT64_MAX;
	}
	free(b.p);
	drop_spilled(c, 0); /* every trace spilled */
	if (!ret)
		ret = ana_sorter__finish(c->spill);
	if (ret) {
		spill_fail(c, ret);
		return -EIO;
	}
	return 0;
}

/* A partial with no live span for t's pending hold: a death in it (killed), or a selected
 * syscall that found a live partial made since (the budget-off run may have got it then). */
static void spill_marker(struct ana_ctx *c, struct ana_thread *t, int32_t killed, uint32_t pid,
			 uint64_t ns)
{
	struct ana_span m = { 0 };
	struct ana_bytes b = { 0 };
	int ret;

	if (!c->spill)
		return; /* spill_discard: nobody reads spans */
	memcpy(m.trace_id, t->cur_trace_id, 16);
	memcpy(m.span_id, t->cur_span_id, 8);
	m.seq = c->span_seq++;
	m.host = t->host;
	m.proc = t->proc;
	m.thr = t;
	m.attach = true;
	m.find_seq = t->cur_find_seq;
	m.killed = killed;
	m.killed_pid = pid;
	m.killed_ns = ns;
	m.kill_order = killed ? ++c->kill_seq : 0;
	ret = spill_span(c, &m, true, &b);
	free(b.p);
	if (ret)
		spill_fail(c, ret);
}

/* A pending hold of t became certain on a live partial (trace_index.c): the merge must know
 * the thread found one there. */
static void spill_hold_found(struct ana_ctx *c, struct ana_thread *t)
{
	spill_marker(c, t, 0, 0, 0);
}

/* A process killed by a signal: the spans its threads were in end with it (issue 17). */
void ana_spans_mark_killed(struct ana_ctx *c, struct ana_proc *p, int32_t status)
{
	for (uint32_t i = 0; i < c->threads.n; i++) {
		struct ana_thread *t = c->threads.v[i];
		struct ana_span *s;

		if (t->proc == p && t->cur_pending) {
			spill_marker(c, t, status, p->pid, p->exit_ns);
			continue;
		}
		/* a spilled span: a new partial of it takes the death */
		s = t->proc == p ? ana_thread_span(c, t) : NULL;
		if (!s || s->killed)
			continue;
		s->kill_order = ++c->kill_seq;
		s->killed = status;
		s->killed_pid = p->pid;
		s->killed_ns = p->exit_ns;
		if (s->trace && !s->trace->killed)
			s->trace->killed = status;
	}
}

void ana_spill_free(struct ana_ctx *c)
{
	ana_sorter__free(c->spill);
	c->spill = NULL;
}

/* ---- reading the partials back ------------------------------------------------------------ */

struct cur {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};

static bool need(struct cur *r, size_t n)
{
	if (r->bad || n > r->n - r->off) {
		r->bad = true;
		return false;
	}
	return true;
}

static uint32_t get_u32(struct cur *r)
{
	uint32_t v = 0;

	if (!need(r, 4))
		return 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | r->p[r->off + (size_t)i];
	r->off += 4;
	return v;
}

static uint64_t get_u64(struct cur *r)
{
	uint64_t v = 0;

	if (!need(r, 8))
		return 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | r->p[r->off + (size_t)i];
	r->off += 8;
	return v;
}

static const uint8_t *get_bytes(struct cur *r, size_t n)
{
	const uint8_t *p;

	if (!need(r, n))
		return NULL;
	p = r->p + r->off;
	r->off += n;
	return p;
}

static void get_stats(struct cur *r, struct ana_stats *s)
{
	s->syscalls = get_u64(r);
	s->errors = get_u64(r);
	s->time_ns = get_u64(r);
	s->bytes_read = get_u64(r);
	s->bytes_written = get_u64(r);
	s->first_ns = get_u64(r);
	s->last_ns = get_u64(r);
}

static void stats_merge(struct ana_stats *d, const struct ana_stats *s)
{
	if (!s->syscalls)
		return;
	if (!d->syscalls || s->first_ns < d->first_ns)
		d->first_ns = s->first_ns;
	if (s->last_ns > d->last_ns)
		d->last_ns = s->last_ns;
	d->syscalls += s->syscalls;
	d->errors += s->errors;
	d->time_ns += s->time_ns;
	d->bytes_read += s->bytes_read;
	d->bytes_written += s->bytes_written;
}

/* An index read from a partial: NULL for NONE, the object, or bad when out of range. */
static void *get_ref(struct cur *r, const struct ana_vec *v)
{
	return ana_vec_at(v, get_u32(r), &r->bad);
}

struct merge {
	struct ana_ctx *c;
	const struct ana_each *each;
	struct ana_trace tr; /* the trace being merged */
	bool have_trace;
	struct ana_span *sp; /* the span being merged (its first partial's thread in sp->thr) */
	uint32_t procs_cap, threads_cap;
	uint64_t kill_order; /* of the death that gave the trace its killed */
	char why[160]; /* what was wrong in a partial */
};

static int push_unique(void ***v, uint32_t *n, uint32_t *cap, void *p)
{
	for (uint32_t i = 0; i < *n; i++)
		if ((*v)[i] == p)
			return 0;
	if (*n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 4;
		void **nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = p;
	return 0;
}

static int merge_trace_part(struct merge *m, const uint8_t *key, struct cur *r)
{
	struct ana_trace *t = &m->tr;
	struct ana_stats st;
	uint32_t n, seq = (uint32_t)key[25] << 24 | (uint32_t)key[26] << 16 |
			  (uint32_t)key[27] << 8 | key[28];
	int32_t killed;

	get_stats(r, &st);
	killed = (int32_t)get_u32(r);
	if (!m->have_trace) {
		memcpy(t->id, key, 16);
		t->seq = seq;
		m->have_trace = true;
	}
	stats_merge(&t->st, &st);
	(void)killed; /* the first death among its merged spans' (span_done) */
	for (int list = 0; list < 2; list++) {
		n = get_u32(r);
		if (r->bad || n > (r->n - r->off) / 4)
			return -EBADMSG;
		for (uint32_t i = 0; i < n; i++) {
			void *p = get_ref(r, list ? &m->c->threads : &m->c->procs);

			if (!p)
				return -EBADMSG;
			if (list ? push_unique((void ***)&t->threads, &t->nthreads, &m->threads_cap, p)
				 : push_unique((void ***)&t->procs, &t->nprocs, &m->procs_cap, p))
				return -ENOMEM;
		}
	}
	return r->bad || r->off != r->n ? -EBADMSG : 0;
}

/* A histogram (put_hist), checked; into *h (free it) when h is given. 0, -EBADMSG or -ENOMEM. */
static int get_hist(struct cur *r, struct ana_hist *h)
{
	uint32_t nb = get_u32(r);

	if (r->bad || nb > ANA_HIST_BUCKETS || nb > (r->n - r->off) / 12)
		return -EBADMSG;
	if (h && nb && !(h->bins = calloc(nb, sizeof(*h->bins))))
		return -ENOMEM;
	for (uint32_t k = 0; k < nb; k++) {
		uint32_t idx = get_u32(r);
		uint64_t cnt = get_u64(r);

		if (idx >= ANA_HIST_BUCKETS || (k && h && idx <= h->bins[k - 1].idx))
			r->bad = true;
		if (h)
			h->bins[k] = (struct ana_hist_bin){ .idx = (uint16_t)idx, .count = cnt };
	}
	if (h)
		h->nbins = h->cap = nb;
	{
		uint64_t count = get_u64(r), sum = get_u64(r), min = get_u64(r), max = get_u64(r);

		if (h) {
			h->count = count;
			h->sum = sum;
			h->min = min;
			h->max = max;
		}
	}
	if (r->bad && h)
		ana_hist_free(h);
	return r->bad ? -EBADMSG : 0;
}

/* A partial's detail (put_detail), checked, and merged into s's when s is given: io rows by
 * name, first seen first, counts added; class statistics added; failures and children after
 * those of the partials before (the partials come in replay order). 0, -EBADMSG or -ENOMEM. */
static int get_detail(struct ana_ctx *c, struct cur *r, struct ana_span *s)
{
	struct ana_span_detail *d = NULL;
	uint32_t n = get_u32(r);
	int ret;

	if (s && !s->detail && !(s->detail = calloc(1, sizeof(*s->detail))))
		return -ENOMEM;
	d = s ? s->detail : NULL;
	if (r->bad || n > (r->n - r->off) / 106)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t host = get_u32(r), len;
		const uint8_t *kc = get_bytes(r, 2);
		uint64_t v[12];
		const uint8_t *name;
		struct ana_io_row *w;
		char *z;

		for (int k = 0; k < 12; k++)
			v[k] = get_u64(r);
		len = get_u32(r);
		name = get_bytes(r, len);
		if (r->bad || (name && memchr(name, 0, len)))
			return -EBADMSG;
		if (!d)
			continue;
		z = ana_strndup(name, len);
		w = z ? ana_io_row_get(&d->io, host, z, kc[1], kc[0]) : NULL;
		free(z);
		if (!w)
			return -ENOMEM;
		w->group = v[0];
		w->ops += v[1];
		w->opens += v[2];
		w->reads += v[3];
		w->writes += v[4];
		w->bytes_read += v[5];
		w->bytes_written += v[6];
		w->syncs += v[7];
		w->mmaps += v[8];
		w->connects += v[9];
		w->errors += v[10];
		w->time_ns += v[11];
	}
	if (get_u32(r) != SCF_CLASS_MAX)
		return -EBADMSG;
	for (int i = 0; i < SCF_CLASS_MAX; i++) {
		struct ana_hist h = { 0 };
		uint64_t cnt = get_u64(r), errs = get_u64(r), t = get_u64(r);

		ret = get_hist(r, d ? &h : NULL);
		if (ret)
			return ret;
		if (!d)
			continue;
		d->cls[i].count += cnt;
		d->cls[i].errors += errs;
		d->cls[i].time_ns += t;
		ret = ana_hist_merge(&d->cls[i].hist, &h);
		ana_hist_free(&h);
		if (ret)
			return ret;
	}
	n = get_u32(r);
	if (r->bad || n > (r->n - r->off) / 24)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		struct ana_error_ev e = { .ts_ns = get_u64(r), .tid = get_u32(r) };
		uint32_t nr = get_u32(r), tl;
		const uint8_t *tb;

		e.err = (int32_t)get_u32(r);
		tl = get_u32(r);
		tb = get_bytes(r, tl ? tl - 1 : 0);
		if (r->bad || nr > UINT16_MAX || (tl && memchr(tb, 0, tl - 1)))
			return -EBADMSG;
		if (!d)
			continue;
		e.nr = (uint16_t)nr;
		if (d->nerrs == d->errs_cap) {
			uint32_t ncap = d->errs_cap ? d->errs_cap * 2 : 8;
			struct ana_error_ev *nv = realloc(d->errs, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			d->errs = nv;
			d->errs_cap = ncap;
		}
		if (tl && !(e.target = ana_strndup(tb, tl - 1)))
			return -ENOMEM;
		d->errs[d->nerrs++] = e;
	}
	n = get_u32(r);
	if (r->bad || n > (r->n - r->off) / 4)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		struct ana_proc *p = get_ref(r, &c->procs);

		if (!p)
			return -EBADMSG;
		if (d && push_unique((void ***)&d->children, &d->nchildren, &d->children_cap, p))
			return -ENOMEM;
	}
	return r->bad ? -EBADMSG : 0;
}

/* A partial's rows of syscalls --by span (put_sc_rows), checked, and added to s's rows when s
 * is given: counts add up, histograms merge, errnos are counted in the order first seen (the
 * partials come in replay order). 0, -EBADMSG or -ENOMEM. */
static int sc_rows(struct cur *r, struct ana_span *s)
{
	uint32_t n = get_u32(r);

	if (r->bad || n > (r->n - r->off) / 56)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nr = get_u32(r), nb;
		struct ana_sc_row *w = NULL;
		struct ana_hist h = { 0 };
		uint64_t st[4];
		int ret = 0;

		for (int k = 0; k < 4; k++)
			st[k] = get_u64(r);
		if (r->bad || nr > UINT16_MAX)
			return -EBADMSG;
		if (s && !(w = ana_span_sc_row(NULL, s, (uint16_t)nr)))
			return -ENOMEM;
		ret = get_hist(r, w ? &h : NULL);
		if (ret)
			return ret;
		if (w) {
			w->count += st[0];
			w->errors += st[1];
			w->time_ns += st[2];
			w->no_exit += st[3];
			ret = ana_hist_merge(&w->hist, &h);
		}
		ana_hist_free(&h);
		if (ret)
			return ret;
		nb = get_u32(r);
		if (r->bad || nb > (r->n - r->off) / 12)
			return -EBADMSG;
		for (uint32_t k = 0; k < nb; k++) {
			int32_t err = (int32_t)get_u32(r);
			uint64_t cnt = get_u64(r);

			if (!r->bad && w && ana_sc_errno_add(w, err, cnt))
				return -ENOMEM;
		}
		if (r->bad)
			return -EBADMSG;
	}
	return 0;
}

static int merge_ctx(struct ana_span *s, struct ana_thread *thr, const struct ana_pctx *pctx,
		     const uint8_t *attrs, uint32_t len)
{
	struct ana_span_ctx *x = NULL;

	for (uint32_t i = 0; i < s->nctxs && !x; i++)
		if (s->ctxs[i].thr == thr)
			x = &s->ctxs[i];
	if (!x) {
		if (s->nctxs == s->ctxs_cap) {
			uint32_t ncap = s->ctxs_cap ? s->ctxs_cap * 2 : 1;
			struct ana_span_ctx *nv = realloc(s->ctxs, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			s->ctxs = nv;
			s->ctxs_cap = ncap;
		}
		x = &s->ctxs[s->nctxs++];
		memset(x, 0, sizeof(*x));
		x->thr = thr;
	}
	if (pctx)
		x->pctx = pctx;
	/* the first partial's bytes as they are (ana_attrs_merge keeps the last of a key, and
	 * a partial's list has each key once, by key) */
	return ana_attrs_merge(&x->attrs, &x->attrs_len, attrs, len);
}

static int merge_span_part(struct merge *m, const uint8_t *key, struct cur *r)
{
	struct ana_ctx *c = m->c;
	struct ana_span *s = m->sp;
	uint32_t host = get_u32(r), seq = (uint32_t)key[25] << 24 | (uint32_t)key[26] << 16 |
					  (uint32_t)key[27] << 8 | key[28];
	struct ana_proc *proc = get_ref(r, &c->procs);
	struct ana_thread *thr = get_ref(r, &c->threads);
	const uint8_t *fl = get_bytes(r, 1);
	uint8_t flags = fl ? *fl : 0;
	int32_t killed = (int32_t)get_u32(r);
	uint32_t killed_pid = get_u32(r), n;
	uint64_t killed_ns = get_u64(r), ctx_first, ctx_last;
	struct ana_stats st;
	const struct ana_pctx *pctx;
	const uint8_t *svc = NULL;
	uint32_t svc_len = 0, find_seq = 0;
	struct ana_thread *getter = NULL;
	uint64_t kill_order;
	size_t ctx_off, rows_off;
	bool existed;
	int ret;

	get_stats(r, &st);
	ctx_first = get_u64(r);
	ctx_last = get_u64(r);
	pctx = get_ref(r, &c->pctxs);
	if (flags & 4) {
		svc_len = get_u32(r);
		svc = get_bytes(r, svc_len);
	}
	if (r->bad || host >= c->hosts.n || flags > 127) {
		snprintf(m->why, sizeof(m->why), "span partial: field out of range");
		return -EBADMSG;
	}
	/* the trailing fields, past the per-thread attributes (applied below) */
	ctx_off = r->off;
	n = get_u32(r);
	if (r->bad || n > (r->n - r->off) / 12)
		return -EBADMSG;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		get_u64(r); /* thread, process context */
		get_bytes(r, get_u32(r));
	}
	kill_order = get_u64(r);
	if (flags & 8) {
		find_seq = get_u32(r);
		getter = get_ref(r, &c->threads);
	}
	rows_off = r->off;
	if (sc_rows(r, NULL) || ((flags & 64) && get_detail(c, r, NULL)) || r->off != r->n)
		return -EBADMSG;
	r->off = ctx_off;
	/* a partial made for a thread that found the span (ana_thread_span): the budget-off
	 * run held it by that find when the span was made before it, else got it (or, for a
	 * marker of a death or of no live span, held none) */
	existed = (flags & 8) && s->trace && s->seq < find_seq;
	if ((flags & 16) && !existed && (killed || !s->trace))
		return 0;
	if (!s->trace && !m->have_trace) { /* spans come with their trace */
		snprintf(m->why, sizeof(m->why), "span partial without its trace's");
		return -EBADMSG;
	}
	if (!m->sp->trace) { /* the first partial of this span */
		memcpy(s->trace_id, key, 16);
		memcpy(s->span_id, key + 17, 8);
		s->seq = seq;
		s->host = host;
		s->proc = proc;
		s->thr = thr;
		s->trace = &m->tr;
	} else if (thr != s->thr && !existed) {
		s->multi_thread = true;
	}
	if ((flags & 1) || (flags & 32) || (getter && getter != s->thr))
		s->multi_thread = true;
	if (killed && (!s->killed || kill_order < s->kill_order)) {
		s->killed = killed;
		s->killed_pid = killed_pid;
		s->killed_ns = killed_ns;
		s->kill_order = kill_order;
	}
	stats_merge(&s->st, &st);
	if (!s->ctx_first_ns)
		s->ctx_first_ns = ctx_first;
	if (ctx_last)
		s->ctx_last_ns = ctx_last;
	if (!s->pctx_set && (flags & 2)) {
		s->pctx_set = true;
		s->pctx = pctx;
		if (svc && !(s->service = ana_strndup(svc, svc_len)))
			return -ENOMEM;
	}
	n = get_u32(r);
	if (r->bad || n > (r->n - r->off) / 12)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		struct ana_thread *xt = get_ref(r, &c->threads);
		const struct ana_pctx *xp = get_ref(r, &c->pctxs);
		uint32_t alen = get_u32(r);
		const uint8_t *a = get_bytes(r, alen);

		if (r->bad)
			return -EBADMSG;
		ret = merge_ctx(s, xt, xp, a, alen);
		if (ret)
			return ret;
	}
	r->off = rows_off;
	ret = sc_rows(r, s);
	if (!ret && (flags & 64))
		ret = get_detail(c, r, s);
	return ret;
}

/* The span merged so far is whole: its loss flag, its place in the trace, span_fn. */
static int span_done(struct merge *m)
{
	struct ana_ctx *c = m->c;
	struct ana_span *s = m->sp;
	struct ana_trace *t = &m->tr;
	uint64_t a = s->st.syscalls ? s->st.first_ns : s->ctx_first_ns;
	uint64_t b = s->st.syscalls ? s->st.last_ns : s->ctx_last_ns;
	int ret = 0;

	m->sp = NULL;
	if (!s->trace) { /* only markers of holds the budget-off run had not */
		ana_span_free(s);
		return 0;
	}
	if (s->killed && (!t->killed || s->kill_order < m->kill_order)) {
		t->killed = s->killed;
		m->kill_order = s->kill_order;
	}
	if (s->ctx_first_ns && s->ctx_first_ns < a)
		a = s->ctx_first_ns;
	if (a && ana_loss_overlaps(c, s->host, s->proc ? s->proc->pid : 0, a, b)) {
		s->incomplete = true;
		t->incomplete = true;
	}
	t->nspans++;
	t->hosts_mask |= 1ull << (s->host < 63 ? s->host : 63);
	if (m->each->span_fn)
		ret = m->each->span_fn(c, s, m->each->arg);
	if (m->each->trace_fn) {
		if (t->spans_tail)
			t->spans_tail->next_in_trace = s;
		else
			t->spans = s;
		t->spans_tail = s;
	} else {
		ana_span_free(s);
	}
	return ret;
}

static void trace_reset(struct merge *m)
{
	for (struct ana_span *s = m->tr.spans, *nx; s; s = nx) {
		nx = s->next_in_trace;
		ana_span_free(s);
	}
	free(m->tr.procs);
	free(m->tr.threads);
	memset(&m->tr, 0, sizeof(m->tr));
	m->procs_cap = m->threads_cap = 0;
	m->kill_order = 0;
	m->have_trace = false;
}

static int trace_done(struct merge *m)
{
	int ret = 0;

	if (m->sp)
		ret = span_done(m);
	if (!ret && m->have_trace && m->each->trace_fn)
		ret = m->each->trace_fn(m->c, &m->tr, m->each->arg);
	trace_reset(m);
	return ret;
}

static int merge_all(struct ana_ctx *c, const struct ana_each *each)
{
	struct merge m = { .c = c, .each = each };
	struct ana_sorted rec;
	uint8_t last[KEY_LEN];
	uint64_t nrec = 0;
	int ret = 0, more;

	while ((more = ana_sorter__next(c->spill, &rec)) == 1) {
		struct cur r = { rec.val, rec.vlen, 0, false };

		nrec++;
		if (rec.klen != KEY_LEN || rec.key[16] > 1) {
			ret = -EBADMSG;
			break;
		}
		if (nrec > 1 && memcmp(last, rec.key, 16)) {
			ret = trace_done(&m);
			if (ret)
				break;
		}
		if (rec.key[16] == 0) {
			if (m.sp) { /* a trace partial sorts before its spans */
				ret = -EBADMSG;
				break;
			}
			ret = merge_trace_part(&m, rec.key, &r);
		} else {
			if (m.sp && memcmp(last + 17, rec.key + 17, 8)) {
				ret = span_done(&m);
				if (ret)
					break;
			}
			if (!m.sp && !(m.sp = calloc(1, sizeof(*m.sp)))) {
				ret = -ENOMEM;
				break;
			}
			ret = merge_span_part(&m, rec.key, &r);
		}
		if (ret)
			break;
		memcpy(last, rec.key, KEY_LEN);
	}
	if (more < 0) {
		snprintf(c->spill_err, sizeof(c->spill_err), "%s", ana_sorter__error(c->spill));
		ret = more;
	} else if (ret == -EBADMSG) {
		snprintf(c->spill_err, sizeof(c->spill_err),
			 "spill file: partial %llu of the merge is malformed%s%s",
			 (unsigned long long)nrec, m.why[0] ? ": " : "", m.why);
	} else if (ret == -ENOMEM) {
		snprintf(c->spill_err, sizeof(c->spill_err), "out of memory");
	}
	if (!ret)
		ret = trace_done(&m);
	if (m.sp)
		ana_span_free(m.sp);
	trace_reset(&m);
	return ret;
}

int ana_traces_each(struct ana_ctx *c, const struct ana_each *each)
{
	int ret = 0;

	if (c->spill)
		return merge_all(c, each);
	for (uint32_t i = 0; i < c->spans.n && each->span_fn && !ret; i++)
		ret = each->span_fn(c, c->spans.v[i], each->arg);
	for (uint32_t i = 0; i < c->traces.n && each->trace_fn && !ret; i++)
		ret = each->trace_fn(c, c->traces.v[i], each->arg);
	return ret;
}
