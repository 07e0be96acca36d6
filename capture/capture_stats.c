// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_stats.c - --stats: one line of live counters on stderr per interval, and a final one.
 *
 *   spancap: stats 5.00s records=N bytes=N syscalls=N events=N events/s=N ringbuf_drops=N ...
 *
 * Every counter is named as the END record names it (scf_counter_name) and holds the value the
 * END record would hold at that moment, so a line and the file reconcile; events/s is the rate
 * since the previous line (on the final line, over the whole capture), procs and resolved
 * describe the process table (processes with an installed configuration, and those of them
 * whose thread context is located).
 */
#include <stdio.h>

#include "capture.h"

/* The END counters, in the order a reader expects: output, then input, then losses. */
static const uint32_t shown[] = {
	SCF_CNT_RECORDS,  SCF_CNT_BYTES,      SCF_CNT_EVENTS,	   SCF_CNT_RINGBUF_DROPS,
	SCF_CNT_MAP_FULL, SCF_CNT_WRITE_DROPS, SCF_CNT_ARG_FAULTS, SCF_CNT_CTX_FAULTS,
	SCF_CNT_CTX_INVALID, SCF_CNT_UNMATCHED,
};

void stats__init(struct stats *s, double interval_s, uint64_t now_ns)
{
	s->start_ns = now_ns;
	s->interval_ns = (uint64_t)(interval_s * 1e9);
	s->next_ns = now_ns + s->interval_ns;
	s->prev_ns = now_ns;
	s->prev_events = 0;
}

bool stats__due(const struct stats *s, uint64_t now_ns)
{
	return s->interval_ns && now_ns >= s->next_ns;
}

static uint32_t resolved_count(const struct proc_table *t)
{
	const struct ptab_entry *e;
	uint32_t pos = 0, n = 0;

	while (ptab__next(t, &pos, &e))
		n += e->cfg.kind != SC_TLS_NONE;
	return n;
}

void stats__print(struct stats *s, FILE *f, const struct recorder *r, const struct proc_table *t,
		  uint64_t now_ns, bool final)
{
	uint64_t events = recorder__counter(r, SCF_CNT_EVENTS);
	/* the final line sums the capture up: its rate is not the last fraction of a second's */
	uint64_t since_ns = final ? s->start_ns : s->prev_ns;
	uint64_t since_events = final ? 0 : s->prev_events;
	uint64_t dt = now_ns - since_ns;
	struct recorder_totals tot;
	char line[1024];
	int n;

	recorder__totals(r, &tot);
	n = snprintf(line, sizeof(line), "spancap: stats%s %.2fs syscalls=%llu",
		     final ? " final" : "", (now_ns - s->start_ns) / 1e9,
		     (unsigned long long)tot.syscalls);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]) && n < (int)sizeof(line); i++) {
		n += snprintf(line + n, sizeof(line) - n, " %s=%llu", scf_counter_name(shown[i]),
			      (unsigned long long)recorder__counter(r, shown[i]));
		if (shown[i] == SCF_CNT_EVENTS && n < (int)sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " events/s=%.0f",
				      dt ? (events - since_events) * 1e9 / dt : 0.0);
	}
	for (uint32_t id = SCF_CNT_RING_TRIGGERS;
	     recorder__ring_on(r) && id <= SCF_CNT_RING_OVERFLOWS && n < (int)sizeof(line); id++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%llu", scf_counter_name(id),
			      (unsigned long long)recorder__counter(r, id));
	if (n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " procs=%u resolved=%u", ptab__count(t),
			 resolved_count(t));
	fprintf(f, "%s\n", line);
	fflush(f);
	s->prev_ns = now_ns;
	s->prev_events = events;
	while (s->interval_ns && s->next_ns <= now_ns)
		s->next_ns += s->interval_ns;
}
