// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_spans.c - `spans`: one row per span, in time order.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

static int span_row(struct ana_ctx *c, const struct ana_span *s, void *arg)
{
	struct ana_listing *l = arg;
	struct ana_json *j = &l->j;
	struct ana_table *t = &l->t;
	char hx[33], sx[17], d[24], d2[24], ts[32], attrs[2048], fl[64];
	const char *svc = ana_span_service(s) ? ana_span_service(s) : "-";
	uint64_t start = ana_span_start(s);
	uint8_t key[12];

	if (!ana_row_shown(c, &s->st))
		return 0;
	if (ana_listing_row_begin(l))
		return 1;
	if (l->r->json) {
		ana_json_obj(j, NULL);
		ana_json_hex(j, "trace_id", s->trace_id, 16);
		ana_json_hex(j, "span_id", s->span_id, 8);
		ana_json_str(j, "host", ana_host_name(c, s->host));
		ana_json_str(j, "service", ana_span_service(s));
		ana_json_u64(j, "pid", s->proc ? s->proc->pid : 0);
		ana_json_u64(j, "tid", s->thr ? s->thr->tid : 0);
		ana_json_bool(j, "multi_thread", s->multi_thread);
		ana_json_u64(j, "start_ns", start);
		ana_json_u64(j, "end_ns", ana_span_end(s));
		ana_json_stats(j, "stats", &s->st);
		ana_json_bool(j, "incomplete", s->incomplete);
		ana_json_killed(j, s->killed);
		ana_json_span_attrs(j, s);
		ana_json_end(j, true);
	} else {
		ana_table_cell(t, "%s", ana_fmt_hex(hx, s->trace_id, 16));
		ana_table_cell(t, "%s", ana_fmt_hex(sx, s->span_id, 8));
		ana_table_cell(t, "%s", svc);
		ana_table_cell(t, "%u", s->proc ? s->proc->pid : 0);
		ana_table_cell(t, "%u%s", s->thr ? s->thr->tid : 0, s->multi_thread ? "+" : "");
		ana_table_cell(t, "%s", ana_fmt_ts_clock(ts, sizeof(ts), start));
		ana_table_cell(t, "%s", ana_fmt_dur(d, sizeof(d), ana_span_end(s) - start));
		ana_table_cell(t, "%" PRIu64, s->st.syscalls);
		ana_table_cell(t, "%s", ana_fmt_dur(d2, sizeof(d2), s->st.time_ns));
		ana_table_cell(t, "%" PRIu64, s->st.bytes_read);
		ana_table_cell(t, "%" PRIu64, s->st.bytes_written);
		ana_table_cell(t, "%" PRIu64, s->st.errors);
		ana_table_cell(t, "%s", ana_flags_text(fl, sizeof(fl), s->incomplete, s->killed));
		ana_table_cell(t, "%s", ana_span_attr_text(s, attrs, sizeof(attrs)));
	}
	/* time order: start, then the order the replay made them in (ana_span_order) */
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(start >> (8 * (7 - i)));
	for (int i = 0; i < 4; i++)
		key[8 + i] = (uint8_t)(s->seq >> (8 * (3 - i)));
	return ana_listing_row_end(l, key, sizeof(key));
}

int ana_report_spans(struct ana_report *r)
{
	static const char *const heads[] = { "TRACE", "SPAN", "SERVICE", "PID", "TID", "START",
					     "DURATION", "SYSCALLS", "TIME", "READ", "WRITTEN",
					     "ERRORS", "FLAGS", "ATTRIBUTES" };
	struct ana_each each = { .span_fn = span_row };

	return ana_listing_each_row(r, "spans", 14, heads, "llllrlrrrrrrll", &each);
}
