// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_processes.c - `processes`: every process seen, with its context resolution and the
 * syscalls selected.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

/* With --pid, that process; with a filter on syscalls, traces, spans or threads, the processes
 * that made a selected syscall; otherwise every one. */
static bool proc_shown(const struct ana_ctx *c, const void *item)
{
	const struct ana_filter *f = &c->o.f;
	const struct ana_proc *p = item;

	if (f->has_pid && p->pid != f->pid)
		return false;
	return p->st.syscalls || (!ana_filter_syscall_only(f) && !f->trace_nibbles &&
				  !f->span_nibbles && !f->has_tid);
}

int ana_report_processes(struct ana_report *r)
{
	/* NSPID (the pid in the process's own pid namespace) only when one differs from PID. */
	static const char *const heads[] = { "HOST", "PID", "NSPID", "PPID", "COMM", "SERVICE",
					     "CONTEXT", "THREADS", "SYSCALLS", "TIME", "READ",
					     "WRITTEN", "ERRORS", "EXIT", "FLAGS", "ATTRIBUTES",
					     "ARGV" };
	static const char *const heads_host[] = { "HOST", "PID", "PPID", "COMM", "SERVICE",
						  "CONTEXT", "THREADS", "SYSCALLS", "TIME", "READ",
						  "WRITTEN", "ERRORS", "EXIT", "FLAGS",
						  "ATTRIBUTES", "ARGV" };
	struct ana_ctx *c = r->c;
	struct ana_listing l;
	struct ana_json *j = &l.j;
	struct ana_table *t = &l.t;
	bool ns = false;
	uint32_t n;
	void **v = ana_rows_select(r, &c->procs, proc_shown, ana_proc_cmp, &n);

	if (!v)
		return 1;
	for (uint32_t i = 0; i < n; i++)
		ns |= ((struct ana_proc *)v[i])->ns_level > 0;
	ana_listing_begin(&l, r, "processes");
	if (ns)
		ana_listing_rows(&l, "processes", 17, heads, "lrrrlllrrrrrrllll");
	else
		ana_listing_rows(&l, "processes", 16, heads_host, "lrrlllrrrrrrllll");
	for (uint32_t i = 0; i < n; i++) {
		struct ana_proc *p = v[i];
		char d[24], esc[512], ex[32], attrs[2048];

		if (p->exited)
			snprintf(ex, sizeof(ex), p->exit_status & 0x7f ? "sig %d" : "%d",
				 p->exit_status & 0x7f ? p->exit_status & 0x7f
						       : (p->exit_status >> 8) & 0xff);
		else
			snprintf(ex, sizeof(ex), "-");
		if (r->json) {
			ana_json_obj(j, NULL);
			ana_json_bytes(j, "host", ana_host_name(c, p->host));
			ana_json_u64(j, "pid", p->pid);
			if (p->ns_pid)
				ana_json_u64(j, "ns_pid", p->ns_pid);
			else
				ana_json_null(j, "ns_pid");
			ana_json_u64(j, "ns_level", p->ns_level);
			if (p->pidns_inode)
				ana_json_u64(j, "pidns_inode", p->pidns_inode);
			else
				ana_json_null(j, "pidns_inode");
			ana_json_u64(j, "ppid", p->ppid);
			ana_json_bytes(j, "comm", p->comm);
			ana_json_bytes(j, "exe", p->exe);
			ana_json_bytes(j, "exe_host", p->exe_host);
			ana_json_bytes(j, "argv", p->argv);
			ana_json_bytes(j, "service", p->service);
			ana_json_str(j, "ctx_status", scf_ctx_status_name(p->ctx_status));
			ana_json_str(j, "tls_model", scf_tls_model_name(p->tls_model));
			ana_json_str(j, "reason", p->reason);
			ana_json_pctx(j, p->pctx);
			ana_json_u64(j, "threads", p->nthreads);
			ana_json_stats(j, "stats", &p->st);
			if (p->exited)
				ana_json_i64(j, "exit_status", p->exit_status);
			else
				ana_json_null(j, "exit_status");
			ana_json_u64(j, "start_ns", p->start_ns);
			ana_json_u64(j, "exit_ns", p->exit_ns);
			ana_json_bool(j, "incomplete", p->incomplete);
			ana_json_end(j, true);
			continue;
		}
		ana_table_cell(t, "%s", ana_host_name(c, p->host));
		ana_table_cell(t, "%u", p->pid);
		if (ns && p->ns_pid)
			ana_table_cell(t, "%u", p->ns_pid);
		else if (ns)
			ana_table_cell(t, "-");
		ana_table_cell(t, "%u", p->ppid);
		ana_table_cell(t, "%s", ana_fmt_escape(esc, sizeof(esc), ana_proc_label(p),
						       strlen(ana_proc_label(p))));
		ana_table_cell(t, "%s", p->service ? ana_fmt_escape(esc, sizeof(esc), p->service,
								    strlen(p->service))
						   : "-");
		ana_table_cell(t, "%s", scf_ctx_status_name(p->ctx_status));
		ana_table_cell(t, "%u", p->nthreads);
		ana_table_cell(t, "%" PRIu64, p->st.syscalls);
		ana_table_cell(t, "%s", ana_fmt_dur(d, sizeof(d), p->st.time_ns));
		ana_table_cell(t, "%" PRIu64, p->st.bytes_read);
		ana_table_cell(t, "%" PRIu64, p->st.bytes_written);
		ana_table_cell(t, "%" PRIu64, p->st.errors);
		ana_table_cell(t, "%s", ex);
		ana_table_cell(t, "%s", p->incomplete ? "incomplete" : "-");
		ana_table_cell(t, "%s", ana_pctx_attr_text(p->pctx, attrs, sizeof(attrs))[0] ? attrs
											  : "-");
		ana_table_cell(t, "%s", p->argv ? ana_fmt_escape(esc, sizeof(esc), p->argv,
								 strlen(p->argv))
						: "-");
	}
	ana_listing_end(&l);
	free(v);
	return 0;
}
