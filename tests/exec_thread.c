// SPDX-License-Identifier: BSD-2-Clause
/*
 * exec_thread - a process whose worker thread calls execve inside its own span, for
 * tests/integration/it_capture_core.sh: the exec must be attributed to the worker and its span,
 * not to the main thread (whose tid the process keeps after the exec) and the main thread's span.
 *
 *   exec_thread PROGRAM    prints pid=N, waits for a line on stdin (sent once spancap has
 *                          resolved it), then: the main thread is in span 1111...:aaaa..., a
 *                          worker in span 1111...:bbbb... prints worker=TID and execs PROGRAM
 *
 * Its thread context is a local-exec otel_thread_ctx_v1 (OTEP 4947), as churn_target's.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record main_rec, worker_rec;
static char *program;

static void publish(struct otel_record *r, uint8_t span_byte)
{
	memset(r->trace_id, 0x11, sizeof(r->trace_id));
	memset(r->span_id, span_byte, sizeof(r->span_id));
	r->trace_flags = 1;
	r->valid = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	otel_thread_ctx_v1 = r;
}

static void *worker(void *arg)
{
	(void)arg;
	publish(&worker_rec, 0xbb);
	printf("worker=%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	execl(program, program, (char *)NULL);
	perror("exec_thread: execl");
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t t;
	char line[64];

	if (argc != 2)
		return 2;
	program = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	publish(&main_rec, 0xaa);
	printf("pid=%d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_join(t, NULL); /* the exec ends this thread */
	return 1;
}
