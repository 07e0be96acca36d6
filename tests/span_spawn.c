// SPDX-License-Identifier: BSD-2-Clause
/*
 * span_spawn - a process that runs a command inside a span and again outside any span, for
 * the processes a sampled capture keeps or leaves out with the trace that started them
 * (tests/integration/it_capture_sampling.sh).
 *
 *   span_spawn in|out [--posix-spawn] CMD [ARG...]
 *   span_spawn in|out --fork-own
 *   span_spawn own
 *
 * 1. waits for one line on stdin (the suite sends it once spancap says it resolved this
 *    program: the context is read only after that);
 * 2. attaches a context whose trace id ends in seven 0xff bytes ("in": kept at any sampling
 *    fraction) or in 00..01 ("out": left out at any fraction below 1), W3C sampled flag set;
 * 3. runs CMD (fork and execvp, or with --posix-spawn posix_spawnp: a child that shares its
 *    memory until it execs, as glibc's clone(CLONE_VM | CLONE_VFORK) makes it) and waits for
 *    it; prints "in-span PID";
 * 4. detaches, runs CMD again and waits; prints "outside PID";
 * 5. exits 0 when both runs of CMD did.
 *
 * --fork-own: in 3 and 4, the child is a fork that does not exec: it makes OWN_SYSCALLS
 * getppid() syscalls in the context it inherited (its copy of the parent's), runs /bin/true
 * with posix_spawn in it and waits (prints "forked-spawn PID"), then attaches a context of its
 * own whose trace id is 6c x9 then seven 0xff bytes (kept at any sampling fraction) and makes
 * OWN_SYSCALLS more; detaches; prints "forked PID"; exits 0.
 *
 * own: a process started outside any context of its own (run by CMD above) that attaches one:
 * at once (no wait on stdin: its executable's static TLS rule is the one spancap found for
 * span_spawn in|out), a context whose trace id is 6b x9 then seven 0xff bytes (kept at any
 * sampling fraction), W3C sampled flag set; makes OWN_SYSCALLS getppid() syscalls in it;
 * detaches; prints "own PID"; exits 0.
 */
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otel_thread_record.h"

/* The getppid() syscalls of span_spawn own, in its context (the suite's check counts them). */
#define OWN_SYSCALLS 30

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

extern char **environ;

/* Runs argv, waits; returns the child's pid, or -1 when it could not run or failed. */
static pid_t run(char **argv, bool posix_spawn)
{
	int status;
	pid_t pid;

	if (posix_spawn) {
		if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ))
			return -1;
	} else {
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			execvp(argv[0], argv);
			_exit(127);
		}
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return pid;
}

/* OWN_SYSCALLS getppid() syscalls. */
static void getppids(void)
{
	int i;

	for (i = 0; i < OWN_SYSCALLS; i++)
		syscall(SYS_getppid);
}

/*
 * getppids() in a context of this thread's own, published in r: trace id b x9 then seven 0xff
 * bytes (kept at any sampling fraction), span id b x7 then 01, W3C sampled flag set; detached
 * after.
 */
static void in_own_context(struct otel_record *r, uint8_t b)
{
	uint8_t trace[16], span[8];

	memset(trace, b, 9);
	memset(trace + 9, 0xff, 7);
	memset(span, b, 7);
	span[7] = 0x01;
	otel_record_attach(&otel_thread_ctx_v1, r, trace, span);
	getppids();
	otel_record_detach(&otel_thread_ctx_v1);
}

/* --fork-own: the fork child, in the context it inherited, then in its own; does not return. */
static void fork_own(void)
{
	static struct otel_record own_rec;
	char *true_argv[] = {"/bin/true", NULL};
	pid_t spawned;

	getppids();
	spawned = run(true_argv, true);
	if (spawned < 0)
		_exit(1);
	dprintf(STDOUT_FILENO, "forked-spawn %d\n", (int)spawned);
	in_own_context(&own_rec, 0x6c);
	dprintf(STDOUT_FILENO, "forked %d\n", (int)getpid());
	_exit(0);
}

/* Forks a child that runs fork_own(), waits; its pid, or -1 when it failed. */
static pid_t run_fork_own(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		fork_own();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return pid;
}

/* span_spawn own: its own context, in a trace every sample keeps. */
static int own(void)
{
	in_own_context(&rec, 0x6b);
	printf("own %d\n", (int)getpid());
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t span[8] = {0x5e, 0x5e, 0x5e, 0x5e, 0x5e, 0x5e, 0x5e, 0x01};
	uint8_t trace[16];
	pid_t in_span, outside;
	bool kept, spawn = false, fork_only = false;
	char line[16];
	int cmd = 2;

	if (argc == 2 && !strcmp(argv[1], "own"))
		return own();
	if (argc > 3 && !strcmp(argv[2], "--posix-spawn")) {
		spawn = true;
		cmd = 3;
	} else if (argc == 3 && !strcmp(argv[2], "--fork-own")) {
		fork_only = true;
		cmd = 2;
	}
	if ((argc <= cmd && !fork_only) || (strcmp(argv[1], "in") && strcmp(argv[1], "out"))) {
		fprintf(stderr, "usage: span_spawn in|out [--posix-spawn] CMD [ARG...]\n"
				"       span_spawn in|out --fork-own\n"
				"       span_spawn own\n");
		return 2;
	}
	kept = !strcmp(argv[1], "in");
	if (!fgets(line, sizeof(line), stdin))
		return 2;
	memset(trace, 0x5a, 9);
	memset(trace + 9, kept ? 0xff : 0x00, 7);
	if (!kept)
		trace[15] = 0x01;
	otel_record_attach(&otel_thread_ctx_v1, &rec, trace, span);
	in_span = fork_only ? run_fork_own() : run(argv + cmd, spawn);
	otel_record_detach(&otel_thread_ctx_v1);
	outside = fork_only ? run_fork_own() : run(argv + cmd, spawn);
	printf("in-span %d\noutside %d\n", (int)in_span, (int)outside);
	return in_span > 0 && outside > 0 ? 0 : 1;
}
