/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ana_map.h - open-addressing hash map from a 24-byte key to a pointer.
 *
 * Keys are three u64 words chosen by the caller (ids, or two hashes of a string plus a group).
 * An optional eq callback confirms a match on the stored value (string keys). Values are never
 * NULL; there is no removal: the analyzer only ever adds or replaces.
 */
#ifndef ANA_MAP_H
#define ANA_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ana_key {
	uint64_t k[3];
};

struct ana_map_slot {
	struct ana_key key;
	void *val;
};

struct ana_map {
	struct ana_map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

typedef bool (*ana_map_eq_fn)(const void *val, const void *arg);

/* Returns the value stored under k (and accepted by eq when eq is not NULL), or NULL. */
void *ana_map_get(const struct ana_map *m, const struct ana_key *k, ana_map_eq_fn eq,
		  const void *arg);
/* Stores val under k, replacing a value accepted by eq. Returns 0 or -ENOMEM. */
int ana_map_put(struct ana_map *m, const struct ana_key *k, void *val, ana_map_eq_fn eq,
		const void *arg);
/* Forgets every key but keeps the slots, so that a map emptied and filled again to its former
 * size allocates nothing (no pages faulted in again). */
void ana_map_clear(struct ana_map *m);
/* Frees the slots (not the values). NULL is fine. */
void ana_map_free(struct ana_map *m);

/* A 64-bit hash of len bytes; two seeds give two independent words for a string key. */
uint64_t ana_hash_bytes(const void *p, size_t len, uint64_t seed);

static inline struct ana_key ana_key3(uint64_t a, uint64_t b, uint64_t c)
{
	struct ana_key k = { { a, b, c } };

	return k;
}

/* Key of a string within a group (host index, span...). */
static inline struct ana_key ana_key_str(const char *s, size_t len, uint64_t group)
{
	return ana_key3(ana_hash_bytes(s, len, 0x243f6a8885a308d3ull),
			ana_hash_bytes(s, len, 0x13198a2e03707344ull), group);
}

#endif /* ANA_MAP_H */
