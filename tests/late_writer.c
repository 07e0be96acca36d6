// SPDX-License-Identifier: BSD-2-Clause
/*
 * late_writer - a process whose executable defines no thread context and that attaches one
 * late, through a writer library it loads itself, for tests/integration/it_capture_sampling.sh
 * (a process started outside any context of its own, which spancap can only find the context
 * of by re-resolving it).
 *
 *   late_writer [-d] WRITER_LIB
 *
 * Loads the writer with dlopen (run it with GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0
 * and a general-dynamic writer: a DTV route) and publishes the process context: two
 * re-resolution triggers, the code mapping and the publication. With -d it does not publish
 * (the dlopen's code mapping is the only trigger), and a second thread, started before the
 * dlopen, does what the main thread does. Then it waits for SIGUSR1, which the suite sends once
 * spancap's log says it resolved this process (at most 10 s; past that it goes on, and the
 * suite's check finds the records missing). Then each thread (the main one, and the second
 * with -d: threads that existed before the resolution) attaches a context whose trace id is
 * 1a x9 (2d x9 with -d) then seven 0xff bytes (kept at any sampling fraction), W3C sampled
 * flag set; makes LATE_SYSCALLS getppid() syscalls in it; detaches. Prints "late PID" ("late-d
 * PID" with -d); exits 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "demo_writer_api.h"

/* The getppid() syscalls made in the context, per thread (the suite's check counts them). */
#define LATE_SYSCALLS 30

static struct demo_writer w;
static uint8_t trace_id[16];
static pthread_barrier_t released;

/* One thread's part: its own record, in the shared trace. */
static const char *attach_and_call(uint8_t span_last)
{
	uint8_t span_id[8] = {0x1a, 0x1a, 0x1a, 0x1a, 0x1a, 0x1a, 0x1a, span_last};
	struct otel_ctx_record rec;

	if (w.record_build(&rec, trace_id, span_id, 1, NULL, 0) || w.attach(&rec))
		return "attaching the record failed";
	for (int i = 0; i < LATE_SYSCALLS; i++)
		syscall(SYS_getppid);
	w.detach();
	return NULL;
}

/* The second thread of -d: started before the dlopen, it runs once the process is resolved. */
static void *second(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&released);
	return (void *)attach_and_call(0x02);
}

int main(int argc, char **argv)
{
	struct otel_ctx_kv res[] = {
	    {.key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "late-writer"},
	};
	struct timespec limit = {.tv_sec = 10};
	bool dlopen_only = argc == 3 && !strcmp(argv[1], "-d");
	const char *failed = NULL;
	void *second_failed = NULL;
	sigset_t usr1;
	pthread_t t;
	char err[256];

	if (argc != 2 && !dlopen_only) {
		fprintf(stderr, "usage: late_writer [-d] WRITER_LIB\n");
		return 2;
	}
	/* blocked before any trigger: the release may come as soon as the dlopen's mapping */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &usr1, NULL))
		return 1;
	if (dlopen_only &&
	    (pthread_barrier_init(&released, NULL, 2) || pthread_create(&t, NULL, second, NULL))) {
		fprintf(stderr, "late_writer: starting the second thread failed\n");
		return 1;
	}
	if (demo_writer_open(&w, argv[argc - 1], err, sizeof(err))) {
		fprintf(stderr, "late_writer: %s\n", err);
		return 1;
	}
	if (!dlopen_only && w.process_publish(res, 1)) {
		fprintf(stderr, "late_writer: publishing the process context failed\n");
		return 1;
	}
	if (sigtimedwait(&usr1, NULL, &limit) < 0)
		fprintf(stderr, "late_writer: no SIGUSR1 within %ld s: going on\n",
			(long)limit.tv_sec);
	memset(trace_id, dlopen_only ? 0x2d : 0x1a, 9);
	memset(trace_id + 9, 0xff, 7);
	if (dlopen_only)
		pthread_barrier_wait(&released);
	failed = attach_and_call(0x01);
	if (dlopen_only && (pthread_join(t, &second_failed) || second_failed))
		failed = second_failed ? (const char *)second_failed : "joining the second thread";
	if (failed) {
		fprintf(stderr, "late_writer: %s\n", failed);
		return 1;
	}
	printf("%s %d\n", dlopen_only ? "late-d" : "late", (int)getpid());
	return 0;
}
