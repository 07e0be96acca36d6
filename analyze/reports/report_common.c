// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_common.c - helpers shared by the report files.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

/*
 * Two hosts of one name are two boots (hosts are told apart by boot id and name): each is then
 * named name@BOOT, BOOT the first 8 hex digits of its boot id (as --boot selects it).
 */
const char *ana_host_name(const struct ana_ctx *c, uint32_t host)
{
	struct ana_host *h = host < c->hosts.n ? c->hosts.v[host] : NULL;
	const char *name = h && h->hostname && h->hostname[0] ? h->hostname : "?";
	char hx[9];

	if (!h)
		return name;
	if (h->display)
		return h->display;
	for (uint32_t i = 0; i < c->hosts.n; i++) {
		const struct ana_host *o = c->hosts.v[i];

		if (o != h && o->hostname && !strcmp(o->hostname, h->hostname ? h->hostname : "")) {
			ana_fmt_hex(hx, h->boot_id, 4);
			if (asprintf(&h->display, "%s@%s", name, hx) < 0)
				h->display = NULL;
			return h->display ? h->display : name;
		}
	}
	return name;
}

bool ana_multi_host(const struct ana_ctx *c)
{
	return c->hosts.n > 1;
}

void ana_json_head(struct ana_json *j, const struct ana_report *r, const char *command)
{
	ana_json_obj(j, NULL);
	ana_json_str(j, "command", command);
	ana_json_arr(j, "inputs");
	for (uint32_t i = 0; i < r->c->ninputs; i++)
		ana_json_str(j, NULL, r->c->inputs[i].name);
	ana_json_end(j, false);
	ana_json_arr(j, "warnings");
	for (uint32_t i = 0; i < r->c->warnings.n; i++)
		ana_json_str(j, NULL, r->c->warnings.v[i]);
	ana_json_end(j, false);
}

void ana_json_trace_hosts(struct ana_json *j, const struct ana_ctx *c, const struct ana_trace *tr)
{
	ana_json_arr(j, "hosts");
	for (uint32_t h = 0; h < c->hosts.n && h < 64; h++)
		if (tr->hosts_mask & (1ull << h))
			ana_json_bytes(j, NULL, ana_host_name(c, h));
	ana_json_end(j, false);
}

void ana_json_stats(struct ana_json *j, const char *key, const struct ana_stats *s)
{
	ana_json_obj(j, key);
	ana_json_u64(j, "syscalls", s->syscalls);
	ana_json_u64(j, "errors", s->errors);
	ana_json_u64(j, "time_ns", s->time_ns);
	ana_json_u64(j, "bytes_read", s->bytes_read);
	ana_json_u64(j, "bytes_written", s->bytes_written);
	ana_json_u64(j, "first_ns", s->first_ns);
	ana_json_u64(j, "last_ns", s->last_ns);
	ana_json_end(j, true);
}

void ana_json_host_pids(struct ana_json *j, int64_t ret_host_pid, const int64_t arg_host_pid[6])
{
	bool any = false;

	if (ret_host_pid > 0)
		ana_json_i64(j, "ret_host_pid", ret_host_pid);
	else if (ret_host_pid == ANA_HOST_PID_UNKNOWN)
		ana_json_null(j, "ret_host_pid");
	for (int i = 0; i < 6; i++) {
		if (!arg_host_pid[i])
			continue;
		if (!any)
			ana_json_arr(j, "arg_host_pid");
		any = true;
		ana_json_obj(j, NULL);
		ana_json_i64(j, "arg", i);
		if (arg_host_pid[i] > 0)
			ana_json_i64(j, "host_pid", arg_host_pid[i]);
		else
			ana_json_null(j, "host_pid");
		ana_json_end(j, true);
	}
	if (any)
		ana_json_end(j, false);
}

void ana_report_clock_day(const struct ana_ctx *c)
{
	uint64_t day_ns = 0;

	for (uint32_t i = 0; i < c->hosts.n; i++) {
		const struct ana_host *h = c->hosts.v[i];

		if (h->first_ns && (!day_ns || h->first_ns < day_ns))
			day_ns = h->first_ns;
	}
	if (day_ns)
		ana_fmt_clock_day(day_ns);
}

void ana_json_killed(struct ana_json *j, int32_t status)
{
	char kb[48];

	if (*ana_fmt_killed(kb, sizeof(kb), status))
		ana_json_str(j, "killed", kb);
	else
		ana_json_null(j, "killed");
}

const char *ana_flags_text(char *buf, size_t sz, bool incomplete, int32_t killed)
{
	char kb[48];

	if (!*ana_fmt_killed(kb, sizeof(kb), killed))
		return incomplete ? "incomplete" : "-";
	snprintf(buf, sz, "%skilled:%s", incomplete ? "incomplete," : "", kb);
	return buf;
}

