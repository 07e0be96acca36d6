// SPDX-License-Identifier: BSD-2-Clause
/*
 * format_bench.c - write then read N syscall records through formats/ and report records per
 * second and bytes per record (compressed and raw pcapng).
 *
 *   format_bench [-n RECORDS] [-l LEVEL] [-u] [-p] [-o FILE]
 *
 * -p writes syscall records plain (format 1.0) instead of packed, for comparison.
 *
 * The records model a multi-threaded service on a 2-CPU host, as a ring buffer delivers it:
 * 8 worker threads, at most two running at a time (one per CPU), each running for a burst of
 * syscalls before another thread takes the CPU, the two CPUs' events interleaved. A worker
 * serves requests under one trace (a new span now and then) by a script of syscalls:
 * openat, 1-4 reads, close, sometimes write + fsync, sendto + recvfrom to a peer, futex, and
 * epoll_wait between requests without context. Arguments and results are what such calls
 * carry (small fds, per-thread buffer addresses, byte counts with a few random bits, errors now
 * and then); durations are spread over three orders of magnitude. Generation is deterministic.
 *
 * This model is more regular than a uniformly random stream and less regular than a real
 * capture of one busy loop: the figure that matters in the end is the bytes per record of a
 * real capture (bench/ also measures those).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "spancap_file.h"
#include "../tests/xorshift64.h"

#define NTHREADS 8
#define POOL 1000000

struct gen_thread {
	uint32_t tid;
	uint64_t buf_addr;
	uint8_t trace_id[16];
	uint8_t span_id[8];
	int step;	 /* position in the request script */
	int reads_left;
	bool in_request;
	int fd_file, fd_sock;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return xorshift64_next(&rng_state);
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of this process: on a shared machine, wall time also counts other jobs. */
static uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static const char *const paths[] = {
	"/var/lib/app/data/orders.db", "/var/lib/app/data/orders.db-wal", "/etc/app/config.yaml",
	"/var/log/app/access.log", "/tmp/app-cache/item-42", "/usr/share/zoneinfo/UTC",
	"/var/lib/app/data/missing.json",
};

enum op { OP_EPOLL, OP_OPEN, OP_READ, OP_CLOSE, OP_WRITE, OP_FSYNC, OP_SEND, OP_RECV, OP_FUTEX };

/* The next operation of a worker's request script; also starts and ends requests. */
static enum op next_op(struct gen_thread *th)
{
	switch (th->step) {
	case 0: /* idle: wait for a request, then start its trace */
		th->step = 1;
		th->in_request = false;
		return OP_EPOLL;
	case 1:
		for (int i = 0; i < 16; i += 8) {
			uint64_t v = rnd();

			memcpy(th->trace_id + i, &v, 8);
		}
		{
			uint64_t v = rnd();

			memcpy(th->span_id, &v, 8);
		}
		th->in_request = true;
		th->reads_left = 1 + (int)(rnd() % 4);
		th->step = 2;
		return OP_OPEN;
	case 2:
		if (--th->reads_left <= 0)
			th->step = 3;
		return OP_READ;
	case 3:
		th->step = rnd() % 10 < 3 ? 4 : 6;
		return OP_CLOSE;
	case 4:
		th->step = 5;
		return OP_WRITE;
	case 5:
		th->step = 6;
		return OP_FSYNC;
	case 6: { /* a child span for the call to the peer */
		uint64_t v = rnd();

		memcpy(th->span_id, &v, 8);
		th->step = 7;
		return OP_SEND;
	}
	case 7:
		th->step = rnd() % 2 ? 8 : 0;
		return OP_RECV;
	default:
		th->step = 0;
		return OP_FUTEX;
	}
}

