// SPDX-License-Identifier: BSD-2-Clause
/*
 * spawn_bench.c - spawns short children, as a service that runs a helper per request does: N
 * times fork, execve PROGRAM (default /bin/true) with a close-on-exec pipe whose end of file
 * says that the exec happened, wait for the child, pause. Prints the mean time from fork to the
 * pipe's end of file and to the child's reaping. Used by bench/run_bench.sh section 10 (the
 * capture's CPU per spawned process) and section 12 (the time inside the capture's kernel
 * programs per process spawned in a trace that trace sampling leaves out).
 *
 *   spawn_bench [-n N] [-p PAUSE_US] [-s] [-t TRACE_ID_HEX] [-w] [PROGRAM]
 *
 *   -s  spawn with posix_spawn(3) instead of fork and execve: glibc's child shares the
 *       parent's memory (clone with CLONE_VM | CLONE_VFORK) and posix_spawn returns once it
 *       has exec'd or failed to. The pipe is the same (the child inherits its close-on-exec
 *       end, which its exec closes), so "spawn to exec" is, as without -s, the time from the
 *       call that starts the child to the end of file that its exec causes.
 *   -t  attaches an OTEP 4947 thread context on the spawning thread before the loop (trace id
 *       TRACE_ID_HEX, 32 hex digits; a fixed span id; W3C sampled flag set) and detaches it
 *       after: every child starts in that trace. The binary exports its local-exec
 *       `otel_thread_ctx_v1` for a capture to read (linked with EXPORT_TLS).
 *   -w  prints "ready" and waits for a line on stdin before the loop (a capture resolves this
 *       program after its exec, asynchronously: the caller releases the loop once it has),
 *       and after the loop prints its figures, then "done", and waits for end of file on
 *       stdin before it exits (the caller reads what it needs while the capture still runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The record as the small test programs publish it (tests/), shared rather than copied. */
#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

extern char **environ;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: spawn_bench [-n N] [-p PAUSE_US] [-s] [-t TRACE_ID_HEX] [-w] [PROGRAM]\n");
	exit(EXIT_FAILURE);
}

/* 32 hex digits into 16 bytes; false for anything else. */
static bool parse_trace_id(const char *s, uint8_t id[16])
{
	if (strlen(s) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return false;
		}
		id[i] = (uint8_t)v;
	}
	return true;
}

/* Reads stdin up to a newline (ok) or end of file (eof_ok decides). */
static bool wait_stdin(bool eof_ok)
{
	char b;
	ssize_t r;

	for (;;) {
		r = read(STDIN_FILENO, &b, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0)
			return eof_ok;
		if (b == '\n')
			return true;
	}
}

int main(int argc, char **argv)
{
	static const uint8_t span[8] = {0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x01};
	long n = 200, pause_us = 5000;
	const char *prog = "/bin/true";
	double exec_sum = 0, total_sum = 0;
	bool use_spawn = false, gate = false, traced = false;
	uint8_t trace[16];
	int opt;

	while ((opt = getopt(argc, argv, "n:p:st:w")) != -1) {
		if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else if (opt == 'p')
			pause_us = strtol(optarg, NULL, 10);
		else if (opt == 's')
			use_spawn = true;
		else if (opt == 't' && parse_trace_id(optarg, trace))
			traced = true;
		else if (opt == 'w')
			gate = true;
		else
			usage();
	}
	if (optind < argc)
		prog = argv[optind++];
	if (optind != argc || n < 0 || pause_us < 0)
		usage();
	if (gate) {
		printf("ready\n");
		fflush(stdout);
		if (!wait_stdin(false)) {
			fprintf(stderr, "spawn_bench: no line on stdin\n");
			return EXIT_FAILURE;
		}
	}
	if (traced)
		otel_record_attach(&otel_thread_ctx_v1, &rec, trace, span);
	for (long i = 0; i < n; i++) {
		char *cargv[] = {(char *)prog, NULL};
		double t0, t1;
		int p[2], st;
		pid_t c;
		char b;

		if (pipe2(p, O_CLOEXEC)) {
			fprintf(stderr, "spawn_bench: pipe2: %s\n", strerror(errno));
			return EXIT_FAILURE;
		}
		t0 = now_us();
		if (use_spawn) {
			int e = posix_spawn(&c, prog, NULL, NULL, cargv, environ);

			if (e) {
				fprintf(stderr, "spawn_bench: posix_spawn %s: %s\n", prog,
					strerror(e));
				return EXIT_FAILURE;
			}
		} else {
			c = fork();
			if (c < 0) {
				fprintf(stderr, "spawn_bench: fork: %s\n", strerror(errno));
				return EXIT_FAILURE;
			}
			if (c == 0) {
				execve(prog, cargv, environ);
				_exit(127);
			}
		}
		close(p[1]);
		while (read(p[0], &b, 1) < 0 && errno == EINTR)
			;
		t1 = now_us();
		close(p[0]);
		if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) == 127) {
			fprintf(stderr, "spawn_bench: %s did not run\n", prog);
			return EXIT_FAILURE;
		}
		exec_sum += t1 - t0;
		total_sum += now_us() - t0;
		if (pause_us)
			usleep((useconds_t)pause_us);
	}
	if (traced)
		otel_record_detach(&otel_thread_ctx_v1);
	if (n)
		printf(
		    "%ld spawns of %s (%s): mean spawn to exec %.0f us, spawn to reaped %.0f us\n",
		    n, prog, use_spawn ? "posix_spawn" : "fork+execve", exec_sum / (double)n,
		    total_sum / (double)n);
	if (gate) {
		printf("done\n");
		fflush(stdout);
		wait_stdin(true);
	}
	return 0;
}
