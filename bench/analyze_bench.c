// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze_bench.c - replay speed of spancap-analyze's `traces` reconstruction, in events
 * (records) per second on one core.
 *
 *   analyze_bench [-n RECORDS] [-u] [-o FILE | -i FILE] [-r RUNS] [-j THREADS] [-P PROCESSES]
 *
 * Writes a capture of N records through formats/ (one process with a key map, 16 threads,
 * a new span every 40 syscalls or so on each thread, a request script of openat, reads,
 * close, write, sendto/recvfrom on a connected socket, futex and epoll_wait; a THREAD_CTX
 * record per span), then replays it as `traces` does (no per-span detail) and reports the
 * best of RUNS. The reading alone (scf_reader__next over the file) is timed too, to show
 * what the reconstruction adds. -i replays an existing capture instead of writing one.
 *
 * With -j THREADS (2 or more), every run is made twice, side by side: without reader threads
 * and with THREADS (scf_reader__set_threads), and the speedup of the best runs is printed
 * with the CPU time (user + system) each used.
 *
 * -P N splits the records among N processes that run one after the other (a service whose
 * workers are replaced every so many requests, or a day of batch jobs): each is forked by pid
 * 1, opens its own socket and exits; a trace then lives in one process and `trace ID` reads
 * only that process's frames through the frame index (FORMAT.md 7).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "spancap_file.h"
#include "analysis.h"
#include "../tests/xorshift64.h"

#define NTHREADS 16

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t cur_pid = 1000;

