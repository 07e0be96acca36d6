// SPDX-License-Identifier: BSD-2-Clause
/*
 * churn_target - the process spawner of tests/integration/it_capture_memory.sh. It publishes
 * an OTEP 4947 thread context in its exported otel_thread_ctx_v1 (so spancap resolves it and
 * every child inherits its layout: one process-table entry and one kernel map entry each),
 * then creates and reaps many short-lived processes and threads.
 *
 *   churn_target FORKS THREADS EXECS
 *   churn_target --exit            (what the EXECS children run: exit at once)
 *
 * 1. prints pid=N, waits for a line on stdin (sent once spancap has resolved it);
 * 2. FORKS times: fork, the child _exits, the parent reaps it;
 * 3. THREADS threads, 64 alive at a time, each joined;
 * 4. EXECS times: fork, the child execs this program with --exit (a resolvable image that
 *    dies while spancap resolves it), the parent reaps it;
 * 5. prints done=1, waits for a line on stdin, exits 0.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

static void *thread_main(void *arg)
{
	(void)arg;
	getppid(); /* one observed syscall on the new thread */
	return NULL;
}

static int reap(pid_t pid)
{
	int st;

	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

int main(int argc, char **argv)
{
	static char *const exit_argv[] = {"churn_target", "--exit", NULL};
	pthread_t th[64];
	char line[64];
	long forks, threads, execs;

	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;
	if (argc != 4)
		return 2;
	forks = atol(argv[1]);
	threads = atol(argv[2]);
	execs = atol(argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(rec.trace_id, 0x11, 16);
	memset(rec.span_id, 0x22, 8);
	rec.trace_flags = 1;
	rec.valid = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	otel_thread_ctx_v1 = &rec;
	printf("pid=%d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 3;

	for (long i = 0; i < forks; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (reap(pid))
			return 4;
	}
	for (long i = 0; i < threads; i += 64) {
		long n = threads - i < 64 ? threads - i : 64;
		for (long j = 0; j < n; j++)
			if (pthread_create(&th[j], NULL, thread_main, NULL))
				return 5;
		for (long j = 0; j < n; j++)
			pthread_join(th[j], NULL);
	}
	for (long i = 0; i < execs; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execv("/proc/self/exe", exit_argv);
			_exit(127);
		}
		if (reap(pid))
			return 6;
	}
	printf("done=1\n");
	if (!fgets(line, sizeof(line), stdin))
		return 7;
	return 0;
}
