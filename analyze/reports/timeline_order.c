// SPDX-License-Identifier: BSD-2-Clause
/*
 * timeline_order.c - the timeline's reorder buffer (see timeline_order.h): a min-heap of
 * pending lines by leading time, then arrival.
 */
#include <stdlib.h>
#include <string.h>

#include "timeline_order.h"

void ana_tl_line_free(struct ana_tl_line *l)
{
	free(l->text);
	free(l->ret);
	free(l->target);
	free(l->name);
	l->text = l->ret = l->target = l->name = NULL;
}

uint64_t ana_tl_line_exit_ns(const struct ana_tl_line *l)
{
	if (l->type == SCF_REC_SYSCALL && !l->no_exit && l->ts_ns + l->dur_ns >= l->ts_ns)
		return l->ts_ns + l->dur_ns;
	return l->ts_ns;
}

void ana_tl_order_init(struct ana_tl_order *o, ana_tl_emit_fn emit, void *arg)
{
	memset(o, 0, sizeof(*o));
	o->window_ns = ANA_TL_WINDOW_NS_DEFAULT;
	o->max_pending = ANA_TL_MAX_PENDING_DEFAULT;
	o->emit = emit;
	o->emit_arg = arg;
}

static bool before(const struct ana_tl_line *a, const struct ana_tl_line *b)
{
	return a->ts_ns != b->ts_ns ? a->ts_ns < b->ts_ns : a->seq < b->seq;
}

static void swap(struct ana_tl_line *a, struct ana_tl_line *b)
{
	struct ana_tl_line t = *a;

	*a = *b;
	*b = t;
}

/* Gives out the earliest pending line. */
static void pop_one(struct ana_tl_order *o)
{
	struct ana_tl_line top = o->heap[0];
	size_t i = 0;

	o->heap[0] = o->heap[--o->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < o->n && before(&o->heap[l], &o->heap[m]))
			m = l;
		if (r < o->n && before(&o->heap[r], &o->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(&o->heap[i], &o->heap[m]);
		i = m;
	}
	if (!o->any_out || top.ts_ns > o->last_out)
		o->last_out = top.ts_ns;
	o->any_out = true;
	o->emit(&top, o->emit_arg);
	ana_tl_line_free(&top);
}

int ana_tl_order_push(struct ana_tl_order *o, struct ana_tl_line *l)
{
	uint64_t exit_ns = ana_tl_line_exit_ns(l), mark;
	size_t i;

	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 256;
		struct ana_tl_line *nh = realloc(o->heap, ncap * sizeof(*nh));

		if (!nh) {
			ana_tl_line_free(l);
			return -1;
		}
		o->heap = nh;
		o->cap = ncap;
	}
	if (exit_ns > o->latest_exit)
		o->latest_exit = exit_ns;
	/* later lines went out already: this one goes at its exit, as strace's "resumed" */
	if (o->any_out && l->ts_ns < o->last_out && exit_ns > l->ts_ns) {
		l->resumed = true;
		l->entry_ns = l->ts_ns;
		l->ts_ns = exit_ns;
		o->resumed++;
	}
	l->seq = o->seq++;
	i = o->n++;
	o->heap[i] = *l;
	while (i && before(&o->heap[i], &o->heap[(i - 1) / 2])) {
		swap(&o->heap[i], &o->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	memset(l, 0, sizeof(*l));
	mark = o->latest_exit > o->window_ns ? o->latest_exit - o->window_ns : 0;
	while (o->n && o->heap[0].ts_ns <= mark)
		pop_one(o);
	while (o->n > o->max_pending) {
		o->overflowed++;
		pop_one(o);
	}
	return 0;
}

void ana_tl_order_flush(struct ana_tl_order *o)
{
	while (o->n)
		pop_one(o);
}

void ana_tl_order_free(struct ana_tl_order *o)
{
	for (size_t i = 0; i < o->n; i++)
		ana_tl_line_free(&o->heap[i]);
	free(o->heap);
	o->heap = NULL;
	o->n = o->cap = 0;
}
