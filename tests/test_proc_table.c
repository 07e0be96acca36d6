// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_proc_table - capture/proc_table.c: the per-process table of the capture. Checked
 * against a plain reference model under random churn, on colliding keys (the backward shift
 * of a removal), full tables and iteration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"

/* pids whose home slot in a table of `slots` is `home` (same hash as proc_table.c uses). */
static uint32_t pid_with_home(uint32_t slots, uint32_t home, uint32_t after)
{
	for (uint32_t pid = after + 1;; pid++)
		if (((pid * 2654435761u) & (slots - 1)) == home)
			return pid;
}

static void test_ptab_insert_find_remove(void **state)
{
	struct proc_table *t = ptab__new(64);
	struct ptab_entry *e;

	(void)state;
	assert_non_null(t);
	assert_null(ptab__find(t, 42));
	e = ptab__insert(t, 42);
	assert_non_null(e);
	assert_int_equal(e->pid, 42);
	assert_int_equal(e->cfg.kind, 0);
	e->status = 7;
	assert_ptr_equal(ptab__insert(t, 42), e); /* a second insert finds the same entry */
	assert_int_equal(ptab__find(t, 42)->status, 7);
	assert_int_equal(ptab__count(t), 1);
	assert_true(ptab__remove(t, 42));
	assert_false(ptab__remove(t, 42));
	assert_null(ptab__find(t, 42));
	assert_int_equal(ptab__count(t), 0);
	ptab__free(t);
}

static void test_ptab_pid0_and_bad_size(void **state)
{
	struct proc_table *t = ptab__new(16);

	(void)state;
	assert_null(ptab__insert(t, PTAB_EMPTY));
	assert_null(ptab__find(t, PTAB_EMPTY));
	assert_null(ptab__new(24));
	assert_null(ptab__new(1));
	ptab__free(t);
	ptab__free(NULL);
}

/* A run of colliding keys; removing from its head or middle keeps the rest reachable. */
static void test_ptab_collisions_backward_shift(void **state)
{
	struct proc_table *t = ptab__new(16);
	uint32_t pids[6], prev = 0;

	(void)state;
	/* five keys homed at slot 14 wrap around the end; a sixth homed at slot 0 follows them */
	for (int i = 0; i < 5; i++)
		prev = pids[i] = pid_with_home(16, 14, prev);
	pids[5] = pid_with_home(16, 0, 0);
	for (int i = 0; i < 6; i++)
		assert_non_null(ptab__insert(t, pids[i]));
	assert_true(ptab__remove(t, pids[1]));
	assert_true(ptab__remove(t, pids[0]));
	for (int i = 2; i < 6; i++)
		assert_non_null(ptab__find(t, pids[i]));
	assert_null(ptab__find(t, pids[0]));
	assert_null(ptab__find(t, pids[1]));
	assert_true(ptab__remove(t, pids[5]));
	for (int i = 2; i < 5; i++)
		assert_non_null(ptab__find(t, pids[i]));
	assert_int_equal(ptab__count(t), 3);
	ptab__free(t);
}

static void test_ptab_full_table(void **state)
{
	struct proc_table *t = ptab__new(8);

	(void)state;
	for (uint32_t pid = 1; pid <= 7; pid++)
		assert_non_null(ptab__insert(t, pid));
	assert_null(ptab__insert(t, 100)); /* the last slot stays empty */
	assert_null(ptab__find(t, 100));   /* and a miss still ends */
	assert_non_null(ptab__insert(t, 3)); /* present keys are still found */
	assert_true(ptab__remove(t, 3));
	assert_non_null(ptab__insert(t, 100));
	assert_int_equal(ptab__count(t), 7);
	ptab__free(t);
}

static void test_ptab_iteration(void **state)
{
	struct proc_table *t = ptab__new(256);
	const struct ptab_entry *e;
	uint32_t pos = 0, seen = 0, sum = 0;

	(void)state;
	for (uint32_t pid = 1000; pid < 1100; pid++)
		assert_non_null(ptab__insert(t, pid));
	while (ptab__next(t, &pos, &e)) {
		seen++;
		sum += e->pid;
	}
	assert_int_equal(seen, 100);
	assert_int_equal(sum, (1000 + 1099) * 100 / 2);
	assert_int_equal(ptab__next(t, &pos, &e), 0);
	ptab__free(t);
}

/*
 * Random churn against a reference set: a million operations through a 1024-slot table, far
 * more distinct pids than slots (a tombstone table would have no empty slot left), with
 * up to 900 live entries at a time.
 */
static void test_ptab_churn_matches_model(void **state)
{
	enum { SLOTS = 1024, LIVE = 900, PID_SPACE = 1 << 20 };
	static uint8_t in_model[PID_SPACE];
	static uint32_t live[LIVE];
	struct proc_table *t = ptab__new(SLOTS);
	uint32_t n_live = 0, x = 12345;

	(void)state;
	memset(in_model, 0, sizeof(in_model));
	for (int op = 0; op < 1000000; op++) {
		x = x * 1103515245u + 12345u;
		uint32_t r = x >> 8;
		if (n_live < LIVE && (r & 1)) {
			uint32_t pid = 1 + (r >> 1) % (PID_SPACE - 1);
			struct ptab_entry *e = ptab__insert(t, pid);
			assert_non_null(e);
			if (!in_model[pid]) {
				in_model[pid] = 1;
				live[n_live++] = pid;
				e->status = (uint8_t)pid;
			}
		} else if (n_live) {
			uint32_t i = (r >> 1) % n_live, pid = live[i];
			assert_true(ptab__remove(t, pid));
			in_model[pid] = 0;
			live[i] = live[--n_live];
		}
		if (op % 1000 == 0) {
			assert_int_equal(ptab__count(t), n_live);
			for (uint32_t i = 0; i < n_live; i++) {
				const struct ptab_entry *e = ptab__find(t, live[i]);
				assert_non_null(e);
				assert_int_equal(e->status, (uint8_t)live[i]);
			}
			uint32_t miss = 1 + (x % (PID_SPACE - 1));
			if (!in_model[miss])
				assert_null(ptab__find(t, miss));
		}
	}
	ptab__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptab_insert_find_remove),
		cmocka_unit_test(test_ptab_pid0_and_bad_size),
		cmocka_unit_test(test_ptab_collisions_backward_shift),
		cmocka_unit_test(test_ptab_full_table),
		cmocka_unit_test(test_ptab_iteration),
		cmocka_unit_test(test_ptab_churn_matches_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
