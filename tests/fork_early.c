// SPDX-License-Identifier: BSD-2-Clause
/*
 * fork_early - a process that forks before spancap can have resolved it, and a child that
 * keeps its image (a pre-fork server's worker): tests/integration/it_capture_core.sh.
 *
 *   fork_early
 *
 * Run as `spancap -- fork_early` on one CPU at a real-time priority above spancap's, its first
 * syscalls after the exec, the fork included, all come before spancap's user space runs: the
 * fork child inherits no TLS route from the kernel (its parent's was reset by the exec), and
 * the parent's resolution is still pending when spancap reads the fork event.
 *
 * 1. forks (a raw clone: no atfork handlers) as the first thing main does;
 * 2. the child prints child=PID, waits for one line on stdin (the test sends it once spancap
 *    says it resolved the child, or gives up), attaches a context (trace 0102..10, span
 *    b1..b8), calls getppid, detaches and exits 0;
 * 3. the parent prints pid=PID and waits for the child; it exits 0 when the child did.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

static int child_main(void)
{
	static const uint8_t trace[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static const uint8_t span[8] = {0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8};
	char line[64];

	printf("child=%d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 12;
	otel_record_attach(&otel_thread_ctx_v1, &rec, trace, span);
	syscall(SYS_getppid);
	otel_record_detach(&otel_thread_ctx_v1);
	return 0;
}

int main(void)
{
	long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	int st;

	if (child < 0)
		return 10;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (child == 0)
		return child_main();
	printf("pid=%d\n", getpid());
	if (waitpid((pid_t)child, &st, 0) != child || !WIFEXITED(st))
		return 11;
	return WEXITSTATUS(st);
}
