// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_traces.c - `traces`: one row per trace, sortable.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

static enum ana_sort sort_key;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int trace_cmp(const void *a, const void *b)
{
	const struct ana_trace *x = *(void *const *)a;
	const struct ana_trace *y = *(void *const *)b;
	int r = 0;

	switch (sort_key) {
	case ANA_SORT_SYSCALLS:
		r = cmp_u64_desc(x->st.syscalls, y->st.syscalls);
		break;
	case ANA_SORT_TIME:
		r = cmp_u64_desc(x->st.time_ns, y->st.time_ns);
		break;
	case ANA_SORT_BYTES:
		r = cmp_u64_desc(x->st.bytes_read + x->st.bytes_written,
				 y->st.bytes_read + y->st.bytes_written);
		break;
	case ANA_SORT_ERRORS:
		r = cmp_u64_desc(x->st.errors, y->st.errors);
		break;
	default: /* start */
		r = -cmp_u64_desc(x->st.first_ns, y->st.first_ns);
	}
	return r ? r : memcmp(x->id, y->id, 16);
}

static bool trace_shown(const struct ana_ctx *c, const void *item)
{
	const struct ana_trace *tr = item;

	return ana_row_shown(c, &tr->st);
}

/* One trace's row. */
static void trace_row(struct ana_listing *l, void *item)
{
	struct ana_report *r = l->r;
	struct ana_ctx *c = r->c;
	struct ana_json *j = &l->j;
	struct ana_table *t = &l->t;
	struct ana_trace *tr = item;
	char *svc = ana_trace_services(tr);
	char hx[33], d[24], ts[32], hosts[256] = "", fl[64];

	for (uint32_t h = 0; h < c->hosts.n && h < 64; h++)
		if (tr->hosts_mask & (1ull << h))
			snprintf(hosts + strlen(hosts), sizeof(hosts) - strlen(hosts), "%s%s",
				 hosts[0] ? "," : "", ana_host_name(c, h));
	if (r->json) {
		ana_json_obj(j, NULL);
		ana_json_hex(j, "trace_id", tr->id, 16);
		ana_json_arr(j, "services");
		for (char *s = svc, *e; s && strcmp(s, "-"); s = e + 1) {
			e = strchr(s, ',');
			ana_json_bytesn(j, NULL, s, e ? (size_t)(e - s) : strlen(s));
			if (!e)
				break;
		}
		ana_json_end(j, false);
		ana_json_trace_hosts(j, c, tr);
		ana_json_u64(j, "processes", tr->nprocs);
		ana_json_u64(j, "threads", tr->nthreads);
		ana_json_u64(j, "spans", tr->nspans);
		ana_json_stats(j, "stats", &tr->st);
		ana_json_bool(j, "incomplete", tr->incomplete);
		ana_json_killed(j, tr->killed);
		ana_json_end(j, true);
	} else {
		ana_table_cell(t, "%s", ana_fmt_hex(hx, tr->id, 16));
		ana_table_cell(t, "%s", svc ? svc : "?");
		ana_table_cell(t, "%s", hosts);
		ana_table_cell(t, "%u", tr->nprocs);
		ana_table_cell(t, "%u", tr->nthreads);
		ana_table_cell(t, "%u", tr->nspans);
		ana_table_cell(t, "%" PRIu64, tr->st.syscalls);
		ana_table_cell(t, "%s", ana_fmt_dur(d, sizeof(d), tr->st.time_ns));
		ana_table_cell(t, "%" PRIu64, tr->st.bytes_read);
		ana_table_cell(t, "%" PRIu64, tr->st.bytes_written);
		ana_table_cell(t, "%" PRIu64, tr->st.errors);
		ana_table_cell(t, "%s",
			       tr->st.syscalls ? ana_fmt_ts_clock(ts, sizeof(ts), tr->st.first_ns)
					       : "-");
		ana_table_cell(t, "%s", ana_flags_text(fl, sizeof(fl), tr->incomplete, tr->killed));
	}
	free(svc);
}

int ana_report_traces(struct ana_report *r)
{
	static const char *const heads[] = { "TRACE", "SERVICE", "HOSTS", "PROCS", "THREADS",
					     "SPANS", "SYSCALLS", "TIME", "READ", "WRITTEN",
					     "ERRORS", "START", "FLAGS" };
	struct ana_ctx *c = r->c;
	struct ana_listing l;
	uint32_t n;
	void **v;

	sort_key = r->sort;
	v = ana_rows_select(r, &c->traces, trace_shown, trace_cmp, &n);
	if (!v)
		return 1;
	ana_listing_begin(&l, r, "traces");
	ana_listing_rows(&l, "traces", 13, heads, "lllrrrrrrrrll");
	ana_listing_each(&l, v, n, trace_row);
	ana_listing_end(&l);
	free(v);
	return 0;
}