void ana_json_hist(struct ana_json *j, const struct ana_hist *h)
{
	ana_json_u64(j, "p50_ns", ana_hist_percentile(h, 50));
	ana_json_u64(j, "p90_ns", ana_hist_percentile(h, 90));
	ana_json_u64(j, "p99_ns", ana_hist_percentile(h, 99));
	ana_json_u64(j, "max_ns", h->max);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *ana_trace_services(const struct ana_trace *t)
{
	const char **v = calloc(t->nspans + 1, sizeof(*v));
	size_t n = 0, len = 2;
	char *out;

	if (!v)
		return NULL;
	/* the services the trace's syscalls ran under, as their spans saw them */
	for (const struct ana_span *s = t->spans; s && n < t->nspans; s = s->next_in_trace)
		if (s->st.syscalls && ana_span_service(s))
			v[n++] = ana_span_service(s);
	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = malloc(len);
	if (out) {
		out[0] = 0;
		for (size_t i = 0; i < n; i++) {
			if (i && !strcmp(v[i], v[i - 1]))
				continue;
			if (out[0])
				strcat(out, ",");
			strcat(out, v[i]);
		}
		if (!out[0])
			strcpy(out, "-");
	}
	free(v);
	return out;
}

uint64_t ana_span_start(const struct ana_span *s)
{
	return s->st.syscalls ? s->st.first_ns : s->ctx_first_ns;
}

uint64_t ana_span_end(const struct ana_span *s)
{
	return s->st.syscalls ? s->st.last_ns : s->ctx_last_ns;
}

/* "k=v k=v" of n resolved attributes appended at buf + o; returns the new length. */
static size_t attrs_text(const struct ana_attr *a, unsigned int n, char *buf, size_t sz,
			 size_t o)
{
	char k[300], v[600];

	for (unsigned int i = 0; i < n && o + 1 < sz; i++) {
		int w = snprintf(buf + o, sz - o, "%s%s=%s", i ? " " : "",
				 ana_fmt_escape(k, sizeof(k), a[i].key, strlen(a[i].key)),
				 ana_fmt_escape(v, sizeof(v), a[i].val, a[i].val_len));

		if (w < 0)
			break;
		o += (size_t)w < sz - o ? (size_t)w : sz - o - 1;
	}
	return o;
}

char *ana_span_attr_text(const struct ana_span *s, char *buf, size_t sz)
{
	struct ana_attr a[256];
	char *first, *one;
	bool same = true;
	size_t o = 0;

	buf[0] = 0;
	attrs_text(a, ana_span_attrs(s, a, 256), buf, sz, 0);
	if (s->nctxs <= 1)
		return buf;
	/* several threads: each one's own values, never one thread's for another's; once when
	 * they all agree */
	first = malloc(sz);
	one = malloc(sz);
	if (first && one) {
		first[0] = 0;
		attrs_text(a, ana_span_ctx_attrs(s, 0, a, 256), first, sz, 0);
		for (uint32_t i = 1; i < s->nctxs && same; i++) {
			one[0] = 0;
			attrs_text(a, ana_span_ctx_attrs(s, i, a, 256), one, sz, 0);
			same = !strcmp(one, first);
		}
	}
	free(first);
	free(one);
	if (same)
		return buf;
	buf[0] = 0;
	for (uint32_t i = 0; i < s->nctxs && o + 1 < sz; i++) {
		unsigned int n = ana_span_ctx_attrs(s, i, a, 256);
		int w = snprintf(buf + o, sz - o, "%stid %u:%s", i ? "; " : "",
				 s->ctxs[i].thr ? s->ctxs[i].thr->tid : 0, n ? " " : " -");

		if (w < 0)
			break;
		o += (size_t)w < sz - o ? (size_t)w : sz - o - 1;
		o = attrs_text(a, n, buf, sz, o);
	}
	return buf;
}

static void json_attrs(struct ana_json *j, const char *key, const struct ana_attr *a,
		       unsigned int n)
{
	ana_json_obj(j, key);
	for (unsigned int i = 0; i < n; i++)
		ana_json_bytesn(j, a[i].key, a[i].val, a[i].val_len);
	ana_json_end(j, true);
}

void ana_json_span_attrs(struct ana_json *j, const struct ana_span *s)
{
	struct ana_attr a[256];

	json_attrs(j, "attributes", a, ana_span_attrs(s, a, 256));
	if (s->nctxs <= 1)
		return;
	ana_json_arr(j, "thread_attributes");
	for (uint32_t i = 0; i < s->nctxs; i++) {
		ana_json_obj(j, NULL);
		ana_json_u64(j, "tid", s->ctxs[i].thr ? s->ctxs[i].thr->tid : 0);
		json_attrs(j, "attributes", a, ana_span_ctx_attrs(s, i, a, 256));
		ana_json_end(j, true);
	}
	ana_json_end(j, false);
}

char *ana_pctx_attr_text(const struct ana_pctx *x, char *buf, size_t sz)
{
	char k[300], v[600];
	size_t o = 0;

	buf[0] = 0;
	for (uint32_t i = 0; x && i < x->nextra && o + 1 < sz; i++) {
		const struct ana_kv *kv = &x->extra[i];
		int w;

		if (!kv->key || !kv->val)
			continue;
		w = snprintf(buf + o, sz - o, "%s%s=%s", o ? " " : "",
			     ana_fmt_escape(k, sizeof(k), kv->key, strlen(kv->key)),
			     ana_fmt_escape(v, sizeof(v), kv->val, strlen(kv->val)));
		if (w < 0)
			break;
		o += (size_t)w < sz - o ? (size_t)w : sz - o - 1;
	}
	return buf;
}

void ana_json_pctx(struct ana_json *j, const struct ana_pctx *x)
{
	ana_json_obj(j, "resource");
	for (uint32_t k = 0; x && k < x->nres; k++)
		if (x->res[k].key)
			ana_json_bytes(j, x->res[k].key, x->res[k].val);
	ana_json_end(j, true);
	ana_json_obj(j, "attributes");
	for (uint32_t k = 0; x && k < x->nextra; k++)
		if (x->extra[k].key)
			ana_json_bytes(j, x->extra[k].key, x->extra[k].val);
	ana_json_end(j, true);
}

bool ana_row_shown(const struct ana_ctx *c, const struct ana_stats *st)
{
	return st->syscalls || !ana_filter_syscall_only(&c->o.f);
}

const char *ana_span_service(const struct ana_span *s)
{
	if (s->pctx_set)
		return s->service;
	return s->proc ? s->proc->service : NULL;
}

const char *ana_proc_label(const struct ana_proc *p)
{
	return p && p->comm ? p->comm : "?";
}
