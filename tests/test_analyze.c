// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_analyze.c - cmocka suite for analyze/: the scenario of analyze_scenario.h is written
 * through formats/ into memory and replayed; the reconstruction is compared with what the
 * scenario defines.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "analyze_scenario.h"
#include "fd_contents.h"
#include "analysis.h"
#include "report.h"
#include "cmd_filter.h"
#include "errno_names.h"
#include "latency_hist.h"
#include "snaplen.h"
#include "timeline_order.h"
#include "syscall_fmt.h"

struct file_buf {
	uint8_t *p;
	size_t len;
};

/* The whole content of fd, which it closes. */
static struct file_buf fd_read_all(int fd)
{
	struct file_buf fb;

	fb.p = fd_contents(fd, &fb.len);
	return fb;
}

static struct file_buf scenario_frames(int variant, bool compressed, size_t frame_bytes)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = !compressed,
				     .frame_bytes = frame_bytes };
	char err[SCF_ERRMSG_MAX];
	struct scf_writer *w;
	int fd = memfd_create("scenario", MFD_CLOEXEC);

	assert_true(fd >= 0);
	w = scf_writer__fdopen(fd, "scenario", &o, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(scen_write(w, variant), 0);
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
	return fd_read_all(fd);
}

static struct file_buf scenario_bytes(int variant, bool compressed)
{
	return scenario_frames(variant, compressed, 0);
}

static void add(struct ana_ctx *c, const struct file_buf *fb, const char *name)
{
	char err[SCF_ERRMSG_MAX];

	assert_int_equal(ana_ctx__add_mem(c, fb->p, fb->len, name, err, sizeof(err)), 0);
}

static struct ana_ctx *replay(const struct ana_opts *o, bool second_host)
{
	struct ana_opts def = { 0 };
	struct ana_ctx *c = ana_ctx__new(o ? o : &def);
	struct file_buf a = scenario_bytes(0, true), b = { 0 };

	assert_non_null(c);
	add(c, &a, "scenario.scap");
	if (second_host) {
		b = scenario_bytes(1, true);
		add(c, &b, "scenario2.scap");
	}
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(c->warnings.n, 0);
	free(a.p);
	free(b.p);
	return c;
}

static void hex_id(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static struct ana_trace *trace(struct ana_ctx *c, const char *id)
{
	uint8_t b[16];
	struct ana_trace *t;

	hex_id(id, b, 16);
	t = ana_trace_find(c, b);
	assert_non_null(t);
	return t;
}

static struct ana_span *span(struct ana_ctx *c, const char *tid, const char *sid)
{
	uint8_t t[16], s[8];
	struct ana_span *sp;

	hex_id(tid, t, 16);
	hex_id(sid, s, 8);
	sp = ana_span_find(c, t, s);
	assert_non_null(sp);
	return sp;
}

static struct ana_io_row *io(struct ana_io_table *t, uint32_t host, const char *name)
{
	struct ana_io_row *r = ana_io_find(t, host, name);

	if (!r)
		fail_msg("no io row for %s", name);
	return r;
}

/* ---- reconstruction ------------------------------------------------------------------------- */

static void test_replay_traces_totals(void **state)
{
	struct ana_ctx *c = replay(NULL, false);
	struct ana_trace *a = trace(c, SCEN_TRACE_A), *b = trace(c, SCEN_TRACE_B);
	(void)state;

	assert_int_equal(c->traces.n, 2);
	assert_int_equal(c->total.syscalls, SCEN_TOTAL_SYSCALLS);
	assert_int_equal(a->st.syscalls, SCEN_A_SYSCALLS);
	assert_int_equal(a->st.errors, SCEN_A_ERRORS);
	assert_int_equal(a->st.bytes_read, SCEN_A_BYTES_READ);
	assert_int_equal(a->st.bytes_written, SCEN_A_BYTES_WRITTEN);
	assert_int_equal(a->nspans, 2);
	assert_int_equal(a->nthreads, 2);
	assert_int_equal(a->nprocs, 1);
	assert_string_equal(a->procs[0]->service, "checkout");
	assert_false(a->incomplete);
	assert_int_equal(b->st.syscalls, SCEN_B_SYSCALLS);
	assert_int_equal(b->st.bytes_read, SCEN_B_BYTES_READ);
	assert_int_equal(span(c, SCEN_TRACE_A, SCEN_SPAN_A1)->st.syscalls, SCEN_A1_SYSCALLS);
	assert_int_equal(span(c, SCEN_TRACE_A, SCEN_SPAN_A2)->st.syscalls, SCEN_A2_SYSCALLS);
	ana_ctx__free(c);
}

static void test_trace_files_bytes_per_path(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_DETAIL };
	struct ana_ctx *c = replay(&o, false);
	struct ana_span *s = span(c, SCEN_TRACE_A, SCEN_SPAN_A1);
	struct ana_io_table *t = &s->detail->io;
	(void)state;

	assert_int_equal(io(t, 0, "/etc/hosts")->opens, 1);
	assert_int_equal(io(t, 0, "/etc/hosts")->reads, 2);
	assert_int_equal(io(t, 0, "/etc/hosts")->bytes_read, 120);
	assert_int_equal(io(t, 0, "/etc/missing.conf")->errors, 1);
	assert_int_equal(io(t, 0, "/var/log/svc.log")->bytes_written, 64 + 10 + 5);
	assert_int_equal(io(t, 0, "/var/log/svc.log")->writes, 3);
	assert_int_equal(s->detail->cls[SCF_CLASS_FILE].count, SCEN_A1_SYSCALLS);
	ana_ctx__free(c);
}

static void test_trace_errors_with_errno(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_DETAIL };
	struct ana_ctx *c = replay(&o, false);
	struct ana_span_detail *d = span(c, SCEN_TRACE_A, SCEN_SPAN_A1)->detail;
	(void)state;

	assert_int_equal(d->nerrs, 2);
	assert_int_equal(d->errs[0].nr, SCF_NR_openat);
	assert_int_equal(d->errs[0].err, ENOENT);
	assert_string_equal(ana_errno_name((unsigned int)d->errs[0].err), "ENOENT");
	assert_string_equal(d->errs[0].target, "/etc/missing.conf");
	assert_int_equal(d->errs[1].nr, SCF_NR_write);
	assert_int_equal(d->errs[1].err, EBADF);
	ana_ctx__free(c);
}

static void test_trace_peers_and_bytes(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_DETAIL };
	struct ana_ctx *c = replay(&o, false);
	struct ana_span_detail *d = span(c, SCEN_TRACE_A, SCEN_SPAN_A2)->detail;
	struct ana_io_row *r = io(&d->io, 0, "127.0.0.1:5432");
	(void)state;

	assert_int_equal(r->kind, ANA_T_SOCKET);
	assert_int_equal(r->connects, 1);
	assert_int_equal(r->bytes_written, 100);
	assert_int_equal(r->bytes_read, 250);
	assert_int_equal(r->ops, 4); /* connect, sendto, recvfrom, close */
	assert_true(d->cls[SCF_CLASS_NET].hist.max == 90000);
	assert_int_equal(ana_hist_percentile(&d->cls[SCF_CLASS_NET].hist, 100), 90000);
	ana_ctx__free(c);
}

static void test_trace_child_processes(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_DETAIL };
	struct ana_ctx *c = replay(&o, false);
	struct ana_span_detail *d = span(c, SCEN_TRACE_A, SCEN_SPAN_A2)->detail;
	struct ana_proc *ch;
	(void)state;

	assert_int_equal(d->nchildren, 1);
	ch = d->children[0];
	assert_int_equal(ch->pid, SCEN_CHILD);
	assert_int_equal(ch->ppid, SCEN_PID);
	assert_string_equal(ch->exe, "/bin/sh");
	assert_string_equal(ch->argv, "sh -c true");
	assert_string_equal(ch->comm, "sh");
	assert_null(ch->service); /* the exec'ed program publishes no context of its own */
	assert_true(ch->exited);
	assert_int_equal(ch->exit_status, 0);
	assert_int_equal(span(c, SCEN_TRACE_A, SCEN_SPAN_A1)->detail->nchildren, 0);
	ana_ctx__free(c);
}

/* ---- pid namespaces and process identity (issue 17) ---------------------------------------- */

struct mini {
	struct scf_writer *w;
	int fd;
	uint8_t buf[1024];
};

static void mini_emit(struct mini *m, uint64_t ts, struct scf_rec_builder *b)
{
	size_t len = scf_rb_end(b);

	assert_true(len > 0);
	assert_int_equal(scf_writer__append(m->w, ts, m->buf, len), 0);
}

/* A one-section capture of host "ns-host", boot b1..., capture id cap, clock offset btw. */
static void mini_begin_at(struct mini *m, uint8_t cap, int64_t btw)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = true };
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR,
				   .format_minor = SCF_FORMAT_MINOR, .capture_start_ns = SCEN_T0,
				   .section_start_ns = SCEN_T0, .ncpus = 1, .page_size = 4096,
				   .syscall_abi = SCF_ABI_X86_64 };
	char err[SCF_ERRMSG_MAX];
	struct scf_rec_builder b;

	m->fd = memfd_create("mini", MFD_CLOEXEC);
	assert_true(m->fd >= 0);
	m->w = scf_writer__fdopen(m->fd, "mini", &o, err, sizeof(err));
	assert_non_null(m->w);
	sec.boot_to_wall_ns = btw;
	memset(sec.capture_id, cap, 16);
	memset(sec.boot_id, 0xb1, 16);
	scf_rb_begin(&b, m->buf, sizeof(m->buf), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "ns-host");
	assert_int_equal(scf_writer__begin_section(m->w, SCEN_T0, m->buf, scf_rb_end(&b)), 0);
}

