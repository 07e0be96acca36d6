// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_syscalls.c - `syscalls`: latency and error statistics per syscall, optionally per span
 * or per process (--by). The rows by span come with their spans (within the memory budget of
 * traces and spans, docs/SPILL.md) and are ordered through the row sort.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

static int group_cmp(const struct ana_sc_row *x, const struct ana_sc_row *y)
{
	if (x->group_kind == ANA_BY_SPAN)
		return ana_span_order(x->group, y->group);
	if (x->group_kind == ANA_BY_PROCESS)
		return ana_proc_order(x->group, y->group);
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct ana_sc_row *x = *(void *const *)a;
	const struct ana_sc_row *y = *(void *const *)b;
	int r = group_cmp(x, y);

	if (r)
		return r;
	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static void errnos_text(const struct ana_sc_row *w, char *buf, size_t sz)
{
	size_t o = 0;
	char eb[16];

	buf[0] = 0;
	for (int i = 0; i < SCF_SC_ERRNOS && w->errnos[i].n && o < sz; i++)
		o += (size_t)snprintf(buf + o, sz - o, "%s%s:%" PRIu64, i ? "," : "",
				      ana_fmt_errno(eb, sizeof(eb), w->errnos[i].err),
				      w->errnos[i].n);
	if (w->other_errnos && o < sz)
		snprintf(buf + o, sz - o, ",other:%" PRIu64, w->other_errnos);
	if (!buf[0])
		snprintf(buf, sz, "-");
}

/* One row, into the listing (a JSON object or the table's cells). */
static void row_out(struct ana_listing *l, struct ana_ctx *c, const struct ana_sc_row *w,
		    bool grouped)
{
	struct ana_json *j = &l->j;
	struct ana_table *t = &l->t;
	const struct scf_syscall_info *si = scf_syscall_info(w->nr);
	char nb[32], group[64], hx[33], sx[17], p[5][24], errs[256], eb[16];
	const char *name = scf_syscall_name(w->nr, nb, sizeof(nb));
	const char *cls = scf_class_name(si ? si->cls : SCF_CLASS_OTHER);

	group[0] = 0;
	if (w->group_kind == ANA_BY_SPAN) {
		const struct ana_span *s = w->group;

		snprintf(group, sizeof(group), "%s/%s", ana_fmt_hex(hx, s->trace_id, 16),
			 ana_fmt_hex(sx, s->span_id, 8));
	} else if (w->group_kind == ANA_BY_PROCESS) {
		const struct ana_proc *pr = w->group;

		snprintf(group, sizeof(group), "%s%s%u(%.16s)",
			 ana_multi_host(c) ? ana_host_name(c, pr->host) : "",
			 ana_multi_host(c) ? ":" : "", pr->pid, ana_proc_label(pr));
	}
	if (l->r->json) {
		ana_json_obj(j, NULL);
		if (w->group_kind == ANA_BY_SPAN) {
			const struct ana_span *s = w->group;

			ana_json_hex(j, "trace_id", s->trace_id, 16);
			ana_json_hex(j, "span_id", s->span_id, 8);
		} else if (w->group_kind == ANA_BY_PROCESS) {
			const struct ana_proc *pr = w->group;

			ana_json_bytes(j, "host", ana_host_name(c, pr->host));
			ana_json_u64(j, "pid", pr->pid);
			ana_json_bytes(j, "comm", pr->comm);
		}
		ana_json_str(j, "syscall", name);
		ana_json_u64(j, "nr", w->nr);
		ana_json_str(j, "class", cls);
		ana_json_u64(j, "count", w->count);
		ana_json_u64(j, "errors", w->errors);
		ana_json_u64(j, "no_exit", w->no_exit);
		ana_json_u64(j, "time_ns", w->time_ns);
		ana_json_hist(j, &w->hist);
		ana_json_obj(j, "errnos");
		for (int k = 0; k < SCF_SC_ERRNOS && w->errnos[k].n; k++)
			ana_json_u64(j, ana_fmt_errno(eb, sizeof(eb), w->errnos[k].err),
				     w->errnos[k].n);
		if (w->other_errnos)
			ana_json_u64(j, "other", w->other_errnos);
		ana_json_end(j, true);
		ana_json_end(j, true);
		return;
	}
	if (grouped)
		ana_table_cell(t, "%s", group);
	ana_table_cell(t, "%s", name);
	ana_table_cell(t, "%s", cls);
	ana_table_cell(t, "%" PRIu64, w->count);
	ana_table_cell(t, "%" PRIu64, w->errors);
	ana_table_cell(t, "%s", ana_fmt_dur(p[0], 24, w->time_ns));
	ana_table_cell(t, "%s", ana_fmt_dur(p[1], 24, ana_hist_percentile(&w->hist, 50)));
	ana_table_cell(t, "%s", ana_fmt_dur(p[2], 24, ana_hist_percentile(&w->hist, 90)));
	ana_table_cell(t, "%s", ana_fmt_dur(p[3], 24, ana_hist_percentile(&w->hist, 99)));
	ana_table_cell(t, "%s", ana_fmt_dur(p[4], 24, w->hist.max));
	errnos_text(w, errs, sizeof(errs));
	ana_table_cell(t, "%s", errs);
}

/*
 * --by span: each span's rows as ana_traces_each hands the span over (spilled ones merged),
 * through the row sort (report_rows.c) by the span's order, then the row's within the span.
 */
static int span_rows(struct ana_ctx *c, const struct ana_span *s, void *arg)
{
	struct ana_listing *l = arg;
	struct ana_sc_row **v;
	uint64_t start = ana_span_start(s);
	uint8_t key[16];
	int ret = 0;

	if (!s->nsc)
		return 0;
	v = malloc(s->nsc * sizeof(*v));
	if (!v) {
		snprintf(l->r->err, sizeof(l->r->err), "out of memory");
		return 1;
	}
	memcpy(v, s->sc, s->nsc * sizeof(*v));
	qsort(v, s->nsc, sizeof(*v), row_cmp);
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(start >> (8 * (7 - i)));
	for (int i = 0; i < 4; i++)
		key[8 + i] = (uint8_t)(s->seq >> (8 * (3 - i)));
	for (uint32_t i = 0; i < s->nsc && !ret; i++) {
		for (int k = 0; k < 4; k++)
			key[12 + k] = (uint8_t)(i >> (8 * (3 - k)));
		/* the row names its span: the one handed over now, valid during the call */
		v[i]->group = (void *)s;
		ret = ana_listing_row_begin(l);
		if (!ret) {
			row_out(l, c, v[i], true);
			ret = ana_listing_row_end(l, key, sizeof(key));
		}
	}
	free(v);
	return ret;
}

static const char *by_name(const struct ana_ctx *c)
{
	return c->o.by == ANA_BY_SPAN	   ? "span"
	       : c->o.by == ANA_BY_PROCESS ? "process"
					   : "syscall";
}

int ana_report_syscalls(struct ana_report *r)
{
	static const char *const heads[] = { "GROUP", "SYSCALL", "CLASS", "COUNT", "ERRORS",
					     "TIME", "P50", "P90", "P99", "MAX", "ERRNOS" };
	struct ana_ctx *c = r->c;
	struct ana_sc_table *st = &c->sc;
	bool grouped = c->o.by != ANA_BY_SYSCALL;
	unsigned int skip = grouped ? 0 : 1;
	struct ana_listing l;
	void **v;

	ana_listing_begin(&l, r, "syscalls");
	if (r->json)
		ana_json_str(&l.j, "by", by_name(c));
	ana_listing_rows(&l, "rows", 11 - skip, heads + skip, "lllrrrrrrrl" + skip);
	if (c->o.by == ANA_BY_SPAN) {
		struct ana_each each = { .span_fn = span_rows, .arg = &l };
		int ret;

		if (ana_listing_sorted(&l, c->o.memory_budget)) {
			ana_listing_end(&l);
			return 1;
		}
		ret = ana_traces_each(c, &each);
		if (ret < 0)
			snprintf(r->err, sizeof(r->err), "%.250s", c->spill_err);
		return ana_listing_end(&l) || ret ? 1 : 0;
	}
	v = ana_rows_alloc(r, st->n);
	if (!v) {
		ana_listing_end(&l);
		return 1;
	}
	for (uint32_t i = 0; i < st->n; i++)
		v[i] = st->rows[i];
	qsort(v, st->n, sizeof(*v), row_cmp);
	for (uint32_t i = 0; i < st->n; i++)
		row_out(&l, c, v[i], grouped);
	ana_listing_end(&l);
	free(v);
	return 0;
}
