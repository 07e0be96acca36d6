// SPDX-License-Identifier: BSD-2-Clause
/*
 * ana_util.c - the small allocation helpers every analysis file uses: a growing vector of
 * pointers, a growing byte buffer (also the exporters') and a bounded string copy. Kept apart
 * from replay.c so that the state files (proc_state.c, trace_index.c) depend on this unit and
 * not on the replay that calls them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

void *ana_vec_at(const struct ana_vec *v, uint32_t i, bool *bad)
{
	if (i == UINT32_MAX)
		return NULL;
	if (i >= v->n) {
		*bad = true;
		return NULL;
	}
	return v->v[i];
}

int ana_vec_push(struct ana_vec *v, void *p)
{
	if (v->n == v->cap) {
		uint32_t ncap = v->cap ? v->cap * 2 : 16;
		void **nv = realloc(v->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = p;
	return 0;
}

char *ana_strndup(const void *s, size_t len)
{
	char *d = malloc(len + 1);

	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = 0;
	return d;
}

void ana_bytes_put(struct ana_bytes *b, const void *d, size_t n)
{
	if (b->nomem || !n)
		return;
	if (n > b->cap - b->n) {
		size_t ncap = b->cap ? b->cap : 256;
		uint8_t *nv;

		while (ncap - b->n < n)
			ncap *= 2;
		nv = realloc(b->p, ncap);
		if (!nv) {
			b->nomem = true;
			return;
		}
		b->p = nv;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}
