// SPDX-License-Identifier: BSD-2-Clause
/*
 * ring_workload - the traced program of tests/integration/it_capture_ring.sh (the flight
 * recorder). It publishes an OTEP 4947 thread context in its exported TLS variable
 * otel_thread_ctx_v1 and runs the commands it reads on stdin, one per line, each inside a span
 * (the context is detached while it waits for the next command, so its reads of stdin are
 * outside any span):
 *
 *   run TAG MS      for MS milliseconds, every 5 ms: openat DIR/TAG (created first), close
 *   fail NAME       openat DIR/NAME, which does not exist (ENOENT), once
 *   failout NAME    the same outside any span
 *   sleep MS        one nanosleep of MS milliseconds
 *   flood N         N getppid calls
 *   quit            exits 0
 *
 * After each command it prints "done CMD START_NS END_NS" (CLOCK_REALTIME) on stdout.
 *
 *   ring_workload DIR
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

static void compiler_fence(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void span_begin(unsigned n)
{
	static const uint8_t trace[16] = {0x72, 0x69, 0x6e, 0x67, 1, 2, 3, 4,
					  5,	6,    7,    8,	  9, 10, 11, 12};

	rec.valid = 0;
	compiler_fence();
	memcpy(rec.trace_id, trace, 16);
	memset(rec.span_id, 0, 8);
	rec.span_id[0] = 0xb0;
	rec.span_id[7] = (uint8_t)n;
	rec.trace_flags = 1;
	rec.attrs_data_size = 0;
	compiler_fence();
	rec.valid = 1;
	compiler_fence();
}

static void span_end(void)
{
	compiler_fence();
	rec.valid = 0;
	compiler_fence();
}

static void open_close(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}

static void sleep_ms(double ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
			      .tv_nsec = (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	char line[512], cmd[32], arg[256];
	unsigned n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: ring_workload DIR\n");
		return 2;
	}
	otel_thread_ctx_v1 = &rec;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		uint64_t t0 = now_ns(CLOCK_REALTIME);

		arg[0] = '\0';
		if (sscanf(line, "%31s %255s", cmd, arg) < 1)
			continue;
		if (!strcmp(cmd, "quit"))
			break;
		if (!strcmp(cmd, "failout")) {
			open_close(argv[1], arg);
		} else {
			span_begin(++n);
			if (!strcmp(cmd, "run")) {
				double dur = 0;
				char tag[256], path[4096];
				int fd;

				if (sscanf(line, "%*s %255s %lf", tag, &dur) != 2)
					return 2;
				snprintf(path, sizeof(path), "%s/%s", argv[1], tag);
				fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
				if (fd >= 0)
					close(fd);
				for (uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)(dur * 1e6);
				     now_ns(CLOCK_MONOTONIC) < end;) {
					open_close(argv[1], tag);
					sleep_ms(5);
				}
			} else if (!strcmp(cmd, "fail")) {
				open_close(argv[1], arg);
			} else if (!strcmp(cmd, "sleep")) {
				sleep_ms(atof(arg));
			} else if (!strcmp(cmd, "flood")) {
				for (long i = atol(arg); i > 0; i--)
					getppid();
			}
			span_end();
		}
		printf("done %s %llu %llu\n", cmd, (unsigned long long)t0,
		       (unsigned long long)now_ns(CLOCK_REALTIME));
	}
	return 0;
}