static void mini_begin(struct mini *m, uint8_t cap)
{
	mini_begin_at(m, cap, 0);
}

static void mini_process(struct mini *m, uint64_t ts, uint32_t pid, uint64_t start_ns,
			 const char *comm, uint32_t ns_pid, uint8_t ns_level, uint64_t ino)
{
	struct scf_process p = { .pid = pid, .ppid = 1, .start_ns = start_ns,
				 .origin = SCF_ORIGIN_SCAN, .ns_pid = ns_pid, .ns_level = ns_level,
				 .pidns_inode = ino };
	struct scf_rec_builder b;

	scf_rb_begin(&b, m->buf, sizeof(m->buf), SCF_REC_PROCESS, 0, &p, sizeof(p));
	scf_rb_item_str(&b, SCF_ITEM_NAME, comm);
	mini_emit(m, ts, &b);
}

static void mini_event(struct mini *m, uint64_t ts, uint8_t kind, uint32_t pid, uint32_t tid,
		       uint32_t ppid)
{
	struct scf_proc_event e = { .pid = pid, .tid = tid, .ppid = ppid, .kind = kind };
	struct scf_rec_builder b;

	scf_rb_begin(&b, m->buf, sizeof(m->buf), SCF_REC_PROC_EVENT, 0, &e, sizeof(e));
	mini_emit(m, ts, &b);
}

/* A syscall of pid/tid inside span 0xc1... of trace 0xc0... */
static void mini_sys(struct mini *m, uint64_t ts, uint32_t pid, uint32_t tid, uint16_t nr,
		     uint64_t a0, int64_t ret)
{
	struct scf_syscall sc = { .duration_ns = 1000, .ret = ret, .tid = tid, .pid = pid,
				  .nr = nr, .abi = SCF_ABI_X86_64, .trace_flags = 1 };
	struct scf_rec_builder b;

	sc.args[0] = a0;
	memset(sc.trace_id, 0xc0, 16);
	memset(sc.span_id, 0xc1, 8);
	scf_rb_begin(&b, m->buf, sizeof(m->buf), SCF_REC_SYSCALL, SCF_SYSCALL_F_CTX, &sc,
		     sizeof(sc));
	mini_emit(m, ts, &b);
}

static void mini_add(struct ana_ctx *c, struct mini *m)
{
	char err[SCF_ERRMSG_MAX];
	struct file_buf fb;

	assert_int_equal(scf_writer__close(m->w, err, sizeof(err)), 0);
	fb = fd_read_all(m->fd);
	add(c, &fb, "mini.scap");
	free(fb.p);
}

static uint32_t procs_with_pid(const struct ana_ctx *c, uint32_t pid)
{
	uint32_t n = 0;

	for (size_t i = 0; i < c->procs.n; i++)
		n += ((const struct ana_proc *)c->procs.v[i])->pid == pid;
	return n;
}

#define X_SIGCHLD 17
#define X_CLONE_NEWPID 0x20000000u

/*
 * A service that is pid 1 of namespace 777 (host pid 500) clones four times, as records arrive
 * (exit order): child 510 runs and exits before clone() returns 2, with no PROCESS record;
 * child 520 has a PROCESS record saying ns pid 3; clone() returns 4 with its FORK event lost;
 * child 530 is cloned with CLONE_NEWPID (result 5, its own pid 1 one level deeper).
 */
static void test_ns_fork_results_map_to_host_pids(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_DETAIL };
	struct ana_ctx *c = ana_ctx__new(&o);
	struct ana_span_detail *d;
	struct ana_proc *p;
	struct mini m;
	uint64_t t = SCEN_T0;
	(void)state;

	mini_begin(&m, 0xc1);
	mini_process(&m, t, 500, t - 1000000, "svc", 1, 1, 777);
	mini_sys(&m, t + 1000, 500, 501, 39 /* getpid */, 0, 1);
	mini_event(&m, t + 3000, SCF_PROC_FORK, 510, 501, 500);
	mini_sys(&m, t + 4000, 510, 510, 39, 0, 2);
	mini_event(&m, t + 5000, SCF_PROC_EXIT, 510, 510, 0);
	mini_sys(&m, t + 2000, 500, 501, SCF_NR_clone, X_SIGCHLD, 2);
	mini_event(&m, t + 11000, SCF_PROC_FORK, 520, 501, 500);
	mini_process(&m, t + 11500, 520, t + 11000, "svc", 3, 1, 777);
	mini_sys(&m, t + 10000, 500, 501, SCF_NR_clone, X_SIGCHLD, 3);
	mini_sys(&m, t + 20000, 500, 501, SCF_NR_clone, X_SIGCHLD, 4);
	mini_event(&m, t + 31000, SCF_PROC_FORK, 530, 501, 500);
	mini_sys(&m, t + 30000, 500, 501, SCF_NR_clone, X_SIGCHLD | X_CLONE_NEWPID, 5);
	mini_add(c, &m);
	assert_int_equal(ana_ctx__run(c), 0);

	for (uint32_t pid = 1; pid <= 5; pid++)
		assert_null(ana_proc_find(c, 0, pid)); /* no process made from a namespace pid */
	assert_int_equal(procs_with_pid(c, 510), 1); /* exited before clone() returned: one */
	p = ana_proc_find(c, 0, 510);
	assert_int_equal(p->ns_pid, 2);
	assert_int_equal(p->ns_level, 1);
	assert_int_equal(p->pidns_inode, 777);
	assert_int_equal(ana_proc_find(c, 0, 520)->ns_pid, 3);
	p = ana_proc_find(c, 0, 530);
	assert_int_equal(p->ns_pid, 1);
	assert_int_equal(p->ns_level, 2);
	assert_int_equal(p->pidns_inode, 0); /* a namespace no record named */
	d = span(c, "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0", "c1c1c1c1c1c1c1c1")->detail;
	assert_int_equal(d->nchildren, 3);
	assert_int_equal(d->children[0]->pid, 510);
	assert_int_equal(d->children[1]->pid, 520);
	assert_int_equal(d->children[2]->pid, 530);
	ana_ctx__free(c);
}

/* "call = ret" of each syscall event, in record order. */
struct ns_lines {
	char line[16][160];
	int n;
};

static void ns_line(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	struct ns_lines *l = arg;
	char call[128], ret[48];

	(void)c;
	if (ev->type != SCF_REC_SYSCALL || l->n >= 16)
		return;
	snprintf(l->line[l->n++], sizeof(l->line[0]), "%u: %s = %s", ev->sc->tid,
		 ana_fmt_call(call, sizeof(call), ev), ana_fmt_ret(ret, sizeof(ret), ev));
}

/*
 * Pids that syscalls of namespace 777 (its pid 1 is host pid 500, its pid 3 host pid 520)
 * return and take show the host pid they name: the caller's own (getpid, gettid), a process
 * whose PROCESS record gave its namespace pid (kill, wait4), a fork child known only from its
 * FORK event; "?" for a number no process of the capture had, nothing for a host process.
 */
static void test_ns_pid_values_show_host_pids(void **state)
{
	struct ns_lines l = { .n = 0 };
	struct ana_opts o = { .on_event = ns_line, .event_arg = &l };
	struct ana_ctx *c = ana_ctx__new(&o);
	struct mini m;
	uint64_t t = SCEN_T0;
	(void)state;

	mini_begin(&m, 0xc2);
	mini_process(&m, t, 500, t - 1000000, "svc", 1, 1, 777);
	mini_process(&m, t, 520, t - 900000, "worker", 3, 1, 777);
	mini_process(&m, t, 600, t - 800000, "hostd", 600, 0, 1);
	mini_sys(&m, t + 1000, 500, 500, 39 /* getpid */, 0, 1);
	mini_sys(&m, t + 2000, 500, 501, 186 /* gettid */, 0, 7);
	mini_sys(&m, t + 3000, 500, 500, 62 /* kill */, 3, 0);
	mini_sys(&m, t + 4000, 500, 500, 62, 9, -3 /* ESRCH */);
	mini_sys(&m, t + 5000, 500, 500, 62, (uint64_t)-1, 0);
	mini_sys(&m, t + 6000, 500, 500, 61 /* wait4 */, (uint64_t)-1, 3);
	mini_event(&m, t + 7500, SCF_PROC_FORK, 510, 500, 500);
	mini_sys(&m, t + 7000, 500, 500, SCF_NR_clone, X_SIGCHLD, 2);
	mini_sys(&m, t + 8000, 500, 500, SCF_NR_clone, 0x00010000 /* CLONE_THREAD */, 8);
	mini_sys(&m, t + 9000, 600, 600, 39, 0, 600);
	mini_sys(&m, t + 10000, 600, 600, 62, 520, 0);
	mini_add(c, &m);
	assert_int_equal(ana_ctx__run(c), 0);

	assert_int_equal(l.n, 10);
	assert_string_equal(l.line[0], "500: getpid() = 1 [host 500]");
	assert_string_equal(l.line[1], "501: gettid() = 7 [host 501]");
	assert_string_equal(l.line[2], "500: kill(3 [host 520], 0) = 0");
	assert_string_equal(l.line[3], "500: kill(9 [host ?], 0) = -1 ESRCH");
	assert_string_equal(l.line[4], "500: kill(-1, 0) = 0");
	assert_string_equal(l.line[5], "500: wait4(-1, NULL, 0, NULL) = 3 [host 520]");
	assert_string_equal(l.line[6], "500: clone(0x11, NULL, NULL, NULL, 0) = 2 [host 510]");
	assert_string_equal(l.line[7], "500: clone(0x10000, NULL, NULL, NULL, 0) = 8 [host ?]");
	assert_string_equal(l.line[8], "600: getpid() = 600");
	assert_string_equal(l.line[9], "600: kill(520, 0) = 0");
	for (uint32_t pid = 1; pid <= 9; pid++)
		assert_null(ana_proc_find(c, 0, pid)); /* no process made from a namespace pid */
	ana_ctx__free(c);
}

