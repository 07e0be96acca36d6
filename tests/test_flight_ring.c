// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_flight_ring - capture/flight_ring.c and capture/flight_trigger.c: the flight
 * recorder's ring of segments (byte bound, time window, the open segment and pinned segments
 * never dropped, counters of what was dropped, copying to a trigger file) and the trigger
 * matching of syscall records.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"

#define SEC 1000000000ull

/* Writes n bytes of value v into the open segment, as the recorder would, and syncs. */
static void fill(struct flight_ring *f, int fd, size_t n, uint8_t v)
{
	uint8_t *buf = malloc(n);

	assert_non_null(buf);
	memset(buf, v, n);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	free(buf);
	assert_int_equal(fring__sync(f), 0);
}

/* Starts a segment at t and fills it with n bytes of value v. */
static void segment(struct flight_ring *f, uint64_t t, size_t n, uint8_t v)
{
	int fd = fring__start(f, t);

	assert_true(fd >= 0);
	fill(f, fd, n, v);
}

static void test_fring_evict_bytes_oldest_first(void **state)
{
	struct flight_ring *f = fring__new(10000, 100 * SEC);

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 5; i++)
		segment(f, (uint64_t)i * SEC, 3000, (uint8_t)i);
	assert_int_equal(fring__count(f), 5);
	assert_int_equal(fring__bytes(f), 15000);
	/* 15000 > 10000: the two oldest go, whole; 9000 stay */
	assert_int_equal(fring__evict(f, 5 * SEC, UINT64_MAX), 2);
	assert_int_equal(fring__count(f), 3);
	assert_int_equal(fring__bytes(f), 9000);
	assert_int_equal(fring__seg(f, 0)->id, 3);
	assert_int_equal(fring__dropped_segs(f), 2);
	assert_int_equal(fring__dropped_bytes(f), 6000);
	/* inside the window: both were dropped for room */
	assert_int_equal(fring__overflow_segs(f), 2);
	assert_true(fring__seg(f, 2)->open);
	fring__free(f);
}

static void test_fring_evict_never_the_open_segment(void **state)
{
	struct flight_ring *f = fring__new(1000, 100 * SEC);
	int fd;

	(void)state;
	segment(f, 0, 500, 1);
	fd = fring__start(f, SEC);
	fill(f, fd, 5000, 2); /* the open one alone exceeds the bound */
	assert_int_equal(fring__evict(f, 2 * SEC, UINT64_MAX), 1);
	assert_int_equal(fring__count(f), 1);
	assert_int_equal(fring__evict(f, 3 * SEC, UINT64_MAX), 0);
	assert_int_equal(fring__count(f), 1);
	assert_true(fring__seg(f, 0)->open);
	assert_int_equal(fring__bytes(f), 5000);
	fring__free(f);
}

static void test_fring_evict_window(void **state)
{
	struct flight_ring *f = fring__new(1ull << 30, 10 * SEC);

	(void)state;
	/* segments started at 0, 4, 8, 12 s; at 20 s the window is [10, 20] */
	for (int i = 0; i < 4; i++)
		segment(f, (uint64_t)i * 4 * SEC, 100, (uint8_t)i);
	/* the segment of 8 s still covers 10..12: only those of 0 and 4 s go */
	assert_int_equal(fring__evict(f, 20 * SEC, UINT64_MAX), 2);
	assert_int_equal(fring__seg(f, 0)->start_ns, 8 * SEC);
	assert_int_equal(fring__overflow_segs(f), 0); /* aged out: not an overflow */
	assert_int_equal(fring__dropped_segs(f), 2);
	/* at exactly 22 s, the segment of 12 s covers the window alone */
	assert_int_equal(fring__evict(f, 22 * SEC, UINT64_MAX), 1);
	assert_int_equal(fring__count(f), 1);
	/* early in the capture (now < window) nothing is old */
	fring__free(f);
	f = fring__new(1ull << 30, 10 * SEC);
	segment(f, 0, 10, 0);
	segment(f, SEC, 10, 0);
	assert_int_equal(fring__evict(f, 2 * SEC, UINT64_MAX), 0);
	fring__free(f);
}

static void test_fring_evict_respects_pin(void **state)
{
	struct flight_ring *f = fring__new(1000, 100 * SEC);

	(void)state;
	for (int i = 0; i < 4; i++)
		segment(f, (uint64_t)i * SEC, 600, (uint8_t)i);
	/* segments 2.. are pinned (a trigger file has not copied them): only 1 may go */
	assert_int_equal(fring__evict(f, 4 * SEC, 2), 1);
	assert_int_equal(fring__seg(f, 0)->id, 2);
	assert_true(fring__bytes(f) > 1000);
	assert_int_equal(fring__evict(f, 4 * SEC, UINT64_MAX), 2);
	assert_int_equal(fring__bytes(f), 600);
	fring__free(f);
}

