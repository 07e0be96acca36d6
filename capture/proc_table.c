// SPDX-License-Identifier: BSD-2-Clause
/*
 * proc_table.c - what user space last installed per process (the kernel map may have dropped
 * an entry by the time an event about it is read), keyed by tgid.
 *
 * Open addressing with linear probing and backward-shift deletion: a removal moves the
 * following entries of its probe run back instead of leaving a tombstone, so a table that has
 * seen millions of short-lived processes probes exactly as far as one that saw only the live
 * ones, and a lookup always ends at an empty slot (the table refuses the insertion that would
 * fill its last slot).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct proc_table {
	uint32_t mask;
	uint32_t count;
	struct ptab_entry slot[];
};

static uint32_t home_of(const struct proc_table *t, uint32_t pid)
{
	return (pid * 2654435761u) & t->mask;
}

struct proc_table *ptab__new(uint32_t slots)
{
	struct proc_table *t;

	if (slots < 2 || (slots & (slots - 1))) {
		errno = EINVAL;
		return NULL;
	}
	/* calloc of a large block maps zero pages: only the slots used become resident. */
	t = calloc(1, sizeof(*t) + (size_t)slots * sizeof(t->slot[0]));
	if (!t)
		return NULL;
	t->mask = slots - 1;
	return t;
}

void ptab__free(struct proc_table *t)
{
	free(t);
}

/* The slot holding pid, or the empty slot ending its probe run. */
static struct ptab_entry *probe(struct proc_table *t, uint32_t pid)
{
	uint32_t i = home_of(t, pid);

	while (t->slot[i].pid != PTAB_EMPTY && t->slot[i].pid != pid)
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

struct ptab_entry *ptab__find(struct proc_table *t, uint32_t pid)
{
	struct ptab_entry *e;

	if (pid == PTAB_EMPTY)
		return NULL;
	e = probe(t, pid);
	return e->pid == pid ? e : NULL;
}

struct ptab_entry *ptab__insert(struct proc_table *t, uint32_t pid)
{
	struct ptab_entry *e;

	if (pid == PTAB_EMPTY)
		return NULL;
	e = probe(t, pid);
	if (e->pid == pid)
		return e;
	if (t->count + 1 >= t->mask + 1)
		return NULL; /* keep one slot empty: every probe run ends */
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	t->count++;
	return e;
}

bool ptab__remove(struct proc_table *t, uint32_t pid)
{
	struct ptab_entry *e = ptab__find(t, pid);
	uint32_t hole, j;

	if (!e)
		return false;
	hole = (uint32_t)(e - t->slot);
	for (j = (hole + 1) & t->mask; t->slot[j].pid != PTAB_EMPTY; j = (j + 1) & t->mask) {
		uint32_t home = home_of(t, t->slot[j].pid);
		/* The entry at j may stay only if its home lies cyclically in (hole, j]. */
		bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
		if (stays)
			continue;
		t->slot[hole] = t->slot[j];
		hole = j;
	}
	memset(&t->slot[hole], 0, sizeof(t->slot[hole]));
	t->count--;
	return true;
}

uint32_t ptab__count(const struct proc_table *t)
{
	return t->count;
}

int ptab__next(const struct proc_table *t, uint32_t *pos, const struct ptab_entry **e)
{
	for (; *pos <= t->mask; (*pos)++) {
		if (t->slot[*pos].pid != PTAB_EMPTY) {
			*e = &t->slot[(*pos)++];
			return 1;
		}
	}
	return 0;
}