/*
 * Namespace 777's pid 1 (host 500) forks child 510, which exits before spancap could read its
 * /proc (no PROCESS record) and whose clone() record is lost; 50 ms later a clone() returns 3
 * with its FORK event lost. 510's namespace pid is unknown ("-"), not 3, and 3 names no host
 * pid the capture knows.
 */
static void test_ns_gone_child_without_clone_record_has_no_ns_pid(void **state)
{
	struct ns_lines l = { .n = 0 };
	struct ana_opts o = { .on_event = ns_line, .event_arg = &l };
	struct ana_ctx *c = ana_ctx__new(&o);
	struct ana_proc *p;
	struct mini m;
	uint64_t t = SCEN_T0;
	(void)state;

	mini_begin(&m, 0xc3);
	mini_process(&m, t, 500, t - 1000000, "svc", 1, 1, 777);
	mini_sys(&m, t + 100, 500, 500, 39 /* getpid */, 0, 1);
	mini_event(&m, t + 1000, SCF_PROC_FORK, 510, 500, 500);
	mini_event(&m, t + 2000, SCF_PROC_EXIT, 510, 510, 0);
	mini_sys(&m, t + 50000000, 500, 500, SCF_NR_clone, X_SIGCHLD, 3);
	mini_add(c, &m);
	assert_int_equal(ana_ctx__run(c), 0);

	p = ana_proc_find(c, 0, 510);
	assert_non_null(p);
	assert_int_equal(p->ns_pid, 0);
	assert_int_equal(p->ns_level, 1);
	assert_null(ana_proc_find(c, 0, 3));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[1], "500: clone(0x11, NULL, NULL, NULL, 0) = 3 [host ?]");
	ana_ctx__free(c);
}

/* One pid, two programs, two captures of one boot and no exit seen: two processes. */
static void test_pid_reused_between_captures_is_two_processes(void **state)
{
	struct ana_opts o = { 0 };
	struct ana_ctx *c = ana_ctx__new(&o);
	struct mini a, b;
	(void)state;

	mini_begin(&a, 0xa1);
	mini_process(&a, SCEN_T0, 600, SCEN_T0 - 5000000000ull, "first", 600, 0, 1);
	mini_process(&a, SCEN_T0 + 1000, 600, SCEN_T0 - 4990000000ull, "first", 600, 0, 1);
	mini_add(c, &a);
	mini_begin(&b, 0xa2);
	mini_process(&b, SCEN_T0 + 2000000000ull, 600, SCEN_T0 + 1000000000ull, "second", 600,
		     0, 1);
	mini_add(c, &b);
	assert_int_equal(ana_ctx__run(c), 0);
	/* the first two records are one process (start times 10 ms apart: one clock tick) */
	assert_int_equal(procs_with_pid(c, 600), 2);
	assert_string_equal(ana_proc_find(c, 0, 600)->comm, "second");
	ana_ctx__free(c);
}

/*
 * A tid reused by another process within one capture: two threads, each with its own
 * syscalls, however often the new one's records come (the replay's thread lookup cache must
 * give the new thread, not the first one again).
 */
static void test_tid_reused_by_another_process_is_two_threads(void **state)
{
	struct ana_opts o = { 0 };
	struct ana_ctx *c = ana_ctx__new(&o);
	uint32_t n = 0, old_calls = 0, new_calls = 0;
	struct mini a;
	(void)state;

	mini_begin(&a, 0xa3);
	mini_sys(&a, SCEN_T0, 900, 901, 39, 0, 900);
	mini_sys(&a, SCEN_T0 + 1000000, 950, 901, 39, 0, 950);
	mini_sys(&a, SCEN_T0 + 2000000, 950, 901, 39, 0, 950);
	mini_sys(&a, SCEN_T0 + 3000000, 950, 901, 39, 0, 950);
	mini_add(c, &a);
	assert_int_equal(ana_ctx__run(c), 0);
	for (size_t i = 0; i < c->threads.n; i++) {
		const struct ana_thread *t = c->threads.v[i];

		if (t->tid != 901)
			continue;
		n++;
		if (t->pid == 900)
			old_calls = (uint32_t)t->st.syscalls;
		if (t->pid == 950)
			new_calls = (uint32_t)t->st.syscalls;
	}
	assert_int_equal(n, 2);
	assert_int_equal(old_calls, 1);
	assert_int_equal(new_calls, 3);
	assert_int_equal(ana_thread_find(c, 0, 901)->pid, 950);
	ana_ctx__free(c);
}

/*
 * One process in two captures whose clock offsets differ by a 2 s step (NTP between them):
 * its wall start times differ by 2 s, its boot-clock start does not. One process.
 */
static void test_clock_step_between_captures_keeps_one_process(void **state)
{
	struct ana_opts o = { 0 };
	struct ana_ctx *c = ana_ctx__new(&o);
	int64_t btw = (int64_t)SCEN_T0 - 1000000000000ll, step = 2000000000ll;
	struct mini a, b;
	(void)state;

	mini_begin_at(&a, 0xa1, btw);
	mini_process(&a, SCEN_T0, 700, SCEN_T0 - 5000000000ull, "svc", 700, 0, 1);
	mini_add(c, &a);
	mini_begin_at(&b, 0xa2, btw + step);
	mini_process(&b, SCEN_T0 + 9000000000ull, 700, SCEN_T0 - 5000000000ull + (uint64_t)step,
		     "svc", 700, 0, 1);
	mini_add(c, &b);
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(procs_with_pid(c, 700), 1);
	ana_ctx__free(c);
}

static void test_loss_marks_overlapping_incomplete(void **state)
{
	struct ana_ctx *c = replay(NULL, false);
	(void)state;

	assert_true(span(c, SCEN_TRACE_B, SCEN_SPAN_B1)->incomplete);
	assert_true(trace(c, SCEN_TRACE_B)->incomplete);
	assert_false(span(c, SCEN_TRACE_A, SCEN_SPAN_A1)->incomplete);
	assert_false(span(c, SCEN_TRACE_A, SCEN_SPAN_A2)->incomplete);
	assert_false(trace(c, SCEN_TRACE_A)->incomplete);
	assert_true(ana_thread_find(c, 0, SCEN_TID1)->incomplete); /* its window covers B1 */
	assert_false(ana_thread_find(c, 0, SCEN_TID2)->incomplete);
	/* The argument faults during A1 are counted, as faults (their syscalls are in the file),
	 * and leave A1 and A complete. */
	assert_int_equal(c->loss_total, SCEN_LOSS_COUNT);
	assert_int_equal(c->fault_total, SCEN_ARG_FAULT_COUNT);
	assert_int_equal(c->loss_by_reason[SCF_LOSS_RINGBUF_FULL], SCEN_LOSS_COUNT);
	assert_int_equal(c->loss_by_reason[SCF_LOSS_ARG_FAULT], SCEN_ARG_FAULT_COUNT);
	ana_ctx__free(c);
}

/*
 * Descriptions that come late (issue 16, item 10): a PROCESS record written once the process was
 * gone says nothing of its comm, argv or parent, and one written after its exit describes it,
 * not a new process; the thread that goes on after an exec takes the new program's name.
 */
static void test_late_descriptions_keep_what_is_known(void **state)
{
	struct ana_opts o = { 0 };
	struct ana_ctx *c = ana_ctx__new(&o);
	struct file_buf b = scenario_bytes(3, true);
	struct ana_proc *child = NULL;
	unsigned int nchild = 0;
	(void)state;

	assert_non_null(c);
	add(c, &b, "late.scap");
	assert_int_equal(ana_ctx__run(c), 0);
	for (uint32_t i = 0; i < c->procs.n; i++) {
		struct ana_proc *p = c->procs.v[i];

		if (p->pid == SCEN_LATE_CHILD) {
			child = p;
			nchild++;
		}
	}
	assert_int_equal(nchild, 1);
	assert_string_equal(child->comm, "ls");
	assert_string_equal(child->argv, "ls /");
	assert_int_equal(child->ppid, SCEN_LATE_PID);
	assert_int_equal(child->st.syscalls, 2);
	assert_string_equal(ana_thread_find(c, 0, SCEN_LATE_PID)->name, "sh");
	ana_ctx__free(c);
	free(b.p);
}

/* A process killed by a signal inside a span: the span and its trace say so, in the reports and
 * the OTLP export (issue 17); a span its thread had left is not flagged. */
static void test_killed_inside_a_span(void **state)
{
	struct ana_opts o = { 0 };
	struct ana_ctx *c = ana_ctx__new(&o);
	struct file_buf b = scenario_bytes(3, true);
	struct ana_report r = { .c = c };
	char *text = NULL;
	size_t len = 0;
	(void)state;

	assert_non_null(c);
	add(c, &b, "late.scap");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(span(c, SCEN_TRACE_B, SCEN_SPAN_B1)->killed, 11 | 0x80);
	assert_int_equal(trace(c, SCEN_TRACE_B)->killed, 11 | 0x80);
	assert_int_equal(span(c, SCEN_TRACE_A, SCEN_SPAN_A1)->killed, 0);
	assert_int_equal(trace(c, SCEN_TRACE_A)->killed, 0);
	r.out = open_memstream(&text, &len);
	assert_int_equal(ana_report_spans(&r), 0);
	fclose(r.out);
	assert_non_null(strstr(text, "killed:SIGSEGV, core dumped"));
	free(text);
	ana_ctx__free(c);
	free(b.p);
}