static uint64_t rnd(void)
{
	return xorshift64_next(&rng);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct gen {
	struct scf_writer *w;
	uint8_t buf[2048];
	uint64_t ts, n;
};

static int put(struct gen *g, struct scf_rec_builder *b)
{
	size_t len = scf_rb_end(b);

	g->ts += 200 + rnd() % 800;
	g->n++;
	return scf_writer__append(g->w, g->ts, g->buf, len);
}

static int sys(struct gen *g, uint32_t tid, uint16_t nr, int64_t ret, const uint64_t *a,
	       const uint8_t *trace, const uint8_t *span, const char *path, const uint8_t *sa,
	       size_t salen)
{
	struct scf_syscall s = { .duration_ns = 100 + rnd() % 50000, .ret = ret, .tid = tid,
				 .pid = cur_pid, .nr = nr, .abi = SCF_ABI_X86_64 };
	struct scf_rec_builder b;

	memcpy(s.args, a, sizeof(s.args));
	memcpy(s.trace_id, trace, 16);
	memcpy(s.span_id, span, 8);
	scf_rb_begin(&b, g->buf, sizeof(g->buf), SCF_REC_SYSCALL, SCF_SYSCALL_F_CTX, &s, sizeof(s));
	scf_rb_item_str(&b, SCF_ITEM_PATH, path);
	if (sa)
		scf_rb_item(&b, SCF_ITEM_SOCKADDR, sa, salen);
	return put(g, &b);
}

/* The process that runs now: its PROCESS record (forked by pid 1), its socket and connect. */
static int start_process(struct gen *g, uint8_t trace[][16], uint8_t span[][8], const uint8_t *sa,
			 size_t salen)
{
	static const char *const keys[] = { "http.route", "http.method" };
	struct scf_process p = { .pid = cur_pid, .ppid = 1, .ctx_status = SCF_CTX_RESOLVED,
				 .origin = SCF_ORIGIN_FORK };
	struct scf_rec_builder b;
	int ret;

	scf_rb_begin(&b, g->buf, sizeof(g->buf), SCF_REC_PROCESS, 0, &p, sizeof(p));
	scf_rb_item_str(&b, SCF_ITEM_NAME, "bench-svc");
	scf_rb_item_strlist(&b, SCF_ITEM_KEY_MAP, keys, 2);
	ret = put(g, &b);
	for (int t = 0; t < NTHREADS && !ret; t++) {
		uint64_t a[6] = { 2, 1, 0 };

		ret = sys(g, cur_pid + 1 + t, 41, 100 + t, a, trace[t], span[t], NULL, NULL, 0);
		a[0] = 100 + t;
		ret = ret ? ret : sys(g, cur_pid + 1 + t, 42, 0, a, trace[t], span[t], NULL, sa, salen);
	}
	return ret;
}

static int generate(const char *path, uint64_t nrec, bool plain, uint32_t nproc)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = plain };
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .ncpus = 2,
				   .syscall_abi = SCF_ABI_X86_64 };
	uint64_t per_proc = nrec / (nproc ? nproc : 1) + 1;
	uint32_t started = 1;
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(5432) };
	uint8_t trace[NTHREADS][16], span[NTHREADS][8], sa[SCF_SOCKADDR_MAX];
	int left[NTHREADS] = { 0 };
	struct gen g = { .ts = 1790000000000000000ull };
	struct scf_rec_builder b;
	char err[SCF_ERRMSG_MAX];
	size_t salen;
	int ret;

	in.sin_addr.s_addr = htonl(0x7f000001);
	salen = scf_sockaddr_encode(&in, sizeof(in), sa);
	g.w = scf_writer__open(path, &o, err, sizeof(err));
	if (!g.w) {
		fprintf(stderr, "analyze_bench: %s\n", err);
		return -1;
	}
	sec.capture_start_ns = sec.section_start_ns = g.ts;
	scf_rb_begin(&b, g.buf, sizeof(g.buf), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "bench");
	ret = scf_writer__begin_section(g.w, g.ts, g.buf, scf_rb_end(&b));
	memset(trace, 0, sizeof(trace));
	memset(span, 0, sizeof(span));
	ret = ret ? ret : start_process(&g, trace, span, sa, salen);
	while (g.n < nrec && !ret) {
		int t = (int)(rnd() % NTHREADS);
		uint32_t tid;

		if (nproc > 1 && g.n >= (uint64_t)started * per_proc && started < nproc) {
			struct scf_proc_event pe = { .pid = cur_pid, .tid = cur_pid + 1,
						     .kind = SCF_PROC_EXIT };

			scf_rb_begin(&b, g.buf, sizeof(g.buf), SCF_REC_PROC_EVENT, 0, &pe, sizeof(pe));
			ret = put(&g, &b);
			cur_pid += 100;
			started++;
			for (int k = 0; k < NTHREADS; k++)
				left[k] = 0;
			ret = ret ? ret : start_process(&g, trace, span, sa, salen);
			continue;
		}
		tid = cur_pid + 1 + (uint32_t)t;
		uint64_t a[6] = { 0 };
		static const uint8_t attrs[] = { 0, 7, '/', 'o', 'r', 'd', 'e', 'r', 's', 1, 3,
						 'G', 'E', 'T' };

		if (!left[t]) {
			struct scf_thread_ctx c = { .pid = cur_pid, .tid = tid, .valid = 1 };

			for (int i = 0; i < 16; i++)
				trace[t][i] = (uint8_t)rnd();
			for (int i = 0; i < 8; i++)
				span[t][i] = (uint8_t)rnd();
			memcpy(c.trace_id, trace[t], 16);
			memcpy(c.span_id, span[t], 8);
			scf_rb_begin(&b, g.buf, sizeof(g.buf), SCF_REC_THREAD_CTX, 0, &c, sizeof(c));
			scf_rb_item(&b, SCF_ITEM_ATTRS_RAW, attrs, sizeof(attrs));
			ret = put(&g, &b);
			left[t] = 30 + (int)(rnd() % 20);
			continue;
		}
		left[t]--;
		switch (rnd() % 8) {
		case 0:
			a[0] = (uint64_t)-100;
			ret = sys(&g, tid, 257, 10 + t, a, trace[t], span[t], "/var/data/orders.db",
				  NULL, 0);
			break;
		case 1:
		case 2:
			a[0] = 10 + (uint64_t)t;
			ret = sys(&g, tid, 0, (int64_t)(rnd() % 4096), a, trace[t], span[t], NULL,
				  NULL, 0);
			break;
		case 3:
			a[0] = 10 + (uint64_t)t;
			ret = sys(&g, tid, 3, 0, a, trace[t], span[t], NULL, NULL, 0);
			break;
		case 4:
			a[0] = 100 + (uint64_t)t;
			ret = sys(&g, tid, 44, 100, a, trace[t], span[t], NULL, NULL, 0);
			break;
		case 5:
			a[0] = 100 + (uint64_t)t;
			ret = sys(&g, tid, 45, 250, a, trace[t], span[t], NULL, NULL, 0);
			break;
		case 6:
			ret = sys(&g, tid, 202, rnd() % 16 ? 0 : -110, a, trace[t], span[t], NULL,
				  NULL, 0);
			break;
		default:
			a[0] = 1;
			ret = sys(&g, tid, 1, 64, a, trace[t], span[t], NULL, NULL, 0);
		}
	}
	if (ret)
		fprintf(stderr, "analyze_bench: %s\n", scf_writer__errmsg(g.w));
	if (scf_writer__close(g.w, err, sizeof(err)) && !ret) {
		fprintf(stderr, "analyze_bench: %s\n", err);
		ret = -1;
	}
	return ret;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One `traces` replay of path on threads reader threads: events per second, or -1. */
