// SPDX-License-Identifier: BSD-2-Clause
/*
 * getppid_flood.c - a syscall flood that counts itself, for the capture's loss accounting and
 * crash tests: THREADS threads call getppid() CALLS times each (0: until SIGTERM), then the
 * total of calls made is written to COUNT_FILE (when given), so that a test can reconcile it
 * with the syscalls recorded and the events reported lost.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 64

static long calls_each;
static atomic_long total;
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void *flood(void *arg)
{
	long n = 0;

	while (!stop && (!calls_each || n < calls_each)) {
		getppid();
		n++;
	}
	atomic_fetch_add(&total, n);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	int threads;
	FILE *f;

	if (argc < 3 || (threads = atoi(argv[1])) < 1 || threads > MAX_THREADS ||
	    (calls_each = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: getppid_flood THREADS CALLS [COUNT_FILE]\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, flood, NULL))
			return 1;
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	if (argc > 3) {
		f = fopen(argv[3], "w");
		if (!f || fprintf(f, "%ld\n", atomic_load(&total)) < 0 || fclose(f))
			return 1;
	}
	return 0;
}