static void test_attrs_resolve_through_key_map(void **state)
{
	struct ana_ctx *c = replay(NULL, false);
	struct ana_attr a[8];
	unsigned int n;
	(void)state;

	/* key 1 appears twice: the last value wins; key 2's entry is cut: ignored */
	n = ana_span_attrs(span(c, SCEN_TRACE_A, SCEN_SPAN_A1), a, 8);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].key, "http.route");
	assert_int_equal(a[0].val_len, 11);
	assert_memory_equal(a[0].val, "/api/orders", 11);
	assert_string_equal(a[1].key, "http.method");
	assert_int_equal(a[1].val_len, 4);
	assert_memory_equal(a[1].val, "POST", 4);
	n = ana_span_attrs(span(c, SCEN_TRACE_B, SCEN_SPAN_B1), a, 8);
	assert_int_equal(n, 1);
	assert_memory_equal(a[0].val, "/health", 7);
	assert_int_equal(ana_span_attrs(span(c, SCEN_TRACE_A, SCEN_SPAN_A2), a, 8), 0);
	ana_ctx__free(c);
}

static void test_process_context_and_service(void **state)
{
	struct ana_ctx *c = replay(NULL, false);
	struct ana_proc *p = ana_proc_find(c, 0, SCEN_PID), *q;
	(void)state;

	assert_non_null(p);
	assert_string_equal(p->service, "checkout");
	assert_int_equal(p->ctx_status, SCF_CTX_RESOLVED);
	assert_int_equal(p->tls_model, SCF_TLS_TLSDESC_STATIC);
	assert_non_null(p->pctx);
	assert_int_equal(p->pctx->nkeys, 3);
	assert_string_equal(p->pctx->keymap[2], "user_id");
	assert_int_equal(p->nthreads, 2);
	q = ana_proc_find(c, 0, SCEN_NOCTX_PID);
	assert_non_null(q);
	assert_int_equal(q->ctx_status, SCF_CTX_NO_SYMBOL);
	assert_string_equal(q->reason, "no module defines otel_thread_ctx_v1");
	assert_int_equal(q->st.syscalls, 1);
	ana_ctx__free(c);
}

/* dup, fcntl F_DUPFD_CLOEXEC, close, close-on-exec at exec, fork inheritance */
static void test_fd_attribution_across_dup_close_exec_fork(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_IO };
	struct ana_ctx *c = replay(&o, false);
	struct ana_io_row *log = io(&c->io, 0, "/var/log/svc.log");
	(void)state;

	assert_int_equal(log->bytes_written, SCEN_SVC_LOG_BYTES_WRITTEN);
	assert_int_equal(log->writes, 4);
	/* fd 4 was closed: the failing write is not attributed to the log */
	assert_int_equal(io(&c->io, 0, "[pid 100 fd 4]")->errors, 1);
	/* fd 7 was close-on-exec: unknown in the child after exec */
	assert_int_equal(io(&c->io, 0, "[pid 200 fd 7]")->bytes_written, 6);
	assert_null(ana_io_find(&c->io, 0, "/srv/data.db"));
	assert_int_equal(io(&c->io, 0, "127.0.0.1:5432")->kind, ANA_T_SOCKET);
	assert_int_equal(io(&c->io, 0, "/etc/hosts")->bytes_read, 120 + 500);
	ana_ctx__free(c);
}

static void test_filter_errors_only(void **state)
{
	struct ana_opts o = { .f.errors_only = true, .want = ANA_WANT_SCSTATS };
	struct ana_ctx *c = replay(&o, false);
	(void)state;

	assert_int_equal(c->total.syscalls, SCEN_A_ERRORS);
	assert_int_equal(c->total.errors, SCEN_A_ERRORS);
	assert_int_equal(c->sc.n, 2); /* openat and write */
	ana_ctx__free(c);
}

static void test_filter_trace_span_pid_syscall(void **state)
{
	struct ana_opts o = { 0 };
	struct ana_ctx *c;
	(void)state;

	hex_id(SCEN_TRACE_B, o.f.trace_id, 16);
	o.f.trace_nibbles = 4; /* a prefix */
	c = replay(&o, false);
	assert_int_equal(c->traces.n, 1);
	assert_int_equal(c->total.syscalls, SCEN_B_SYSCALLS);
	ana_ctx__free(c);

	memset(&o, 0, sizeof(o));
	o.f.has_pid = true;
	o.f.pid = SCEN_CHILD;
	c = replay(&o, false);
	assert_int_equal(c->total.syscalls, 3); /* execve and two writes */
	ana_ctx__free(c);

	memset(&o, 0, sizeof(o));
	o.f.has_syscalls = true;
	o.f.syscalls[0] |= 1ull << SCF_NR_read;
	o.f.until_ns = SCEN_T0 + 500000;
	c = replay(&o, false);
	assert_int_equal(c->total.syscalls, 2); /* the reads of span A1 */
	assert_int_equal(c->total.bytes_read, 120);
	ana_ctx__free(c);
}

static void test_syscalls_stats_by_syscall(void **state)
{
	struct ana_opts o = { .want = ANA_WANT_SCSTATS };
	struct ana_ctx *c = replay(&o, false);
	struct ana_sc_row *openat = NULL;
	(void)state;

	for (uint32_t i = 0; i < c->sc.n; i++)
		if (c->sc.rows[i]->nr == SCF_NR_openat)
			openat = c->sc.rows[i];
	assert_non_null(openat);
	assert_int_equal(openat->count, 3);
	assert_int_equal(openat->errors, 1);
	assert_int_equal(openat->errnos[0].err, ENOENT);
	assert_int_equal(openat->hist.max, 12000);
	assert_int_equal(openat->hist.min, 3000);
	ana_ctx__free(c);
}

static void test_multi_host_merge_by_trace_id(void **state)
{
	struct ana_ctx *c = replay(NULL, true);
	struct ana_trace *a = trace(c, SCEN_TRACE_A);
	struct ana_span *s3 = span(c, SCEN_TRACE_A, SCEN_SPAN_A3);
	(void)state;

	assert_int_equal(c->hosts.n, 2);
	assert_int_equal(a->nspans, 3);
	assert_int_equal(a->hosts_mask, 3);
	assert_int_equal(a->nprocs, 2);
	assert_int_equal(a->st.bytes_read, SCEN_A_BYTES_READ + 42);
	assert_int_equal(s3->host, 1);
	assert_string_equal(s3->proc->service, "orders-db");
	/* pid namespaces are per host */
	assert_null(ana_proc_find(c, 0, SCEN_PID2));
	ana_ctx__free(c);
}

static unsigned int events_seen[SCF_REC_TYPE_MAX];

static void count_event(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	(void)c;
	(void)arg;
	events_seen[ev->type]++;
}

static void test_event_callback_sees_timeline(void **state)
{
	struct ana_opts o = { .on_event = count_event };
	struct ana_ctx *c;
	(void)state;

	memset(events_seen, 0, sizeof(events_seen));
	c = replay(&o, false);
	assert_int_equal(events_seen[SCF_REC_SYSCALL], c->rec_counts[SCF_REC_SYSCALL]);
	assert_int_equal(events_seen[SCF_REC_PROC_EVENT], 3);
	assert_int_equal(events_seen[SCF_REC_LOSS], 2); /* ringbuf-full and arg-fault */
	ana_ctx__free(c);
}

/* The descriptors a pipe2 record of race_file() returns. */
static int32_t race_pipe[2];

/* Writes a section and the given syscall records (entry times t + off[i]) to memory. */
static struct file_buf race_file(const struct scf_syscall *sc, const uint64_t *off, int n)
{
	struct scf_writer_opts wo = { .sz = sizeof(wo), .uncompressed = true };
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .ncpus = 2 };
	const uint64_t t = 1790000000000000000ull;
	char err[SCF_ERRMSG_MAX];
	struct scf_rec_builder b;
	struct scf_writer *w;
	uint8_t rec[512];
	int fd = memfd_create("race", MFD_CLOEXEC);

	assert_true(fd >= 0);
	w = scf_writer__fdopen(fd, "memfd", &wo, err, sizeof(err));
	assert_non_null(w);
	scf_rb_begin(&b, rec, sizeof(rec), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	assert_int_equal(scf_writer__begin_section(w, t, rec, scf_rb_end(&b)), 0);
	for (int i = 0; i < n; i++) {
		scf_rb_begin(&b, rec, sizeof(rec), SCF_REC_SYSCALL, 0, &sc[i], sizeof(sc[i]));
		if (sc[i].nr == 293) /* pipe2 */
			scf_rb_item(&b, SCF_ITEM_FD_PAIR, race_pipe, sizeof(race_pipe));
		assert_int_equal(scf_writer__append(w, t + off[i], rec, scf_rb_end(&b)), 0);
	}
	assert_int_equal(scf_writer__close(w, err, sizeof(err)), 0);
	return fd_read_all(fd);
}

/*
 * Records arrive in exit order. Thread 11 closes an old fd 6 (entry 100 ns, exit 130 ns) while
 * thread 10's socket() takes number 6 (entry 90 ns, exit 120 ns): the close record comes second
 * but released the old descriptor before socket() returned, so the new socket stays open.
 */
