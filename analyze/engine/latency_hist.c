// SPDX-License-Identifier: BSD-2-Clause
/*
 * latency_hist.c - sparse log-linear histogram.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "latency_hist.h"

#define SUB (1u << ANA_HIST_SUB_BITS)

unsigned int ana_hist_bucket(uint64_t v)
{
	unsigned int e;

	if (v < SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v); /* >= ANA_HIST_SUB_BITS */
	return SUB + (e - ANA_HIST_SUB_BITS) * SUB +
	       (unsigned int)((v >> (e - ANA_HIST_SUB_BITS)) & (SUB - 1));
}

uint64_t ana_hist_bucket_high(unsigned int idx)
{
	unsigned int e, sub;
	uint64_t low;

	if (idx < SUB)
		return idx;
	e = (idx - SUB) / SUB + ANA_HIST_SUB_BITS;
	sub = (idx - SUB) % SUB;
	low = (uint64_t)(SUB + sub) << (e - ANA_HIST_SUB_BITS);
	return low + ((uint64_t)1 << (e - ANA_HIST_SUB_BITS)) - 1;
}

static int add_count(struct ana_hist *h, unsigned int idx, uint64_t n)
{
	uint32_t lo = 0, hi = h->nbins;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (h->bins[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->nbins && h->bins[lo].idx == idx) {
		h->bins[lo].count += n;
		return 0;
	}
	if (h->nbins == h->cap) {
		uint32_t ncap = h->cap ? h->cap * 2 : 8;
		struct ana_hist_bin *nb;

		if (ncap > ANA_HIST_BUCKETS)
			ncap = ANA_HIST_BUCKETS;
		nb = realloc(h->bins, ncap * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		h->bins = nb;
		h->cap = ncap;
	}
	memmove(&h->bins[lo + 1], &h->bins[lo], (h->nbins - lo) * sizeof(*h->bins));
	h->bins[lo].idx = (uint16_t)idx;
	h->bins[lo].count = n;
	h->nbins++;
	return 0;
}

static void add_summary(struct ana_hist *h, uint64_t count, uint64_t sum, uint64_t min,
			uint64_t max)
{
	if (!h->count || min < h->min)
		h->min = min;
	if (!h->count || max > h->max)
		h->max = max;
	h->count += count;
	h->sum += sum;
}

int ana_hist_add(struct ana_hist *h, uint64_t v)
{
	add_summary(h, 1, v, v, v);
	return add_count(h, ana_hist_bucket(v), 1);
}

int ana_hist_merge(struct ana_hist *dst, const struct ana_hist *src)
{
	if (!src->count)
		return 0;
	add_summary(dst, src->count, src->sum, src->min, src->max);
	for (uint32_t i = 0; i < src->nbins; i++)
		if (add_count(dst, src->bins[i].idx, src->bins[i].count))
			return -ENOMEM;
	return 0;
}

uint64_t ana_hist_percentile(const struct ana_hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (uint32_t i = 0; i < h->nbins; i++) {
		seen += h->bins[i].count;
		if (seen >= rank) {
			uint64_t v = ana_hist_bucket_high(h->bins[i].idx);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

void ana_hist_free(struct ana_hist *h)
{
	if (!h)
		return;
	free(h->bins);
	memset(h, 0, sizeof(*h));
}
