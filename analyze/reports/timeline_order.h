/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * timeline_order.h - puts timeline lines back in time order. Records arrive in exit order (the
 * capture emits a syscall when it returns) but a line starts with the entry time: lines wait in
 * a bounded reorder buffer (a min-heap by leading time) until the latest exit seen is more than
 * a window past them. A syscall that arrives after later lines were already given out (it ran
 * longer than the window) comes out at its exit time, marked resumed, strace-style, so that the
 * leading times never decrease.
 */
#ifndef ANA_TIMELINE_ORDER_H
#define ANA_TIMELINE_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define ANA_TL_WINDOW_NS_DEFAULT 1000000000ull /* 1 s */
#define ANA_TL_MAX_PENDING_DEFAULT 100000

/* Receives each line in order; the line is freed after the call. */
typedef void (*ana_tl_emit_fn)(const struct ana_tl_line *l, void *arg);

struct ana_tl_order {
	uint64_t window_ns; /* how long a line waits for earlier ones */
	size_t max_pending; /* past it the oldest line goes out at once */
	ana_tl_emit_fn emit;
	void *emit_arg;
	/* state */
	struct ana_tl_line *heap;
	size_t n, cap;
	uint64_t seq;	      /* arrival number: ties keep arrival order */
	uint64_t latest_exit; /* the latest exit time seen */
	uint64_t last_out;    /* leading time of the last line given out */
	uint64_t overflowed;  /* lines given out early because the buffer was full */
	uint64_t resumed;     /* lines that came out at their exit time */
	bool any_out;
};

/* Sets the defaults, then the caller may change window_ns and max_pending. */
void ana_tl_order_init(struct ana_tl_order *o, ana_tl_emit_fn emit, void *arg);
/* Takes the line (its strings are owned from now on, freed after emission, also on failure);
 * gives out every line now due. Returns 0, or -1 when out of memory. */
int ana_tl_order_push(struct ana_tl_order *o, struct ana_tl_line *l);
/* Gives out every pending line, in order. */
void ana_tl_order_flush(struct ana_tl_order *o);
/* Frees pending lines without giving them out. */
void ana_tl_order_free(struct ana_tl_order *o);
/* The time a line's record was emitted: a syscall's exit, another line's own time. */
uint64_t ana_tl_line_exit_ns(const struct ana_tl_line *l);
void ana_tl_line_free(struct ana_tl_line *l);

#endif
