// SPDX-License-Identifier: BSD-2-Clause
/*
 * getppid_flood.c - a syscall flood that counts itself, for the capture's loss accounting and
 * crash tests: THREADS threads call getppid() CALLS times each (0: until SIGTERM), then the
 * total of calls made is written to COUNT_FILE (when given and not "-"), so that a test can
 * reconcile it with the syscalls recorded and the events reported lost.
 *
 *   getppid_flood THREADS CALLS [COUNT_FILE [RATE]]
 *
 * RATE paces each thread to that many calls per second (in batches of 1000; 0, the default: as
 * fast as it goes), so that a flood that runs until it is stopped makes as many calls on a fast
 * machine as on a slow one.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

static long calls_each;
static long rate; /* calls per second per thread, 0 = unpaced */
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
	struct timespec t0, next;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop && (!calls_each || n < calls_each)) {
		getppid();
		n++;
		if (rate && n % 1000 == 0) { /* the batch's due time: t0 + n / rate */
			long long due = (long long)t0.tv_nsec + n * 1000000000LL / rate;

			next.tv_sec = t0.tv_sec + (time_t)(due / 1000000000LL);
			next.tv_nsec = (long)(due % 1000000000LL);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	atomic_fetch_add(&total, n);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	int threads;
	FILE *f;

	if (argc < 3 || argc > 5 || (threads = atoi(argv[1])) < 1 || threads > MAX_THREADS ||
	    (calls_each = atol(argv[2])) < 0 || (argc > 4 && (rate = atol(argv[4])) < 0)) {
		fprintf(stderr, "usage: getppid_flood THREADS CALLS [COUNT_FILE [RATE]]\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, flood, NULL))
			return 1;
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	if (argc > 3 && strcmp(argv[3], "-")) {
		f = fopen(argv[3], "w");
		if (!f || fprintf(f, "%ld\n", atomic_load(&total)) < 0 || fclose(f))
			return 1;
	}
	return 0;
}
