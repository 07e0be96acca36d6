// SPDX-License-Identifier: BSD-2-Clause
/*
 * late_writer - a process whose executable defines no thread context and that attaches one
 * late, through a writer library it loads itself, for tests/integration/it_capture_sampling.sh
 * (a process started outside any context of its own, which spancap can only find the context
 * of by re-resolving it).
 *
 *   late_writer WRITER_LIB
 *
 * Loads the writer with dlopen (run it with GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0
 * and a general-dynamic writer: a DTV route), publishes the process context (a re-resolution
 * trigger), pauses 300 ms for the capture to resolve it, then, on the main thread (one that
 * existed before the resolution), attaches a context whose trace id is 1a x9 then seven 0xff
 * bytes (kept at any sampling fraction), W3C sampled flag set; makes LATE_SYSCALLS getppid()
 * syscalls in it; detaches; prints "late PID"; exits 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "demo_writer_api.h"

/* The getppid() syscalls made in the context (the suite's check counts them). */
#define LATE_SYSCALLS 30

int main(int argc, char **argv)
{
	static const uint8_t span_id[8] = {0x1a, 0x1a, 0x1a, 0x1a, 0x1a, 0x1a, 0x1a, 0x01};
	struct otel_ctx_kv res[] = {
	    {.key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "late-writer"},
	};
	struct timespec pause = {.tv_nsec = 300 * 1000 * 1000};
	static struct otel_ctx_record rec;
	struct demo_writer w;
	uint8_t trace_id[16];
	char err[256];
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: late_writer WRITER_LIB\n");
		return 2;
	}
	if (demo_writer_open(&w, argv[1], err, sizeof(err))) {
		fprintf(stderr, "late_writer: %s\n", err);
		return 1;
	}
	if (w.process_publish(res, 1)) {
		fprintf(stderr, "late_writer: publishing the process context failed\n");
		return 1;
	}
	nanosleep(&pause, NULL); /* the capture resolves the publication */
	memset(trace_id, 0x1a, 9);
	memset(trace_id + 9, 0xff, 7);
	if (w.record_build(&rec, trace_id, span_id, 1, NULL, 0) || w.attach(&rec)) {
		fprintf(stderr, "late_writer: attaching the record failed\n");
		return 1;
	}
	for (i = 0; i < LATE_SYSCALLS; i++)
		syscall(SYS_getppid);
	w.detach();
	printf("late %d\n", (int)getpid());
	return 0;
}
