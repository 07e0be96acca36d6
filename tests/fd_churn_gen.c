// SPDX-License-Identifier: BSD-2-Clause
/*
 * fd_churn_gen.c - writes a one-process capture whose traces use descriptors bound, rebound,
 * duplicated and closed in other frames, for the frame index's descriptor parts
 * (FORMAT.md 7.2, tests/integration/it_analyze_index.sh).
 *
 *   fd_churn_gen FILE [RECORDS] [SEED] [ALIAS_PERCENT] [FORK_PERMILLE]
 *
 * One process (pid 3000), 8 threads, frames of 16 KiB. Each thread runs traces of 10 to 40
 * syscalls that read and write a few descriptors of a shared pool (0..63), while any thread
 * now and then (with or without a trace) opens a file there (absolute, or relative to a
 * directory descriptor), makes a socket and connects or binds it, accepts on a listener, dups
 * one descriptor onto another (dup, dup2, dup3, fcntl F_DUPFD), closes one, or, rarely, closes
 * a range or sets close-on-exec. Records are written in exit order with overlapping times, so
 * some closes enter before the open they race with returns (the descriptor's replaced
 * description). A report of one trace shows the paths and peers of the pool as the whole
 * capture leaves them at each syscall: a frame left out that changed one of them changes it.
 * ALIAS_PERCENT (default 100) keeps that share of the syscalls that make a descriptor from
 * another (dup, accept, openat relative to a directory) and makes the others reads, so that
 * most descriptors are settled by a frame of their own (the reader can then skip frames).
 * FORK_PERMILLE (default 0) of the syscalls otherwise left out fork a child (its FORK event, a
 * read and a connect of an inherited descriptor, which changes the description the parent
 * shares, its exit, by SIGKILL one time in five, and the parent's clone record).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spancap_file.h"
#include "xorshift64.h"

#define PID 3000
#define NTHREADS 8
#define POOL 64

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
	return xorshift64_next(&rng) % n;
}

struct gen {
	struct scf_writer *w;
	uint8_t buf[4096];
	uint64_t ts;
	int err;
};

static void put(struct gen *g, uint64_t ts, size_t len)
{
	if (!g->err && scf_writer__append(g->w, ts, g->buf, len))
		g->err = -1;
}

static void sys(struct gen *g, uint32_t tid, const uint8_t *trace, const uint8_t *span, uint16_t nr,
		int64_t ret, uint64_t a0, uint64_t a1, uint64_t a2, const char *path,
		const void *sa, size_t salen)
{
	struct scf_syscall s = {
	    .ret = ret, .tid = tid, .pid = PID, .nr = nr, .abi = SCF_ABI_X86_64};
	struct scf_rec_builder b;
	uint64_t entry;

	/* entry times overlap: a record may enter before the previous one returned */
	g->ts += 100 + rnd(400);
	entry = g->ts - rnd(3) * 300;
	s.duration_ns = 50 + rnd(800);
	s.args[0] = a0;
	s.args[1] = a1;
	s.args[2] = a2;
	if (trace) {
		memcpy(s.trace_id, trace, 16);
		memcpy(s.span_id, span, 8);
	}
	scf_rb_begin(&b, g->buf, sizeof(g->buf), SCF_REC_SYSCALL, trace ? SCF_SYSCALL_F_CTX : 0, &s,
		     sizeof(s));
	if (path)
		scf_rb_item_str(&b, SCF_ITEM_PATH, path);
	if (sa)
		scf_rb_item(&b, SCF_ITEM_SOCKADDR, sa, salen);
	put(g, entry, scf_rb_end(&b));
}

/* A syscall of a forked child (its own pid and tid, no trace). */
static void child_sys(struct gen *g, uint32_t pid, uint16_t nr, int64_t ret, uint64_t a0,
		      const void *sa, size_t salen)
{
	struct scf_syscall s = {.ret = ret,
				.tid = pid,
				.pid = pid,
				.nr = nr,
				.abi = SCF_ABI_X86_64,
				.duration_ns = 100};
	struct scf_rec_builder b;

	g->ts += 100;
	s.args[0] = a0;
	scf_rb_begin(&b, g->buf, sizeof(g->buf), SCF_REC_SYSCALL, 0, &s, sizeof(s));
	if (sa)
		scf_rb_item(&b, SCF_ITEM_SOCKADDR, sa, salen);
	put(g, g->ts - 50, scf_rb_end(&b));
}

/* A fork by thread tid: the FORK event, the child's read of the inherited fd and connect of
 * it (which changes the description the parent shares), its exit, then the parent's clone
 * record (written when the clone returns). */