static void test_fd_close_racing_a_new_fd_in_exit_order(void **state)
{
	struct scf_syscall sc[2] = {
		{ .tid = 10, .pid = 10, .nr = 41, .abi = SCF_ABI_X86_64, .duration_ns = 30,
		  .ret = 6, .args = { 2, 1, 0 } },
		{ .tid = 11, .pid = 10, .nr = 3, .abi = SCF_ABI_X86_64, .duration_ns = 30,
		  .ret = 0, .args = { 6 } },
	};
	uint64_t racing[2] = { 90, 100 }, after[2] = { 90, 125 };
	struct ana_ctx *c;
	struct file_buf fb;
	char nbuf[300];
	uint8_t kind;
	(void)state;

	fb = race_file(sc, racing, 2);
	c = ana_ctx__new(&(struct ana_opts){ 0 });
	add(c, &fb, "race.pcapng");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_non_null(ana_proc_find(c, 0, 10));
	assert_non_null( /* still open */
	    ana_fd_name(ana_proc_find(c, 0, 10), 6, 0, &kind, nbuf, sizeof(nbuf)));
	ana_ctx__free(c);
	free(fb.p);

	/* A close that starts after socket() returned does close it. */
	fb = race_file(sc, after, 2);
	c = ana_ctx__new(&(struct ana_opts){ 0 });
	add(c, &fb, "closed.pcapng");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_null(ana_fd_name(ana_proc_find(c, 0, 10), 6, 0, &kind, nbuf, sizeof(nbuf)));
	ana_ctx__free(c);
	free(fb.p);
}

/* What each syscall of the race below worked on, by its position in the file. */
static char race_target[5][64];
static uint8_t race_kind[5];
static int race_n;

static void note_target(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	(void)c;
	(void)arg;
	if (ev->type != SCF_REC_SYSCALL || race_n >= 5)
		return;
	snprintf(race_target[race_n], sizeof(race_target[0]), "%s", ev->target ? ev->target : "");
	race_kind[race_n++] = ev->target_kind;
}

/* Replays n syscall records (entry times off[i]) noting what each worked on; *fb to free. */
static struct ana_ctx *race_replay(const struct scf_syscall *sc, const uint64_t *off, int n,
				   struct file_buf *fb)
{
	struct ana_opts o = { .on_event = note_target };
	struct ana_ctx *c;

	*fb = race_file(sc, off, n);
	race_n = 0;
	c = ana_ctx__new(&o);
	add(c, fb, "race.pcapng");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(race_n, n);
	return c;
}

/*
 * The same race seen from the syscalls that lost it: fd 6 is an eventfd (since 10 ns); thread
 * 11's close(6) enters at 100 ns and thread 12's write(6) at 95 ns, both before thread 10's
 * socket() returns 6 at 120 ns, but their records come after it. They worked on the eventfd,
 * and say so; a write entering at 140 ns works on the socket.
 */
static void test_fd_race_losers_name_the_replaced_description(void **state)
{
	struct scf_syscall sc[4] = {
		{ .tid = 10, .pid = 10, .nr = 41, .abi = SCF_ABI_X86_64, .duration_ns = 30,
		  .ret = 6, .args = { 2, 1, 0 } },
		{ .tid = 12, .pid = 10, .nr = 1, .abi = SCF_ABI_X86_64, .duration_ns = 32,
		  .ret = 8, .args = { 6, 0, 8 } },
		{ .tid = 11, .pid = 10, .nr = 3, .abi = SCF_ABI_X86_64, .duration_ns = 30,
		  .ret = 0, .args = { 6 } },
		{ .tid = 12, .pid = 10, .nr = 1, .abi = SCF_ABI_X86_64, .duration_ns = 5,
		  .ret = 8, .args = { 6, 0, 8 } },
	};
	struct scf_syscall all[5] = {
		{ .tid = 10, .pid = 10, .nr = 290, .abi = SCF_ABI_X86_64, .duration_ns = 10,
		  .ret = 6, .args = { 0, 0 } },
	};
	uint64_t off[5] = { 0, 90, 95, 100, 140 };
	struct ana_ctx *c;
	struct file_buf fb;
	char nbuf[300];
	uint8_t kind;
	(void)state;

	memcpy(&all[1], sc, sizeof(sc));
	c = race_replay(all, off, 5, &fb);
	/* [0] is eventfd2 and [1] socket (they create: no target yet), then the racing calls. */
	assert_string_equal(race_target[2], "anon_inode:[eventfd]"); /* write at 95 */
	assert_int_equal(race_kind[2], ANA_T_OTHER);
	assert_string_equal(race_target[3], "anon_inode:[eventfd]"); /* close at 100 */
	assert_int_equal(race_kind[3], ANA_T_OTHER);
	assert_int_equal(race_kind[4], ANA_T_SOCKET); /* write at 140 */
	/* The socket stays open, and the replaced eventfd is gone. */
	assert_non_null(ana_fd_name(ana_proc_find(c, 0, 10), 6, 0, &kind, nbuf, sizeof(nbuf)));
	assert_int_equal(kind, ANA_T_SOCKET);
	assert_int_equal(kind, ana_fd_desc(ana_proc_find(c, 0, 10), 6)->kind);
	ana_ctx__free(c);
	free(fb.p);
}

/* The timeline of race_file(sc, off, n) streamed through a reorder buffer of window_ms. */
static char *timeline_of(const struct scf_syscall *sc, const uint64_t *off, int n,
			 unsigned int window_ms, size_t max_pending, bool json,
			 struct ana_tl_order *ord)
{
	struct ana_tl_stream s = { 0 };
	struct ana_opts o = { .on_event = ana_tl_stream_event, .event_arg = &s };
	struct file_buf fb = race_file(sc, off, n);
	struct ana_json j;
	struct ana_ctx *c;
	char *text = NULL;
	size_t len = 0;

	s.out = open_memstream(&text, &len);
	assert_non_null(s.out);
	if (json) {
		ana_json_init(&j, s.out);
		s.j = &j;
		ana_json_arr(&j, NULL);
	}
	ana_tl_order_init(ord, ana_tl_stream_emit, &s);
	ord->window_ns = window_ms * 1000000ull;
	ord->max_pending = max_pending;
	s.order = ord;
	c = ana_ctx__new(&o);
	add(c, &fb, "timeline.pcapng");
	assert_int_equal(ana_ctx__run(c), 0);
	ana_tl_order_flush(ord);
	ana_tl_order_free(ord);
	if (json) {
		ana_json_end(&j, true);
		ana_json_finish(&j);
	}
	assert_int_equal(fclose(s.out), 0);
	ana_ctx__free(c);
	free(fb.p);
	return text;
}

/*
 * Records come in exit order but timeline lines lead with the entry time. Thread 11's read
 * (entry 50 ms, exit 150 ms) arrives after thread 10's getpid (entry 100 ms): within the 1 s
 * window it is put back first. Thread 12's nanosleep (entry 0, 1.5 s) arrives after lines of
 * later entry were printed: it comes out at its exit, resumed, with its entry time. The leading
 * times never decrease.
 */
static void test_timeline_orders_by_entry_and_resumes_long_calls(void **state)
{
	const uint64_t ms = 1000000;
	struct scf_syscall sc[6] = {
		{ .tid = 10, .pid = 10, .nr = 39, .abi = SCF_ABI_X86_64, .duration_ns = ms, .ret = 10 },
		{ .tid = 11, .pid = 10, .nr = 0, .abi = SCF_ABI_X86_64, .duration_ns = 100 * ms,
		  .ret = 8, .args = { 0, 0, 8 } },
		{ .tid = 10, .pid = 10, .nr = 39, .abi = SCF_ABI_X86_64, .duration_ns = 1000,
		  .ret = 10 },
		{ .tid = 10, .pid = 10, .nr = 39, .abi = SCF_ABI_X86_64, .duration_ns = 1000,
		  .ret = 10 },
		{ .tid = 12, .pid = 10, .nr = 35, .abi = SCF_ABI_X86_64, .duration_ns = 1500 * ms,
		  .ret = 0 },
		{ .tid = 10, .pid = 10, .nr = 39, .abi = SCF_ABI_X86_64, .duration_ns = 1000,
		  .ret = 10 },
	};
	uint64_t off[6] = { 100 * ms, 50 * ms, 1200 * ms, 1400 * ms, 0, 1600 * ms };
	const char *order[6] = { "/11 read(", "/10 getpid(", "/10 getpid(", "/10 getpid(",
				 "/12 <... nanosleep resumed> nanosleep(", "/10 getpid(" };
	struct ana_tl_order ord;
	char *text, *line, *save = NULL, prev[32] = "";
	int n = 0;
	(void)state;

	text = timeline_of(sc, off, 6, 1000, 100, false, &ord);
	assert_int_equal(ord.resumed, 1);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		assert_true(n < 6);
		assert_non_null(strstr(line, order[n]));
		assert_true(strncmp(prev, line, 18) <= 0); /* HH:MM:SS.nnnnnnnnn */
		snprintf(prev, sizeof(prev), "%.18s", line);
	}
	assert_int_equal(n, 6);
	free(text);
	/* the resumed line leads with its exit and names its entry */
	text = timeline_of(sc, off, 6, 1000, 100, false, &ord);
	line = strstr(text, "nanosleep resumed");
	assert_non_null(line);
	assert_non_null(strstr(line, "= 0 <1.500000000> (entered "));
	free(text);
	/* JSON: ts_ns is the exit, entry_ns the entry */
	text = timeline_of(sc, off, 6, 1000, 100, true, &ord);
	line = strstr(text, "\"syscall\": \"nanosleep\"");
	assert_non_null(line);
	assert_non_null(strstr(line, "\"resumed\": true"));
	assert_non_null(strstr(line, "\"entry_ns\": 1790000000000000000"));
	assert_non_null(strstr(text, "\"ts_ns\": 1790000001500000000"));
	free(text);
	/* a window past every call puts all six in entry order, none resumed */
	text = timeline_of(sc, off, 6, 2000, 100, false, &ord);
	assert_int_equal(ord.resumed, 0);
	assert_non_null(strstr(text, "nanosleep(")); /* first line */
	assert_true(strstr(text, "nanosleep(") < strstr(text, "read("));
	assert_null(strstr(text, "resumed"));
	free(text);
	/* a buffer of one line: the earliest goes out as soon as two wait; still in order */
	text = timeline_of(sc, off, 6, 1000, 1, false, &ord);
	assert_int_equal(ord.overflowed, 4);
	assert_int_equal(ord.resumed, 1);
	prev[0] = '\0';
	n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		assert_true(n < 6);
		assert_non_null(strstr(line, order[n]));
		assert_true(strncmp(prev, line, 18) <= 0);
		snprintf(prev, sizeof(prev), "%.18s", line);
	}
	assert_int_equal(n, 6);
	free(text);
}