/* The bytes of fd, for comparisons. */
static size_t slurp(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap, 0);

	assert_true(n >= 0);
	return (size_t)n;
}

static void test_fring_copy_follows_growth(void **state)
{
	struct flight_ring *f = fring__new(1ull << 20, 100 * SEC);
	struct fring_cursor c;
	int out = memfd_create("out", 0), fd;
	uint8_t got[8192];
	size_t n;

	(void)state;
	assert_true(out >= 0);
	segment(f, 0, 100, 'a');
	fd = fring__start(f, SEC);
	fill(f, fd, 50, 'b');
	c = (struct fring_cursor){.id = fring__seg(f, 0)->id};
	/* without the open segment: the closed one only, the cursor at the open one's start */
	assert_int_equal(fring__copy_new(f, &c, out, false), 0);
	assert_int_equal(slurp(out, got, sizeof(got)), 100);
	assert_int_equal(c.id, 2);
	assert_int_equal(c.off, 0);
	/* then the open one as it grows, each byte once */
	assert_int_equal(fring__copy_new(f, &c, out, true), 0);
	fill(f, fd, 30, 'c');
	assert_int_equal(fring__copy_new(f, &c, out, true), 0);
	assert_int_equal(fring__copy_new(f, &c, out, true), 0);
	segment(f, 2 * SEC, 20, 'd');
	assert_int_equal(fring__copy_new(f, &c, out, true), 0);
	n = slurp(out, got, sizeof(got));
	assert_int_equal(n, 200);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i], i < 100 ? 'a' : i < 150 ? 'b' : i < 180 ? 'c' : 'd');
	close(out);
	fring__free(f);
}

static void test_fring_copy_after_dropped_segment(void **state)
{
	struct flight_ring *f = fring__new(100, 100 * SEC);
	struct fring_cursor c = {.id = 1, .off = 10};
	int out = memfd_create("out", 0);
	uint8_t got[512];

	(void)state;
	segment(f, 0, 80, 'a');
	segment(f, SEC, 80, 'b');
	segment(f, 2 * SEC, 80, 'c');
	assert_int_equal(fring__evict(f, 3 * SEC, UINT64_MAX), 2);
	/* the cursor's segment is gone: copying resumes at the start of the oldest one left */
	assert_int_equal(fring__copy_new(f, &c, out, true), 0);
	assert_int_equal(slurp(out, got, sizeof(got)), 80);
	assert_int_equal(got[0], 'c');
	close(out);
	fring__free(f);
}

static void test_ftrig_parse_and_match(void **state)
{
	struct flight_trigger t = {0};
	struct scf_syscall s = {0};
	char err[256];

	(void)state;
	assert_int_equal(ftrig__parse_errors(&t, "ENOENT,13", err, sizeof(err)), 0);
	s.ret = -ENOENT;
	assert_true(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	assert_false(ftrig__match(&t, &s, 0)); /* outside any span */
	assert_false(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX | SCF_SYSCALL_F_NO_EXIT));
	s.ret = -EACCES;
	assert_true(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	s.ret = -EAGAIN;
	assert_false(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	s.ret = -5000; /* not an errno */
	assert_false(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	assert_int_equal(ftrig__parse_errors(&t, "any", err, sizeof(err)), 0);
	s.ret = -EAGAIN;
	assert_true(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	s.ret = 3;
	assert_false(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	assert_int_equal(ftrig__parse_errors(&t, "ENOTANERRNO", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ENOTANERRNO"));
	assert_int_equal(ftrig__parse_errors(&t, "ENOENT,", err, sizeof(err)), -EINVAL);
	assert_int_equal(ftrig__parse_errors(&t, "4096", err, sizeof(err)), -EINVAL);

	memset(&t, 0, sizeof(t));
	t.slow_ns = 5000000;
	s.ret = 0;
	s.duration_ns = 5000000;
	assert_false(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX)); /* longer than, not as long as */
	s.duration_ns = 5000001;
	assert_true(ftrig__match(&t, &s, SCF_SYSCALL_F_CTX));
	assert_false(ftrig__match(&t, &s, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fring_evict_bytes_oldest_first),
		cmocka_unit_test(test_fring_evict_never_the_open_segment),
		cmocka_unit_test(test_fring_evict_window),
		cmocka_unit_test(test_fring_evict_respects_pin),
		cmocka_unit_test(test_fring_copy_follows_growth),
		cmocka_unit_test(test_fring_copy_after_dropped_segment),
		cmocka_unit_test(test_ftrig_parse_and_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