/* Builds one synthetic syscall record into buf; returns its length. */
static size_t gen_record(struct gen_thread *th, uint16_t cpu, uint8_t *buf, size_t cap)
{
	struct scf_syscall s = { 0 };
	struct scf_rec_builder b;
	const char *path = NULL;
	uint8_t sa[SCF_SOCKADDR_MAX];
	size_t salen = 0;
	uint16_t flags = 0;
	enum op op = next_op(th);

	s.tid = th->tid;
	s.pid = 4242;
	s.cpu = cpu;
	s.abi = SCF_ABI_X86_64;
	switch (op) {
	case OP_OPEN:
		s.nr = 257;
		path = paths[rnd() % (sizeof(paths) / sizeof(paths[0]))];
		s.args[0] = (uint64_t)-100;
		s.args[1] = th->buf_addr + 0x200;
		s.args[2] = 0x80000;
		s.ret = strstr(path, "missing") ? -2 : th->fd_file;
		s.duration_ns = 2000 + rnd() % 6000;
		break;
	case OP_READ:
		s.nr = 0;
		s.args[0] = (uint64_t)th->fd_file;
		s.args[1] = th->buf_addr;
		s.args[2] = 4096;
		s.ret = th->reads_left > 0 ? 4096 : (int64_t)(rnd() % 4096);
		s.duration_ns = 600 + rnd() % 3000;
		break;
	case OP_WRITE:
		s.nr = 1;
		s.args[0] = (uint64_t)th->fd_file;
		s.args[1] = th->buf_addr + 0x1000;
		s.args[2] = 64 + rnd() % 512;
		s.ret = (int64_t)s.args[2];
		s.duration_ns = 900 + rnd() % 4000;
		break;
	case OP_SEND:
		s.nr = 44;
		s.args[0] = (uint64_t)th->fd_sock;
		s.args[1] = th->buf_addr + 0x2000;
		s.args[2] = 100 + rnd() % 1400;
		s.ret = rnd() % 50 ? (int64_t)s.args[2] : -111;
		s.duration_ns = 3000 + rnd() % 20000;
		break;
	case OP_RECV: {
		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(5432) };

		in.sin_addr.s_addr = htonl(0x7f000001);
		s.nr = 45;
		s.args[0] = (uint64_t)th->fd_sock;
		s.args[1] = th->buf_addr + 0x2000;
		s.args[2] = 65536;
		s.ret = (int64_t)(rnd() % 2000);
		s.duration_ns = 1000 + (rnd() % 4 ? rnd() % 5000 : rnd() % 2000000);
		salen = scf_sockaddr_encode(&in, sizeof(in), sa);
		break;
	}
	case OP_FSYNC:
		s.nr = 74;
		s.args[0] = (uint64_t)th->fd_file;
		s.ret = 0;
		s.duration_ns = 50000 + rnd() % 2000000;
		break;
	case OP_CLOSE:
		s.nr = 3;
		s.args[0] = (uint64_t)th->fd_file;
		s.ret = 0;
		s.duration_ns = 400 + rnd() % 1000;
		break;
	case OP_FUTEX:
		s.nr = 202;
		s.args[0] = th->buf_addr + 0x3000;
		s.args[1] = 128;
		s.args[2] = 1;
		s.ret = 0;
		s.duration_ns = 300 + (rnd() % 2 ? rnd() % 1000 : rnd() % 500000);
		break;
	case OP_EPOLL:
		s.nr = 232;
		s.args[0] = 5;
		s.args[1] = th->buf_addr + 0x4000;
		s.args[2] = 64;
		s.args[3] = (uint64_t)-1;
		s.ret = 1;
		s.duration_ns = 1000 + rnd() % 1000000;
		break;
	}
	if (th->in_request) {
		memcpy(s.trace_id, th->trace_id, 16);
		memcpy(s.span_id, th->span_id, 8);
		s.trace_flags = 1;
		flags |= SCF_SYSCALL_F_CTX;
	}
	scf_rb_begin(&b, buf, cap, SCF_REC_SYSCALL, flags, &s, sizeof(s));
	if (path)
		scf_rb_item_str(&b, SCF_ITEM_PATH, path);
	if (salen)
		scf_rb_item(&b, SCF_ITEM_SOCKADDR, sa, salen);
	return scf_rb_end(&b);
}

/* Counts the contexts of the generated stream: how often a thread's ids change. */
struct model_stats {
	uint64_t in_span, traces, spans;
	uint32_t tid[NTHREADS];
	uint8_t trace[NTHREADS][16], span[NTHREADS][8];
};