/*
 * The loser's record may come after the number was reused and closed again: thread 10's socket
 * is fd 7 (exit 10 ns); its close(7) enters at 15 ns, thread 13's eventfd2() gets 7 (exit 30)
 * and closes it (entry 40), and only then does the socket's close record arrive. It names the
 * socket, and fd 7 ends closed.
 */
static void test_fd_race_loser_after_reuse_and_close(void **state)
{
	struct scf_syscall sc[4] = {
		{ .tid = 10, .pid = 10, .nr = 41, .abi = SCF_ABI_X86_64, .duration_ns = 10,
		  .ret = 7, .args = { 2, 1, 0 } },
		{ .tid = 13, .pid = 10, .nr = 290, .abi = SCF_ABI_X86_64, .duration_ns = 10,
		  .ret = 7, .args = { 0, 0 } },
		{ .tid = 13, .pid = 10, .nr = 3, .abi = SCF_ABI_X86_64, .duration_ns = 2,
		  .ret = 0, .args = { 7 } },
		{ .tid = 10, .pid = 10, .nr = 3, .abi = SCF_ABI_X86_64, .duration_ns = 60,
		  .ret = 0, .args = { 7 } },
	};
	uint64_t off[4] = { 0, 20, 40, 15 };
	struct ana_ctx *c;
	struct file_buf fb;
	char nbuf[300];
	uint8_t kind;
	(void)state;

	c = race_replay(sc, off, 4, &fb);
	assert_int_equal(race_kind[2], ANA_T_OTHER);  /* thread 13 closes its eventfd */
	assert_int_equal(race_kind[3], ANA_T_SOCKET); /* thread 10 closed its socket */
	assert_null(ana_fd_name(ana_proc_find(c, 0, 10), 7, 0, &kind, nbuf, sizeof(nbuf)));
	ana_ctx__free(c);
	free(fb.p);
}

/*
 * filter keeps a race as the capture had it. Thread 11's close(7) of a socket enters at 100 ns
 * and thread 12's pipe2() gets 7 and 8 (entry 105, exit 115) before the close record arrives;
 * a read(7) at 140 ns reads the pipe. Copied by filter (pipes are numbered anew by each replay,
 * so the filter checks what the output knows of fd 7 before each use), the output still says
 * the close closed the socket and the read read the pipe.
 */
static void test_filter_keeps_an_fd_race(void **state)
{
	struct scf_syscall sc[4] = {
		{ .tid = 10, .pid = 10, .nr = 41, .abi = SCF_ABI_X86_64, .duration_ns = 10,
		  .ret = 7, .args = { 2, 1, 0 } },
		{ .tid = 12, .pid = 10, .nr = 293, .abi = SCF_ABI_X86_64, .duration_ns = 10,
		  .ret = 0, .args = { 0x1000, 0 } },
		{ .tid = 11, .pid = 10, .nr = 3, .abi = SCF_ABI_X86_64, .duration_ns = 30,
		  .ret = 0, .args = { 7 } },
		{ .tid = 12, .pid = 10, .nr = 0, .abi = SCF_ABI_X86_64, .duration_ns = 5,
		  .ret = 0, .args = { 7, 0x2000, 16 } },
	};
	uint64_t off[4] = { 0, 105, 100, 140 };
	char in[] = "/tmp/spancap-race-in-XXXXXX", out[] = "/tmp/spancap-race-out-XXXXXX";
	char err[256], *files[1] = { in };
	struct ana_filter f = { 0 };
	struct ana_filter_cmd fc = { .out = out, .compress = 0 };
	struct ana_filter_stats st = { 0 };
	struct file_buf fb, ofb;
	struct ana_opts o = { .on_event = note_target };
	struct ana_ctx *c;
	int fd;
	(void)state;

	race_pipe[0] = 7;
	race_pipe[1] = 8;
	/* The input's own replay first: close names the socket, read the pipe. */
	c = race_replay(sc, off, 4, &fb);
	assert_int_equal(race_kind[2], ANA_T_SOCKET);
	assert_int_equal(race_kind[3], ANA_T_PIPE);
	ana_ctx__free(c);

	fd = mkstemp(in);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fb.p, fb.len), (ssize_t)fb.len);
	close(fd);
	free(fb.p);
	fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ana_cmd_filter(&f, files, 1, &fc, &st, err, sizeof(err)), 0);
	assert_int_equal(st.syscalls, 4);

	fd = open(out, O_RDONLY);
	assert_true(fd >= 0);
	ofb = fd_read_all(fd);
	race_n = 0;
	c = ana_ctx__new(&o);
	add(c, &ofb, "filtered.pcapng");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(race_n, 4);
	assert_int_equal(race_kind[2], ANA_T_SOCKET); /* the close closed the socket */
	assert_int_equal(race_kind[3], ANA_T_PIPE);   /* the read read the pipe */
	ana_ctx__free(c);
	free(ofb.p);
	unlink(in);
	unlink(out);
}

/* ---- filter and socket addresses -------------------------------------------------------- */

/* A capture of process 10's syscalls, written to a new temporary file (its path in path). */
struct sock_capture {
	struct scf_writer *w;
	uint64_t t;
	char path[64];
};

static void sock_capture_open(struct sock_capture *sk)
{
	struct scf_writer_opts wo = { .sz = sizeof(wo), .uncompressed = true };
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .ncpus = 2 };
	char err[SCF_ERRMSG_MAX];
	struct scf_rec_builder b;
	uint8_t rec[512];
	int fd;

	snprintf(sk->path, sizeof(sk->path), "/tmp/spancap-addr-in-XXXXXX");
	fd = mkstemp(sk->path);
	assert_true(fd >= 0);
	sk->w = scf_writer__fdopen(fd, sk->path, &wo, err, sizeof(err));
	assert_non_null(sk->w);
	sk->t = 1790000000000000000ull;
	scf_rb_begin(&b, rec, sizeof(rec), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	assert_int_equal(scf_writer__begin_section(sk->w, sk->t, rec, scf_rb_end(&b)), 0);
}

/* Appends syscall nr(args) = ret of thread 10, 10 ns after the last, with an address item. */
static void sock_capture_call(struct sock_capture *sk, uint16_t nr, int64_t ret, uint64_t a0,
			      uint64_t a1, const uint8_t *sa, size_t salen)
{
	struct scf_syscall sc = { .tid = 10, .pid = 10, .nr = nr, .abi = SCF_ABI_X86_64,
				  .duration_ns = 5, .ret = ret, .args = { a0, a1 } };
	struct scf_rec_builder b;
	uint8_t rec[512];

	scf_rb_begin(&b, rec, sizeof(rec), SCF_REC_SYSCALL, 0, &sc, sizeof(sc));
	if (sa)
		scf_rb_item(&b, SCF_ITEM_SOCKADDR, sa, salen);
	sk->t += 10;
	assert_int_equal(scf_writer__append(sk->w, sk->t, rec, scf_rb_end(&b)), 0);
}

/* Descriptors and the address bytes of their FD records (the filter's, or those expected). */
struct fd_seen {
	int n;
	int32_t fd[4];
	uint16_t len[4];
	uint8_t sa[4][SCF_SOCKADDR_MAX];
};

/* socket(AF_UNIX) = fd, then connect(fd) to path; the FD record to expect goes to want. */
static void sock_capture_connect(struct sock_capture *sk, int fd, const char *path,
				 struct fd_seen *want)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	uint8_t *sa = want->sa[want->n];
	size_t len;

	memcpy(un.sun_path, path, strlen(path));
	len = scf_sockaddr_encode(&un, offsetof(struct sockaddr_un, sun_path) + strlen(path), sa);
	assert_true(len > 0);
	want->fd[want->n] = fd;
	want->len[want->n++] = (uint16_t)len;
	sock_capture_call(sk, 41, fd, 1, 1, NULL, 0);
	sock_capture_call(sk, 42, 0, (uint64_t)fd, 0x1000, sa, len);
}

static void assert_fd_records(const struct fd_seen *seen, const struct fd_seen *want)
{
	assert_int_equal(seen->n, want->n);
	for (int i = 0; i < want->n; i++) {
		assert_int_equal(seen->fd[i], want->fd[i]);
		assert_int_equal(seen->len[i], want->len[i]);
		assert_memory_equal(seen->sa[i], want->sa[i], want->len[i]);
	}
}

