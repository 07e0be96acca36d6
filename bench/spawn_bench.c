// SPDX-License-Identifier: BSD-2-Clause
/*
 * spawn_bench.c - spawns short children, as a service that runs a helper per request does: N
 * times fork, execve PROGRAM (default /bin/true) with a close-on-exec pipe whose end of file
 * says that the exec happened, wait for the child, pause. Prints the mean time from fork to the
 * pipe's end of file and to the child's reaping. Used by bench/run_bench.sh section 10 (the
 * capture's CPU per spawned process).
 *
 *   spawn_bench [-n N] [-p PAUSE_US] [PROGRAM]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void usage(void)
{
	fprintf(stderr, "usage: spawn_bench [-n N] [-p PAUSE_US] [PROGRAM]\n");
	exit(EXIT_FAILURE);
}

int main(int argc, char **argv)
{
	long n = 200, pause_us = 5000;
	const char *prog = "/bin/true";
	double exec_sum = 0, total_sum = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:p:")) != -1) {
		if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else if (opt == 'p')
			pause_us = strtol(optarg, NULL, 10);
		else
			usage();
	}
	if (optind < argc)
		prog = argv[optind++];
	if (optind != argc || n < 0 || pause_us < 0)
		usage();
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
		c = fork();
		if (c < 0) {
			fprintf(stderr, "spawn_bench: fork: %s\n", strerror(errno));
			return EXIT_FAILURE;
		}
		if (c == 0) {
			execve(prog, cargv, environ);
			_exit(127);
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
	if (n)
		printf("%ld spawns of %s: mean fork to exec %.0f us, fork to reaped %.0f us\n", n,
		       prog, exec_sum / (double)n, total_sum / (double)n);
	return 0;
}