static void model_count(struct model_stats *m, const uint8_t *rec)
{
	struct scf_rec_hdr h;
	struct scf_syscall s;
	int t;

	memcpy(&h, rec, sizeof(h));
	memcpy(&s, rec + sizeof(h), sizeof(s));
	if (!(h.flags & SCF_SYSCALL_F_CTX))
		return;
	m->in_span++;
	t = (int)(s.tid % NTHREADS);
	if (m->tid[t] != s.tid || memcmp(m->trace[t], s.trace_id, 16))
		m->traces++;
	if (m->tid[t] != s.tid || memcmp(m->span[t], s.span_id, 8))
		m->spans++;
	m->tid[t] = s.tid;
	memcpy(m->trace[t], s.trace_id, 16);
	memcpy(m->span[t], s.span_id, 8);
}

/* Two CPUs, each running one worker for a burst of syscalls; returns the next record's. */
static struct gen_thread *schedule(struct gen_thread *th, int running[2], int burst[2],
				   uint16_t *cpu)
{
	int c = (int)(rnd() % 2);

	if (burst[c] <= 0) {
		int t;

		do
			t = (int)(rnd() % NTHREADS);
		while (t == running[1 - c]);
		running[c] = t;
		burst[c] = 1 + (int)(rnd() % 12);
	}
	burst[c]--;
	*cpu = (uint16_t)c;
	return &th[running[c]];
}

static size_t section_record(uint8_t *buf, size_t cap, uint64_t ts)
{
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .format_minor = SCF_FORMAT_MINOR,
				   .capture_start_ns = ts, .section_start_ns = ts, .ncpus = 2,
				   .page_size = 4096, .syscall_abi = SCF_ABI_X86_64 };
	struct scf_rec_builder b;

	scf_rb_begin(&b, buf, cap, SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "bench-host");
	scf_rb_item_str(&b, SCF_ITEM_TOOL_VERSION, "format_bench");
	return scf_rb_end(&b);
}