static void filter_writes(struct sock_capture *sk, uint64_t writes, struct fd_seen *seen)
{
	char out[] = "/tmp/spancap-addr-out-XXXXXX", err[SCF_ERRMSG_MAX], *files[1];
	struct ana_filter f = { .has_syscalls = true };
	struct ana_filter_cmd fc = { .out = out, .compress = 0 };
	struct ana_filter_stats st = { 0 };
	struct scf_reader *r;
	struct scf_record sr;
	struct file_buf fb;
	int fd;

	assert_int_equal(scf_writer__close(sk->w, err, sizeof(err)), 0);
	f.syscalls[0] = 1ull << SCF_NR_write;
	files[0] = sk->path;
	fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ana_cmd_filter(&f, files, 1, &fc, &st, err, sizeof(err)), 0);
	assert_int_equal(st.syscalls, writes);

	fd = open(out, O_RDONLY);
	assert_true(fd >= 0);
	fb = fd_read_all(fd);
	r = scf_reader__open_mem(fb.p, fb.len, "filtered", err, sizeof(err));
	assert_non_null(r);
	memset(seen, 0, sizeof(*seen));
	while (scf_reader__next(r, &sr) == 1) {
		struct scf_fd body;
		const uint8_t *d;
		uint16_t len;

		if (sr.type != SCF_REC_FD)
			continue;
		assert_true(seen->n < 4);
		assert_int_equal(scf_record_body(&sr, &body, sizeof(body), SCF_FD_MIN, NULL, 0), 0);
		assert_int_equal(body.kind, SCF_FD_SOCKET);
		assert_int_equal(scf_record_item(&sr, SCF_ITEM_SOCKADDR, &d, &len), 1);
		seen->fd[seen->n] = body.fd;
		seen->len[seen->n] = len;
		memcpy(seen->sa[seen->n++], d, len);
	}
	assert_int_equal(seen->n, (int)st.synthesized_fds);
	scf_reader__free(r);
	free(fb.p);
	unlink(sk->path);
	unlink(out);
}

/*
 * A filter writes the FD record of a descriptor whose connect it leaves out with the address
 * bytes the capture recorded. Process 10 connects fd 5 to the UNIX socket "/run/a\001" and
 * fd 6 to "/run/a\002" (both print as "unix:/run/a?"), then writes to each; only the writes
 * are selected. Each synthesized FD record carries its own address, byte for byte.
 */
static void test_filter_writes_recorded_socket_addresses(void **state)
{
	struct fd_seen seen, want = { 0 };
	struct sock_capture sk;
	(void)state;

	sock_capture_open(&sk);
	sock_capture_connect(&sk, 5, "/run/a\001", &want);
	sock_capture_connect(&sk, 6, "/run/a\002", &want);
	sock_capture_call(&sk, 1, 8, 5, 0x2000, NULL, 0);
	sock_capture_call(&sk, 1, 8, 6, 0x2000, NULL, 0);
	filter_writes(&sk, 2, &seen);
	assert_fd_records(&seen, &want);
}

/*
 * The filter compares what the output knows of a descriptor with the full replay on the
 * addresses, not on their printed names. fd 5 is connected to "/run/a\001" and written to;
 * closed (not selected), it is made again and connected to "/run/a\002", which prints the
 * same, and written to. The output needs a second FD record, with the second address.
 */
static void test_filter_tells_apart_addresses_that_print_alike(void **state)
{
	struct fd_seen seen, want = { 0 };
	struct sock_capture sk;
	(void)state;

	sock_capture_open(&sk);
	sock_capture_connect(&sk, 5, "/run/a\001", &want);
	sock_capture_call(&sk, 1, 8, 5, 0x2000, NULL, 0);
	sock_capture_call(&sk, 3, 0, 5, 0, NULL, 0);
	sock_capture_connect(&sk, 5, "/run/a\002", &want);
	sock_capture_call(&sk, 1, 8, 5, 0x2000, NULL, 0);
	filter_writes(&sk, 2, &seen);
	assert_fd_records(&seen, &want);
}

/* ---- damaged input -------------------------------------------------------------------------- */

static void test_truncated_input_keeps_records_before_the_cut(void **state)
{
	struct file_buf fb = scenario_bytes(0, false), full = fb;
	struct ana_opts o = { 0 };
	struct ana_ctx *c = ana_ctx__new(&o);
	const char *w;
	(void)state;

	fb.len = full.len / 2 + 3; /* inside a block */
	add(c, &fb, "cut.scap");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(c->warnings.n, 1);
	w = c->warnings.v[0];
	assert_non_null(strstr(w, "cut.scap"));
	assert_non_null(strstr(w, "offset"));
	assert_true(c->inputs[0].damaged);
	assert_true(c->total.syscalls > 0);
	assert_true(c->total.syscalls < SCEN_TOTAL_SYSCALLS);
	assert_non_null(ana_proc_find(c, 0, SCEN_PID));
	ana_ctx__free(c);
	free(full.p);
}

static void test_corrupt_input_warns_with_offset(void **state)
{
	struct file_buf fb = scenario_bytes(0, false);
	struct ana_ctx *c = ana_ctx__new(NULL);
	uint8_t *path = memmem(fb.p, fb.len, "/etc/missing.conf", 17);
	uint8_t *rec;
	(void)state;

	/* the failing openat, whose last item is the path: its record header is where a record
	 * length reaches the path's end (the body is plain or packed, of varying length) */
	assert_non_null(path);
	rec = path - 4 - 8;
	while (rec > fb.p) {
		unsigned int type = rec[0] | rec[1] << 8, len = rec[2] | rec[3] << 8;

		if ((type == SCF_REC_SYSCALL_PACKED || type == SCF_REC_SYSCALL) &&
		    (size_t)len == (size_t)(path + 17 - rec))
			break;
		rec--;
	}
	assert_true(rec > fb.p);
	memset(rec + 2, 0xff, 2); /* its length no longer matches the block */
	add(c, &fb, "corrupt.scap");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(c->warnings.n, 1);
	assert_non_null(strstr(c->warnings.v[0], "corrupt.scap"));
	assert_non_null(strstr(c->warnings.v[0], "offset"));
	assert_true(c->inputs[0].damaged);
	/* everything before the damaged record: the four calls before it on /etc/hosts */
	assert_int_equal(c->total.syscalls, 4);
	ana_ctx__free(c);
	free(fb.p);
}

static void test_truncated_compressed_input_keeps_whole_frames(void **state)
{
	struct file_buf fb = scenario_frames(0, true, 512);
	struct ana_ctx *c = ana_ctx__new(NULL);
	(void)state;

	fb.len = fb.len * 3 / 4; /* the frame cut loses all its records, earlier frames stay */
	add(c, &fb, "cut.scap.zst");
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(c->warnings.n, 1);
	assert_non_null(strstr(c->warnings.v[0], "cut.scap.zst"));
	assert_true(c->total.syscalls > 0);
	assert_true(c->total.syscalls < SCEN_TOTAL_SYSCALLS);
	assert_false(((struct ana_host *)c->hosts.v[0])->have_end);
	ana_ctx__free(c);
	free(fb.p);
}

/* The last frame's checksum cut off (FORMAT.md 2): the records of its whole blocks are read. */
static void test_truncated_only_frame_keeps_whole_blocks(void **state)
{
	struct file_buf fb = scenario_bytes(0, true);
	struct ana_ctx *c = ana_ctx__new(NULL);
	char err[SCF_ERRMSG_MAX];
	(void)state;

	fb.len -= 4; /* the checksum of the last frame: its blocks are whole */
	assert_int_equal(ana_ctx__add_mem(c, fb.p, fb.len, "one-frame.zst", err, sizeof(err)), 0);
	assert_int_equal(ana_ctx__run(c), 0);
	assert_int_equal(c->warnings.n, 1);
	assert_non_null(strstr(c->warnings.v[0], "one-frame.zst: truncated"));
	assert_true(c->inputs[0].damaged);
	assert_int_equal(c->total.syscalls, SCEN_TOTAL_SYSCALLS);
	ana_ctx__free(c);
	free(fb.p);
}

static void test_open_rejects_non_spancap(void **state)
{
	static const char junk[] = "this is not a capture file at all, just text";
	struct ana_ctx *c = ana_ctx__new(NULL);
	char err[SCF_ERRMSG_MAX];
	(void)state;

	assert_true(ana_ctx__add_mem(c, junk, sizeof(junk), "junk.txt", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "junk.txt"));
	ana_ctx__free(c);
}

/* ---- units ---------------------------------------------------------------------------------- */

static void test_hist_percentiles_bounded(void **state)
{
	struct ana_hist h = { 0 };
	uint64_t p50, p99;
	(void)state;

	for (uint64_t v = 1; v <= 100000; v++)
		assert_int_equal(ana_hist_add(&h, v), 0);
	assert_true(h.nbins <= ANA_HIST_BUCKETS);
	assert_true(h.nbins < 300);
	p50 = ana_hist_percentile(&h, 50);
	p99 = ana_hist_percentile(&h, 99);
	assert_true(p50 >= 50000 && p50 <= 50000 + 50000 / 16);
	assert_true(p99 >= 99000 && p99 <= 99000 + 99000 / 16);
	assert_int_equal(ana_hist_percentile(&h, 100), 100000);
	assert_int_equal(h.max, 100000);
	for (uint64_t v = 0; v < 64; v++)
		assert_true(ana_hist_bucket_high(ana_hist_bucket(v << 20)) >= v << 20);
	assert_int_equal(ana_hist_bucket(UINT64_MAX), ANA_HIST_BUCKETS - 1);
	ana_hist_free(&h);
}

