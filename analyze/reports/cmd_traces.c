// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_traces.c - `traces`: one row per trace, sortable.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

#include "spill_sort.h"

/* The sort key of a row: the --sort value (descending but for start), then the id, as bytes. */
static void trace_key(uint8_t k[24], enum ana_sort sort, const struct ana_trace *tr)
{
	uint64_t v;

	switch (sort) {
	case ANA_SORT_SYSCALLS:
		v = ~tr->st.syscalls;
		break;
	case ANA_SORT_TIME:
		v = ~tr->st.time_ns;
		break;
	case ANA_SORT_BYTES:
		v = ~(tr->st.bytes_read + tr->st.bytes_written);
		break;
	case ANA_SORT_ERRORS:
		v = ~tr->st.errors;
		break;
	default: /* start */
		v = tr->st.first_ns;
	}
	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)(v >> (8 * (7 - i)));
	memcpy(k + 8, tr->id, 16);
}

static int trace_row(struct ana_ctx *c, const struct ana_trace *tr, void *arg)
{
	struct ana_listing *l = arg;
	struct ana_report *r = l->r;
	struct ana_json *j = &l->j;
	struct ana_table *t = &l->t;
	char *svc;
	char hx[33], d[24], ts[32], hosts[256] = "", fl[64];
	uint8_t key[24];

	if (!ana_row_shown(c, &tr->st))
		return 0;
	if (ana_listing_row_begin(l))
		return 1;
	svc = ana_trace_services(tr);
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
	trace_key(key, r->sort, tr);
	return ana_listing_row_end(l, key, sizeof(key));
}

int ana_report_traces(struct ana_report *r)
{
	static const char *const heads[] = { "TRACE", "SERVICE", "HOSTS", "PROCS", "THREADS",
					     "SPANS", "SYSCALLS", "TIME", "READ", "WRITTEN",
					     "ERRORS", "START", "FLAGS" };
	struct ana_each each = { .trace_fn = trace_row };

	return ana_listing_each_row(r, "traces", 13, heads, "lllrrrrrrrrll", &each);
}