static void fork_child(struct gen *g, uint32_t tid, const uint8_t *tr, const uint8_t *sp,
		       int64_t fd, uint32_t n)
{
	uint32_t pid = PID + 1000 + n;
	struct scf_proc_event pe = {.pid = pid, .tid = tid, .ppid = PID, .kind = SCF_PROC_FORK};
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(9000)};
	struct scf_rec_builder b;
	uint8_t sa[SCF_SOCKADDR_MAX];
	size_t salen;

	in.sin_addr.s_addr = htonl(0x0a0000f0 + n % 8);
	salen = scf_sockaddr_encode(&in, sizeof(in), sa);
	g->ts += 100;
	scf_rb_begin(&b, g->buf, sizeof(g->buf), SCF_REC_PROC_EVENT, 0, &pe, sizeof(pe));
	scf_rb_item_str(&b, SCF_ITEM_NAME, "churn");
	put(g, g->ts, scf_rb_end(&b));
	child_sys(g, pid, 0, 64, (uint64_t)fd, NULL, 0);
	child_sys(g, pid, 42, 0, (uint64_t)fd, sa, salen);
	pe = (struct scf_proc_event){.pid = pid,
				     .tid = pid,
				     .kind = SCF_PROC_EXIT,
				     .exit_status = n % 5 ? 0 : 9}; /* now and then a SIGKILL */
	g->ts += 100;
	scf_rb_begin(&b, g->buf, sizeof(g->buf), SCF_REC_PROC_EVENT, 0, &pe, sizeof(pe));
	put(g, g->ts, scf_rb_end(&b));
	sys(g, tid, tr, sp, 56, pid, 17, 0, 0, NULL, NULL, 0);
}