int main(int argc, char **argv)
{
	struct scf_writer_opts opts = { .sz = sizeof(opts) };
	const char *path = "/tmp/spancap-format-bench.pcapng.zst";
	struct gen_thread th[NTHREADS];
	char err[SCF_ERRMSG_MAX];
	uint64_t n = 10000000, ts = 1790000000000000000ull, raw_bytes = 0, got = 0, t0, t1, t2;
	uint64_t c0, c1, c2;
	struct scf_writer *w;
	struct scf_reader *r;
	struct scf_record rec;
	uint8_t buf[4096];
	int c, ret;

	while ((c = getopt(argc, argv, "n:l:upo:")) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'l': opts.level = atoi(optarg); break;
		case 'u': opts.uncompressed = true; break;
		case 'p': opts.plain_syscalls = true; break;
		case 'o': path = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-n RECORDS] [-l LEVEL] [-u] [-p] [-o FILE]\n",
				argv[0]);
			return 2;
		}
	}
	for (int i = 0; i < NTHREADS; i++) {
		th[i] = (struct gen_thread){ .tid = 4242 + (uint32_t)i,
					     .buf_addr = 0x7f3a12000000ull + ((uint64_t)i << 24),
					     .fd_file = 7 + i, .fd_sock = 20 + i };
	}

	/*
	 * Records are generated up front (at most POOL of them, cycled) so that the write rate
	 * measures encoding into pcapng and zstd, not the generator. The pool is far larger than
	 * any zstd window, so cycling it does not help compression.
	 */
	uint64_t pool_n = n < POOL ? n : POOL;
	uint8_t *pool = malloc(pool_n * 512);
	uint32_t *pool_len = malloc(pool_n * sizeof(*pool_len));
	uint64_t *pool_off = malloc(pool_n * sizeof(*pool_off)), off = 0;
	uint64_t *pool_dt = malloc(pool_n * sizeof(*pool_dt));

	if (!pool || !pool_len || !pool_dt || !pool_off) {
		fprintf(stderr, "format_bench: out of memory\n");
		return 1;
	}
	int running[2] = { 0, 1 }, burst[2] = { 0, 0 };
	struct model_stats model = { 0 };

	for (uint64_t i = 0; i < pool_n; i++) {
		uint16_t cpu;
		struct gen_thread *t = schedule(th, running, burst, &cpu);

		/* Packed one after the other: a capture appends a record it has just built (hot in
		 * cache), so the pool is read sequentially, not in strides that miss the cache. */
		pool_off[i] = off;
		pool_len[i] = (uint32_t)gen_record(t, cpu, pool + off, 512);
		pool_dt[i] = 500 + rnd() % 3000;
		model_count(&model, pool + off);
		off += pool_len[i];
	}
	/* What the stream holds, so that figures of different generators can be compared. */
	printf("model              %d threads on 2 CPUs; %.1f%% of syscalls in a span;\n"
	       "                   a thread's trace changes every %.1f syscalls of the stream,\n"
	       "                   a span every %.1f\n",
	       NTHREADS, 100.0 * (double)model.in_span / (double)pool_n,
	       (double)pool_n / (double)(model.traces ? model.traces : 1),
	       (double)pool_n / (double)(model.spans ? model.spans : 1));

	w = scf_writer__open(path, &opts, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "format_bench: %s\n", err);
		return 1;
	}
	t0 = now_ns();
	c0 = cpu_ns();
	ret = scf_writer__begin_section(w, ts, buf, section_record(buf, sizeof(buf), ts));
	for (uint64_t i = 0, j = 0; i < n && !ret; i++, j = j + 1 == pool_n ? 0 : j + 1) {
		ts += pool_dt[j];
		ret = scf_writer__append(w, ts, pool + pool_off[j], pool_len[j]);
		raw_bytes += 32 + ((scf_writer__last_record_len(w) + 3) & ~3ul);
	}
	if (!ret)
		ret = scf_writer__flush(w);
	t1 = now_ns();
	c1 = cpu_ns();
	if (ret) {
		fprintf(stderr, "format_bench: %s\n", scf_writer__errmsg(w));
		return 1;
	}
	uint64_t file_bytes = scf_writer__bytes(w);
	scf_writer__close(w, NULL, 0);
	printf("records            %" PRIu64 "\n", n);
	printf("mode               %s (level %d), syscall records %s\n",
	       opts.uncompressed ? "pcapng" : "pcapng+zstd",
	       opts.uncompressed ? 0 : (opts.level ? opts.level : SCF_DEFAULT_LEVEL),
	       opts.plain_syscalls ? "plain (1.0)" : "packed (1.1)");
	printf("write              %.2f M records/s (wall), %.1f ns CPU/record\n",
	       n * 1e3 / (double)(t1 - t0), (double)(c1 - c0) / (double)n);
	printf("bytes/record file  %.2f\n", (double)file_bytes / (double)n);
	printf("bytes/record raw   %.2f\n", (double)raw_bytes / (double)n);
	if (!strcmp(path, "/dev/null"))
		return 0; /* write-only run: measures formats/ without the file system */

	r = scf_reader__open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "format_bench: %s\n", err);
		return 1;
	}
	t2 = now_ns();
	c2 = cpu_ns();
	uint64_t sum = 0;
	while ((ret = scf_reader__next(r, &rec)) == 1) {
		if (rec.type == SCF_REC_SYSCALL) {
			struct scf_syscall s;

			scf_record_body(&rec, &s, sizeof(s), SCF_SYSCALL_MIN, NULL, 0);
			sum += s.duration_ns;
			got++;
		}
	}
	uint64_t t3 = now_ns(), c3 = cpu_ns();
	if (ret < 0) {
		fprintf(stderr, "format_bench: %s\n", scf_reader__errmsg(r));
		return 1;
	}
	scf_reader__free(r);
	free(pool);
	free(pool_len);
	free(pool_off);
	free(pool_dt);
	if (got != n) {
		fprintf(stderr, "format_bench: wrote %" PRIu64 " records, read %" PRIu64 "\n", n, got);
		return 1;
	}
	printf("read               %.2f M records/s (wall), %.1f ns CPU/record\n",
	       n * 1e3 / (double)(t3 - t2), (double)(c3 - c2) / (double)n);
	printf("checksum           %" PRIu64 "\n", sum);
	if (!getenv("SCF_BENCH_KEEP"))
		unlink(path);
	return 0;
}