static void test_syscall_table_names_and_classes(void **state)
{
	char buf[32];
	(void)state;

	assert_true(scf_syscall_count() >= 380);
	assert_int_equal(scf_syscall_lookup("openat"), 257);
	assert_int_equal(scf_syscall_lookup("io_uring_setup"), 425);
	assert_int_equal(scf_syscall_lookup("rseq"), 334);
	assert_int_equal(scf_syscall_lookup("no_such_call"), -ENOENT);
	assert_string_equal(scf_syscall_name(0, buf, sizeof(buf)), "read");
	assert_string_equal(scf_syscall_name(400, buf, sizeof(buf)), "syscall_400");
	assert_int_equal(scf_syscall_info(42)->cls, SCF_CLASS_NET);
	assert_int_equal(scf_syscall_info(202)->cls, SCF_CLASS_SYNC);
	assert_int_equal(scf_syscall_info(35)->cls, SCF_CLASS_TIME);
	assert_int_equal(scf_class_lookup("memory"), SCF_CLASS_MEMORY);
	for (unsigned int nr = 0; nr < SCF_SYSCALL_NR_MAX; nr++) {
		const struct scf_syscall_info *si = scf_syscall_info(nr);

		if (si)
			assert_int_equal(scf_syscall_lookup(si->name), (int)nr);
	}
}

static void test_errno_names_linux_values(void **state)
{
	(void)state;
	assert_string_equal(ana_errno_name(2), "ENOENT");
	assert_string_equal(ana_errno_name(115), "EINPROGRESS");
	assert_string_equal(ana_errno_name(133), "EHWPOISON");
	assert_string_equal(ana_errno_name(512), "ERESTARTSYS");
	assert_null(ana_errno_name(41));
	assert_null(ana_errno_name(4000));
}

/* The snaplen of a spancap command line given as words (a CMDLINE string list). */
static uint32_t snaplen_of(const char *const *words)
{
	uint8_t list[512];
	size_t o = 0;

	for (; *words; words++) {
		size_t n = strlen(*words);

		assert_true(o + 2 + n <= sizeof(list));
		list[o] = (uint8_t)n;
		list[o + 1] = (uint8_t)(n >> 8);
		memcpy(list + o + 2, *words, n);
		o += 2 + n;
	}
	return ana_cmdline_snaplen(list, o);
}

static void test_snaplen_read_as_spancap_reads_it(void **state)
{
	(void)state;
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-w", "f", "--", "cat", NULL }), 0);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-s", "16", "-w", "f", NULL }), 16);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-s16", NULL }), 16);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-qs", "32", NULL }), 32);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "--snaplen", "40", NULL }), 40);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "--snaplen=41", NULL }), 41);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "--snap=42", NULL }), 42);
	/* the last one counts */
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-s", "8", "-s", "9", NULL }), 9);
	/* an option's argument is not an option: -w -s names a file */
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-w", "-s", "--", "x", NULL }), 0);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-w-s", "-s", "7", NULL }), 7);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "--write", "-s5", NULL }), 0);
	/* the command's own -s is not the capture's */
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "--", "sort", "-s", "9", NULL }),
			 0);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "cmd", "-s", "9", NULL }), 0);
	/* out of range or not a number: spancap refused it */
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-s", "256", NULL }), 0);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-s", "1x", NULL }), 0);
	assert_int_equal(snaplen_of((const char *[]){ "spancap", "-s", NULL }), 0);
}

static void test_str_cut_at_the_snaplen_of_truncated_records(void **state)
{
	const uint16_t tr = SCF_SYSCALL_F_TRUNCATED;

	(void)state;
	/* -s 16: a 16-byte path of a truncated record was cut, not a shorter one */
	assert_true(ana_str_cut(16, tr, SCF_ITEM_PATH, 16));
	assert_true(ana_str_cut(16, tr, SCF_ITEM_PATH2, 16));
	assert_false(ana_str_cut(16, tr, SCF_ITEM_PATH, 15));
	/* nor in a record that is not truncated */
	assert_false(ana_str_cut(16, 0, SCF_ITEM_PATH, 16));
	/* the default keeps 255 bytes of a path, 63 of an argv string */
	assert_true(ana_str_cut(0, tr, SCF_ITEM_PATH, 255));
	assert_false(ana_str_cut(0, tr, SCF_ITEM_PATH, 63));
	assert_true(ana_str_cut(0, tr, SCF_ITEM_ARGV, 63));
	assert_true(ana_str_cut(100, tr, SCF_ITEM_ARGV, 63));
	assert_true(ana_str_cut(16, tr, SCF_ITEM_ARGV, 16));
	/* other items are not strings the snaplen cuts */
	assert_false(ana_str_cut(16, tr, SCF_ITEM_NAME, 16));
	/* a successful execve's argument block is cut as a whole */
	assert_true(ana_argv_block_cut(16, tr, 16));
	assert_false(ana_argv_block_cut(16, tr, 15));
	assert_false(ana_argv_block_cut(16, 0, 16));
	assert_true(ana_argv_block_cut(0, tr, 255));
	assert_false(ana_argv_block_cut(0, tr, 63));
}

/* Cells converted without vsnprintf ("%s", "%u", "%" PRIu64) and with it print aligned:
 * columns as wide as their widest cell, a cell longer than the text buffer's first room
 * whole. */
static void test_table_cells_print_aligned(void **state)
{
	static const char *const heads[] = { "ID", "N", "NAME" };
	struct ana_table t;
	char *out = NULL, longname[301];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	char want[1024];

	(void)state;
	assert_non_null(f);
	memset(longname, 'x', 300);
	longname[300] = 0;
	ana_table_init(&t, 3, heads, "lrl");
	ana_table_cell(&t, "%s", "a");
	ana_table_cell(&t, "%u", 7u);
	ana_table_cell(&t, "%s", "first");
	ana_table_cell(&t, "%s", "bbbb");
	ana_table_cell(&t, "%u", 12345u);
	ana_table_cell(&t, "%s", longname);
	ana_table_cell(&t, "%s", "");
	ana_table_cell(&t, "%d", -1);
	ana_table_cell(&t, "%s", "z");
	ana_table_cell(&t, "%" PRIu64, (uint64_t)0);
	ana_table_cell(&t, "%" PRIu64, UINT64_MAX);
	ana_table_cell(&t, "%u", 4294967295u);
	ana_table_print(&t, f, 2);
	fclose(f);
	snprintf(want, sizeof(want),
		 "  ID                       N  NAME\n"
		 "  a                        7  first\n"
		 "  bbbb                 12345  %s\n"
		 "                          -1  z\n"
		 "  0     18446744073709551615  4294967295\n",
		 longname);
	assert_string_equal(out, want);
	assert_int_equal(t.nomem, 0);
	ana_table_free(&t);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_traces_totals),
		cmocka_unit_test(test_trace_files_bytes_per_path),
		cmocka_unit_test(test_trace_errors_with_errno),
		cmocka_unit_test(test_trace_peers_and_bytes),
		cmocka_unit_test(test_trace_child_processes),
		cmocka_unit_test(test_ns_fork_results_map_to_host_pids),
		cmocka_unit_test(test_ns_pid_values_show_host_pids),
		cmocka_unit_test(test_ns_gone_child_without_clone_record_has_no_ns_pid),
		cmocka_unit_test(test_pid_reused_between_captures_is_two_processes),
		cmocka_unit_test(test_tid_reused_by_another_process_is_two_threads),
		cmocka_unit_test(test_clock_step_between_captures_keeps_one_process),
		cmocka_unit_test(test_loss_marks_overlapping_incomplete),
		cmocka_unit_test(test_fd_close_racing_a_new_fd_in_exit_order),
		cmocka_unit_test(test_fd_race_losers_name_the_replaced_description),
		cmocka_unit_test(test_timeline_orders_by_entry_and_resumes_long_calls),
		cmocka_unit_test(test_fd_race_loser_after_reuse_and_close),
		cmocka_unit_test(test_filter_keeps_an_fd_race),
		cmocka_unit_test(test_filter_writes_recorded_socket_addresses),
		cmocka_unit_test(test_filter_tells_apart_addresses_that_print_alike),
		cmocka_unit_test(test_attrs_resolve_through_key_map),
		cmocka_unit_test(test_late_descriptions_keep_what_is_known),
		cmocka_unit_test(test_killed_inside_a_span),
		cmocka_unit_test(test_process_context_and_service),
		cmocka_unit_test(test_fd_attribution_across_dup_close_exec_fork),
		cmocka_unit_test(test_filter_errors_only),
		cmocka_unit_test(test_filter_trace_span_pid_syscall),
		cmocka_unit_test(test_syscalls_stats_by_syscall),
		cmocka_unit_test(test_multi_host_merge_by_trace_id),
		cmocka_unit_test(test_event_callback_sees_timeline),
		cmocka_unit_test(test_truncated_input_keeps_records_before_the_cut),
		cmocka_unit_test(test_corrupt_input_warns_with_offset),
		cmocka_unit_test(test_truncated_compressed_input_keeps_whole_frames),
		cmocka_unit_test(test_truncated_only_frame_keeps_whole_blocks),
		cmocka_unit_test(test_open_rejects_non_spancap),
		cmocka_unit_test(test_hist_percentiles_bounded),
		cmocka_unit_test(test_syscall_table_names_and_classes),
		cmocka_unit_test(test_errno_names_linux_values),
		cmocka_unit_test(test_snaplen_read_as_spancap_reads_it),
		cmocka_unit_test(test_str_cut_at_the_snaplen_of_truncated_records),
		cmocka_unit_test(test_table_cells_print_aligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