int main(int argc, char **argv)
{
	struct scf_writer_opts o = {.sz = sizeof(o), .frame_bytes = 16 << 10};
	struct scf_section sec = {.format_major = SCF_FORMAT_MAJOR,
				  .format_minor = SCF_FORMAT_MINOR,
				  .ncpus = 2,
				  .syscall_abi = SCF_ABI_X86_64};
	struct scf_process p = {.pid = PID, .ppid = 1, .origin = SCF_ORIGIN_FORK};
	uint8_t trace[NTHREADS][16], span[NTHREADS][8];
	int left[NTHREADS] = {0};
	uint64_t n, records, alias_pct, fork_pct;
	uint32_t child = 0;
	struct gen g = {.ts = 1790000000000000000ull};
	struct scf_rec_builder b;
	char err[SCF_ERRMSG_MAX], path[64];
	uint8_t sa[SCF_SOCKADDR_MAX];
	size_t salen;

	if (argc < 2) {
		fprintf(stderr, "usage: fd_churn_gen FILE [RECORDS] [SEED]\n");
		return 2;
	}
	records = argc > 2 ? strtoull(argv[2], NULL, 0) : 200000;
	rng = argc > 3 ? strtoull(argv[3], NULL, 0) | 1 : 0x2545f4914f6cdd1dull;
	alias_pct = argc > 4 ? strtoull(argv[4], NULL, 0) : 100;
	fork_pct = argc > 5 ? strtoull(argv[5], NULL, 0) : 0;
	g.w = scf_writer__open(argv[1], &o, err, sizeof(err));
	if (!g.w) {
		fprintf(stderr, "fd_churn_gen: %s\n", err);
		return 1;
	}
	sec.capture_start_ns = sec.section_start_ns = g.ts;
	scf_rb_begin(&b, g.buf, sizeof(g.buf), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "churn");
	if (scf_writer__begin_section(g.w, g.ts, g.buf, scf_rb_end(&b)))
		g.err = -1;
	scf_rb_begin(&b, g.buf, sizeof(g.buf), SCF_REC_PROCESS, 0, &p, sizeof(p));
	scf_rb_item_str(&b, SCF_ITEM_NAME, "churn");
	put(&g, g.ts, scf_rb_end(&b));
	/* descriptors found at discovery */
	for (int fd = 3; fd < 6; fd++) {
		struct scf_fd f = {.pid = PID, .fd = fd, .kind = SCF_FD_FILE};

		snprintf(path, sizeof(path), "/etc/discovered-%d", fd);
		scf_rb_begin(&b, g.buf, sizeof(g.buf), SCF_REC_FD, 0, &f, sizeof(f));
		scf_rb_item_str(&b, SCF_ITEM_PATH, path);
		put(&g, g.ts, scf_rb_end(&b));
	}
	for (n = 0; n < records && !g.err; n++) {
		int t = (int)rnd(NTHREADS);
		uint32_t tid = PID + (uint32_t)t;
		const uint8_t *tr = NULL, *sp = NULL;
		int64_t fd = (int64_t)rnd(POOL), fd2 = (int64_t)rnd(POOL);
		uint64_t k = rnd(100);

		if (!left[t]) {
			for (int i = 0; i < 16; i++)
				trace[t][i] = (uint8_t)rnd(256);
			for (int i = 0; i < 8; i++)
				span[t][i] = (uint8_t)rnd(256);
			left[t] = 10 + (int)rnd(31);
		}
		if (rnd(4)) { /* most syscalls are in a trace */
			tr = trace[t];
			sp = span[t];
			left[t]--;
		}
		if (((k >= 55 && k < 59) || (k >= 75 && k < 88)) && rnd(100) >= alias_pct)
			k = 0;
		if (k < 45) { /* reads and writes of the pool */
			sys(&g, tid, tr, sp, k < 25 ? 0 : 1, (int64_t)rnd(4096), (uint64_t)fd, 0,
			    4096, NULL, NULL, 0);
		} else if (k < 55) {
			snprintf(path, sizeof(path), "/data/file-%u", (unsigned)rnd(50));
			sys(&g, tid, tr, sp, 257, fd, (uint64_t)-100, 0, 0, path, NULL, 0);
		} else if (k < 59) { /* relative to a directory descriptor of the pool */
			snprintf(path, sizeof(path), "sub-%u/x", (unsigned)rnd(9));
			sys(&g, tid, tr, sp, 257, fd, (uint64_t)fd2, 0, 0, path, NULL, 0);
		} else if (k < 62) {
			sys(&g, tid, tr, sp, 2, fd, 0, 0, 0, "/var/log/app.log", NULL, 0);
		} else if (k < 70) {
			sys(&g, tid, tr, sp, 3, rnd(10) ? 0 : -9, (uint64_t)fd, 0, 0, NULL, NULL,
			    0);
		} else if (k < 75) { /* a socket, then connect or bind */
			struct sockaddr_in in = {.sin_family = AF_INET,
						 .sin_port = htons((uint16_t)(8000 + rnd(20)))};

			in.sin_addr.s_addr = htonl(0x0a000001 + (uint32_t)rnd(5));
			salen = scf_sockaddr_encode(&in, sizeof(in), sa);
			sys(&g, tid, tr, sp, 41, fd, 2, 1, 0, NULL, NULL, 0);
			sys(&g, tid, tr, sp, rnd(3) ? 42 : 49, rnd(6) ? 0 : -115, (uint64_t)fd, 0,
			    16, NULL, sa, salen);
		} else if (k < 78) { /* accept on a pool descriptor */
			struct sockaddr_in in = {.sin_family = AF_INET,
						 .sin_port = htons((uint16_t)(40000 + rnd(100)))};

			in.sin_addr.s_addr = htonl(0xc0a80001 + (uint32_t)rnd(9));
			salen = scf_sockaddr_encode(&in, sizeof(in), sa);
			sys(&g, tid, tr, sp, rnd(2) ? 43 : 288, fd, (uint64_t)fd2, 0, 0, NULL, sa,
			    salen);
		} else if (k < 81) {
			sys(&g, tid, tr, sp, 32, fd, (uint64_t)fd2, 0, 0, NULL, NULL, 0);
		} else if (k < 84) {
			sys(&g, tid, tr, sp, 33, fd, (uint64_t)fd2, (uint64_t)fd, 0, NULL, NULL, 0);
		} else if (k < 85) {
			sys(&g, tid, tr, sp, 292, fd, (uint64_t)fd2, (uint64_t)fd, 02000000, NULL,
			    NULL, 0);
		} else if (k < 87) {
			sys(&g, tid, tr, sp, 72, fd, (uint64_t)fd2, rnd(2) ? 0 : 1030, 0, NULL,
			    NULL, 0);
		} else if (k < 88) {
			sys(&g, tid, tr, sp, 72, 0, (uint64_t)fd, 2, rnd(2), NULL, NULL,
			    0); /* F_SETFD */
		} else if (k < 89 && !rnd(20)) {
			sys(&g, tid, tr, sp, 436, 0, (uint64_t)fd, (uint64_t)fd + rnd(4),
			    rnd(2) ? 4 : 0, NULL, NULL, 0);
		} else if (k < 89 && fork_pct && rnd(1000) < fork_pct) {
			fork_child(&g, tid, tr, sp, fd, ++child);
		} else if (k < 92) {
			sys(&g, tid, tr, sp, 290, fd, 0, 02000000, 0, NULL, NULL, 0); /* eventfd2 */
		} else {
			sys(&g, tid, tr, sp, 202, 0, 0, 0, 0, NULL, NULL, 0); /* futex */
		}
	}
	if (g.err)
		fprintf(stderr, "fd_churn_gen: %s\n", scf_writer__errmsg(g.w));
	if (scf_writer__close(g.w, err, sizeof(err))) {
		fprintf(stderr, "fd_churn_gen: %s\n", err);
		return 1;
	}
	if (g.err)
		return 1;
	return 0;
}
