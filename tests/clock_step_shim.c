// SPDX-License-Identifier: BSD-2-Clause
/*
 * clock_step_shim.so - an LD_PRELOAD library that steps CLOCK_REALTIME inside one process, as
 * an NTP or administrator step would, without touching the host's clock: for
 * tests/integration/it_capture_output.sh's check that spancap follows a step of the wall clock.
 *
 *   LD_PRELOAD=clock_step_shim.so CLOCK_STEP_AFTER_MS=1500 CLOCK_STEP_S=3600 spancap ...
 *
 * From CLOCK_STEP_AFTER_MS milliseconds after the process's first CLOCK_REALTIME reading on,
 * clock_gettime(CLOCK_REALTIME) answers CLOCK_STEP_S seconds later than the real clock. The
 * variables are removed from the environment at load, so that children run unshimmed.
 */

#include <dlfcn.h> /* RTLD_NEXT: the build defines _GNU_SOURCE */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int64_t after_ns = 1500000000, step_ns = 3600000000000;
static int64_t first_mono_ns = -1;

__attribute__((constructor)) static void shim_init(void)
{
	const char *a = getenv("CLOCK_STEP_AFTER_MS"), *s = getenv("CLOCK_STEP_S");

	real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT,
									   "clock_gettime");
	if (a)
		after_ns = strtoll(a, NULL, 10) * 1000000;
	if (s)
		step_ns = strtoll(s, NULL, 10) * 1000000000;
	unsetenv("LD_PRELOAD");
	unsetenv("CLOCK_STEP_AFTER_MS");
	unsetenv("CLOCK_STEP_S");
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	struct timespec m;
	int64_t mono;
	int rc = real_clock_gettime(id, ts);

	if (rc || id != CLOCK_REALTIME || real_clock_gettime(CLOCK_MONOTONIC, &m))
		return rc;
	mono = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec;
	if (first_mono_ns < 0)
		first_mono_ns = mono;
	if (mono - first_mono_ns >= after_ns) {
		int64_t t = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + step_ns;

		ts->tv_sec = t / 1000000000;
		ts->tv_nsec = t % 1000000000;
	}
	return 0;
}
