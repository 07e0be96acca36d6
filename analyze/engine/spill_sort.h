/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spill_sort.h - an external sort of variable-length records (a byte key and a value) within a
 * memory budget: records stay in memory until they pass the budget, then are sorted and
 * written as one run to an unnamed temporary file (O_TMPFILE in $TMPDIR, else /tmp; mode 0600;
 * gone when closed or when the process ends); the runs and what is still in memory are merged
 * when read back.
 *
 * With a thread (ana_sorter__use_thread), a full batch of records is sorted and written on it
 * while the next fills; the two batches share the budget (but hold 4 KiB each at least). An error of the thread (a write
 * that failed, naming the file and the byte offset) is returned by the next add that hands it
 * a batch, or by finish: no record is dropped silently. After finish, a thread merges the
 * runs ahead of next, into two blocks within the budget; an error of the merge is returned by
 * next after the records before it, as without.
 *
 * Order: keys compared as bytes (memcmp, a shorter key that is a prefix of a longer one
 * first); equal keys come out in the order they were added. The temporary file is our own but
 * is read as any input: a record that does not fit its run is an error naming the file and the
 * byte offset, never a read past a buffer.
 */
#ifndef ANA_SPILL_SORT_H
#define ANA_SPILL_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ana_sorter;

/* A record handed back by ana_sorter__next: valid until the next call. */
struct ana_sorted {
	const uint8_t *key, *val;
	uint32_t klen, vlen;
};

/* The largest key plus value accepted (a span with many threads' attributes stays far below). */
#define ANA_SORTER_REC_MAX (64u << 20)

/*
 * A sorter that keeps up to budget bytes of records in memory (at least one record whatever
 * the budget). dir: where the temporary file goes, NULL for $TMPDIR or else /tmp; the file is
 * made on the first run. NULL with errno on error.
 */
struct ana_sorter *ana_sorter__new(size_t budget, const char *dir);
/* Sorts and writes runs on a thread of s's own, made at the first run; before the first add.
 * Where no thread can be made, runs are written by the adding thread, as without. */
void ana_sorter__use_thread(struct ana_sorter *s);
/* Adds a record. Returns 0 or -errno (ana_sorter__error says why); not after finish. */
int ana_sorter__add(struct ana_sorter *s, const void *key, uint32_t klen, const void *val,
		    uint32_t vlen);
/* Ends the adding: sorts what is in memory and starts the merge. Returns 0 or -errno. */
int ana_sorter__finish(struct ana_sorter *s);
/* The next record in order: 1 and *out, 0 at the end, -errno on error (ana_sorter__error). */
int ana_sorter__next(struct ana_sorter *s, struct ana_sorted *out);
/* Records added, and runs written to the temporary file so far. */
uint64_t ana_sorter__count(const struct ana_sorter *s);
uint32_t ana_sorter__runs(struct ana_sorter *s);
/* The reason of the last error: "spill file /tmp/(unnamed): write at byte 123: No space...". */
const char *ana_sorter__error(const struct ana_sorter *s);
/* Frees s and closes its temporary file. NULL is fine. */
void ana_sorter__free(struct ana_sorter *s);

/* For tests: a sorter over a run file given as bytes (each record: u32 klen, u32 vlen, u64
 * order, little-endian, then the key and the value), as if it had written that one run (with
 * its thread reading ahead when thread). */
struct ana_sorter *ana_sorter__from_run(const void *bytes, size_t len, size_t budget,
				       bool thread);

/* For tests: while held, the thread starts writing no batch (one it holds waits). */
void ana_sorter__hold_thread(struct ana_sorter *s, bool hold);

#endif /* ANA_SPILL_SORT_H */
