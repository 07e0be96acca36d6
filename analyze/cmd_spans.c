// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_spans.c - `spans`: one row per span, in time order.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

static int span_cmp(const void *a, const void *b)
{
	const struct ana_span *x = *(const struct ana_span *const *)a;
	const struct ana_span *y = *(const struct ana_span *const *)b;
	uint64_t sx = ana_span_start(x), sy = ana_span_start(y);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ana_report_spans(struct ana_report *r)
{
	static const char *const heads[] = { "TRACE", "SPAN", "SERVICE", "PID", "TID", "START",
					     "DURATION", "SYSCALLS", "TIME", "READ", "WRITTEN",
					     "ERRORS", "FLAGS", "ATTRIBUTES" };
	struct ana_ctx *c = r->c;
	struct ana_span **v = calloc(c->spans.n + 1, sizeof(*v));
	uint32_t n = 0;
	struct ana_table t;
	struct ana_json j;

	if (!v) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return 1;
	}
	for (uint32_t i = 0; i < c->spans.n; i++) {
		struct ana_span *s = c->spans.v[i];

		if (ana_row_shown(c, &s->st))
			v[n++] = s;
	}
	qsort(v, n, sizeof(*v), span_cmp);
	if (r->json) {
		ana_json_init(&j, r->out);
		ana_json_head(&j, r, "spans");
		ana_json_arr(&j, "spans");
	} else {
		ana_table_init(&t, 14, heads, "llllrlrrrrrrll");
	}
	for (uint32_t i = 0; i < n; i++) {
		struct ana_span *s = v[i];
		char hx[33], sx[17], d[24], d2[24], ts[32], attrs[2048];
		const char *svc = s->proc && s->proc->service ? s->proc->service : "-";

		if (r->json) {
			ana_json_obj(&j, NULL);
			ana_json_hex(&j, "trace_id", s->trace_id, 16);
			ana_json_hex(&j, "span_id", s->span_id, 8);
			ana_json_str(&j, "host", ana_host_name(c, s->host));
			ana_json_str(&j, "service", s->proc ? s->proc->service : NULL);
			ana_json_u64(&j, "pid", s->proc ? s->proc->pid : 0);
			ana_json_u64(&j, "tid", s->thr ? s->thr->tid : 0);
			ana_json_bool(&j, "multi_thread", s->multi_thread);
			ana_json_u64(&j, "start_ns", ana_span_start(s));
			ana_json_u64(&j, "end_ns", ana_span_end(s));
			ana_json_stats(&j, "stats", &s->st);
			ana_json_bool(&j, "incomplete", s->incomplete);
			ana_json_span_attrs(&j, s);
			ana_json_end(&j, true);
			continue;
		}
		ana_table_cell(&t, "%s", ana_fmt_hex(hx, s->trace_id, 16));
		ana_table_cell(&t, "%s", ana_fmt_hex(sx, s->span_id, 8));
		ana_table_cell(&t, "%s", svc);
		ana_table_cell(&t, "%u", s->proc ? s->proc->pid : 0);
		ana_table_cell(&t, "%u%s", s->thr ? s->thr->tid : 0, s->multi_thread ? "+" : "");
		ana_table_cell(&t, "%s", ana_fmt_ts_clock(ts, sizeof(ts), ana_span_start(s)));
		ana_table_cell(&t, "%s",
			       ana_fmt_dur(d, sizeof(d), ana_span_end(s) - ana_span_start(s)));
		ana_table_cell(&t, "%" PRIu64, s->st.syscalls);
		ana_table_cell(&t, "%s", ana_fmt_dur(d2, sizeof(d2), s->st.time_ns));
		ana_table_cell(&t, "%" PRIu64, s->st.bytes_read);
		ana_table_cell(&t, "%" PRIu64, s->st.bytes_written);
		ana_table_cell(&t, "%" PRIu64, s->st.errors);
		ana_table_cell(&t, "%s", s->incomplete ? "incomplete" : "-");
		ana_table_cell(&t, "%s", ana_span_attr_text(s, attrs, sizeof(attrs)));
	}
	if (r->json) {
		ana_json_end(&j, false);
		ana_json_end(&j, true);
		ana_json_finish(&j);
	} else {
		ana_table_print(&t, r->out, 0);
		ana_table_free(&t);
	}
	free(v);
	return 0;
}
