// SPDX-License-Identifier: BSD-2-Clause
/*
 * recheck_bench: the cost of spancap's periodic re-check (capture.c recheck()), which looks at
 * up to 32 observed processes a second through ctxsrc_probe(): one read of /proc/PID/maps and,
 * when an OTEL_CTX mapping is listed, one 8-byte read of its header.
 *
 *   recheck_bench [-n PROCESSES] [-r ROUNDS] [-m MAPPINGS]
 *
 * Forks PROCESSES children (default 32: one period's batch), half of which publish an OTEP 4719
 * process context through the samples/ writer library; each child first maps MAPPINGS extra
 * anonymous regions (default 50, so /proc/PID/maps is as long as a small service's). Then
 * probes every child ROUNDS times (default 200) and prints the median time of one probe with
 * and without a context, and what one period of 32 probes costs. Root (or ptrace rights) for
 * the header read.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctx_source.h"
#include "otel_ctx_writer.h"

#define MAX_CHILDREN 1024

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A child: its mappings, its context (when publish), then it waits to be killed. */
static void child(int go_fd, bool publish, int mappings)
{
	const struct otel_ctx_kv res[] = {
	    {.key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "recheck-bench"},
	};
	char c = 1;

	for (int i = 0; i < mappings; i++)
		/* alternate protections so that the regions do not merge into one line */
		mmap(NULL, 4096, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (publish && otel_ctx_process_publish(res, 1))
		c = 0;
	if (write(go_fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int n = 32, rounds = 200, mappings = 50, p[2], opt, bad = 0;
	static pid_t pids[MAX_CHILDREN];
	uint64_t *with, *without;
	size_t n_with = 0, n_without = 0;
	struct ctxsrc_probe pr;

	while ((opt = getopt(argc, argv, "n:r:m:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'm')
			mappings = atoi(optarg);
		else
			return fprintf(stderr, "usage: recheck_bench [-n N] [-r R] [-m M]\n"), 1;
	}
	if (n < 2 || n > MAX_CHILDREN || rounds < 1 || mappings < 0 || mappings > 100000)
		return fprintf(stderr, "recheck_bench: bad arguments\n"), 1;
	with = calloc((size_t)n * rounds, sizeof(*with));
	without = calloc((size_t)n * rounds, sizeof(*without));
	if (!with || !without || pipe(p))
		return perror("recheck_bench"), 1;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return perror("fork"), 1;
		if (pids[i] == 0) {
			close(p[0]);
			child(p[1], i % 2 == 0, mappings);
		}
	}
	close(p[1]);
	for (int i = 0; i < n; i++) {
		char c;
		if (read(p[0], &c, 1) != 1 || !c)
			bad = 1;
	}
	for (int r = 0; r < rounds && !bad; r++) {
		for (int i = 0; i < n; i++) {
			uint64_t t0 = now_ns(), dt;
			if (ctxsrc_probe(pids[i], &pr)) {
				bad = 1;
				break;
			}
			dt = now_ns() - t0;
			if (pr.mapped != (i % 2 == 0) || (pr.mapped && !pr.published_ns))
				bad = 1;
			if (pr.mapped)
				with[n_with++] = dt;
			else
				without[n_without++] = dt;
		}
	}
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (bad || !n_with || !n_without) {
		fprintf(stderr, "recheck_bench: a probe failed or saw the wrong thing\n");
		return 1;
	}
	qsort(with, n_with, sizeof(*with), cmp_u64);
	qsort(without, n_without, sizeof(*without), cmp_u64);
	printf("recheck_bench: %d processes (%d mappings each), %d rounds: one probe takes "
	       "%.1f us with a context (min %.1f), %.1f us without (min %.1f); a period of 32 "
	       "probes, half with a context, %.2f ms, once a second: %.2f%% of one CPU\n",
	       n, mappings, rounds, with[n_with / 2] / 1e3, with[0] / 1e3,
	       without[n_without / 2] / 1e3, without[0] / 1e3,
	       16 * (with[n_with / 2] + without[n_without / 2]) / 1e6,
	       16 * (with[n_with / 2] + without[n_without / 2]) / 1e7);
	return 0;
}
