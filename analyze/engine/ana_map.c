// SPDX-License-Identifier: BSD-2-Clause
/*
 * ana_map.c - open-addressing hash map (linear probing, load factor at most 1/2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ana_map.h"

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t key_hash(const struct ana_key *k)
{
	return mix64(k->k[0] ^ mix64(k->k[1] + 0x9e3779b97f4a7c15ull) ^
		     (k->k[2] * 0xbf58476d1ce4e5b9ull));
}

static bool key_eq(const struct ana_key *a, const struct ana_key *b)
{
	return a->k[0] == b->k[0] && a->k[1] == b->k[1] && a->k[2] == b->k[2];
}

uint64_t ana_hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *s = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	uint64_t w;

	while (len >= 8) {
		memcpy(&w, s, 8);
		h = mix64(h ^ w) + 0x632be59bd9b4e019ull;
		s += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, s, len);
	return mix64(h ^ w ^ 0x94d049bb133111ebull);
}

static struct ana_map_slot *find_slot(const struct ana_map *m, const struct ana_key *k,
				      ana_map_eq_fn eq, const void *arg)
{
	size_t mask = m->cap - 1, i = key_hash(k) & mask;

	for (;;) {
		struct ana_map_slot *s = &m->slots[i];

		if (!s->val)
			return s;
		if (key_eq(&s->key, k) && (!eq || eq(s->val, arg)))
			return s;
		i = (i + 1) & mask;
	}
}

void *ana_map_get(const struct ana_map *m, const struct ana_key *k, ana_map_eq_fn eq,
		  const void *arg)
{
	if (!m->cap)
		return NULL;
	return find_slot(m, k, eq, arg)->val;
}

static int grow(struct ana_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16, mask = ncap - 1;
	struct ana_map_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct ana_map_slot *s = &m->slots[i];
		size_t j;

		if (!s->val)
			continue;
		j = key_hash(&s->key) & mask;
		while (ns[j].val)
			j = (j + 1) & mask;
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int ana_map_put(struct ana_map *m, const struct ana_key *k, void *val, ana_map_eq_fn eq,
		const void *arg)
{
	struct ana_map_slot *s;

	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	s = find_slot(m, k, eq, arg);
	if (!s->val)
		m->n++;
	s->key = *k;
	s->val = val;
	return 0;
}

void ana_map_clear(struct ana_map *m)
{
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

void ana_map_free(struct ana_map *m)
{
	if (!m)
		return;
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