static double replay(const char *path, uint32_t threads, double *cpu, double *main_cpu, bool say,
		     bool plain)
{
	struct ana_opts o = { .threads = threads };
	struct ana_ctx *c = ana_ctx__new(&o);
	char err[SCF_ERRMSG_MAX];
	double t0, c0, m0, t;

	if (!c || ana_ctx__add_file(c, path, err, sizeof(err))) {
		fprintf(stderr, "analyze_bench: %s\n", c ? err : "out of memory");
		ana_ctx__free(c);
		return -1;
	}
	t0 = now_s();
	c0 = cpu_s();
	m0 = thread_cpu_s();
	if (ana_ctx__run(c)) {
		fprintf(stderr, "analyze_bench: out of memory\n");
		ana_ctx__free(c);
		return -1;
	}
	t = now_s() - t0;
	*cpu = cpu_s() - c0;
	*main_cpu = thread_cpu_s() - m0;
	if (say)
		printf("analyze_bench: %" PRIu64 " records (%s), %u traces, %u spans\n", c->records,
		       plain ? "pcapng" : "zstd", c->traces.n, c->spans.n);
	t = (double)c->records / t;
	ana_ctx__free(c);
	return t;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	char tmpl[] = "/tmp/analyze_bench.XXXXXX", err[SCF_ERRMSG_MAX];
	uint64_t nrec = 5000000;
	double best = 0, best_read = 0, best_j = 0, cpu1 = 0, cpuj = 0, mainj = 0;
	uint32_t nproc = 1;
	int runs = 3, opt;
	uint32_t threads = 1;
	bool plain = false, given = false;

	while ((opt = getopt(argc, argv, "n:uo:i:r:j:P:")) != -1) {
		switch (opt) {
		case 'n':
			nrec = strtoull(optarg, NULL, 10);
			break;
		case 'u':
			plain = true;
			break;
		case 'o':
			path = optarg;
			break;
		case 'i':
			path = optarg;
			given = true;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'j':
			threads = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			nproc = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: analyze_bench [-n RECORDS] [-u] [-o FILE | -i FILE] "
					"[-r RUNS] [-j THREADS] [-P PROCESSES]\n");
			return 2;
		}
	}
	if (!path) {
		int fd = mkstemp(tmpl);

		if (fd < 0) {
			perror("analyze_bench: mkstemp");
			return 1;
		}
		close(fd);
		path = tmpl;
	}
	if (!given && generate(path, nrec, plain, nproc))
		return 1;
	for (int i = 0; i < runs; i++) {
		struct scf_reader *r = scf_reader__open(path, err, sizeof(err));
		struct scf_record rec;
		uint64_t n = 0;
		double t0 = now_s(), t;

		if (!r) {
			fprintf(stderr, "analyze_bench: %s\n", err);
			return 1;
		}
		while (scf_reader__next(r, &rec) == 1)
			n++;
		t = now_s() - t0;
		scf_reader__free(r);
		if ((double)n / t > best_read)
			best_read = (double)n / t;
	}
	for (int i = 0; i < runs; i++) {
		double cpu, mcpu, v = replay(path, 1, &cpu, &mcpu, i == runs - 1, plain);

		if (v < 0)
			return 1;
		if (v > best) {
			best = v;
			cpu1 = cpu;
		}
		if (threads < 2)
			continue;
		v = replay(path, threads, &cpu, &mcpu, false, plain);
		if (v < 0)
			return 1;
		if (v > best_j) {
			best_j = v;
			cpuj = cpu;
			mainj = mcpu;
		}
	}
	printf("analyze_bench: read only      %.2f M records/s\n", best_read / 1e6);
	printf("analyze_bench: traces replay  %.2f M events/s (best of %d)\n", best / 1e6, runs);
	if (threads >= 2)
		printf("analyze_bench: traces replay  %.2f M events/s with %u reader threads "
		       "(best of %d, side by side): %.2fx; CPU %.2f s (replay thread %.2f s) vs "
		       "%.2f s\n",
		       best_j / 1e6, threads, runs, best_j / best, cpuj, mainj, cpu1);
	if (path == tmpl)
		unlink(tmpl);
	return 0;
}
