/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * latency_hist.h - bounded-memory latency histogram (log-linear buckets, HdrHistogram-like).
 *
 * Values below 16 have a bucket each; above, every power of two is split into 16 linear
 * sub-buckets, so a reported percentile is within 1/16 (6.25%) of the true value, and never
 * above the exact maximum. Buckets are kept sparse (only those hit), at most ANA_HIST_BUCKETS
 * of them whatever the number of values: memory does not grow with events.
 */
#ifndef ANA_LATENCY_HIST_H
#define ANA_LATENCY_HIST_H

#include <stdint.h>

#define ANA_HIST_SUB_BITS 4
#define ANA_HIST_BUCKETS (16 + 60 * 16) /* covers every u64 value */

struct ana_hist_bin {
	uint16_t idx;
	uint64_t count;
};

struct ana_hist {
	struct ana_hist_bin *bins; /* sorted by idx */
	uint32_t nbins, cap;
	uint64_t count, sum, min, max;
};

/* Adds one value. Returns 0 or -ENOMEM (the value is then counted in count/sum/min/max only). */
int ana_hist_add(struct ana_hist *h, uint64_t v);
/* Adds every value of src to dst. Returns 0 or -ENOMEM. */
int ana_hist_merge(struct ana_hist *dst, const struct ana_hist *src);
/* The value at percentile p (0 < p <= 100): the highest value of the bucket holding the rank,
 * capped at the maximum. 0 for an empty histogram. */
uint64_t ana_hist_percentile(const struct ana_hist *h, double p);
void ana_hist_free(struct ana_hist *h);

/* Bucket of a value and the highest value of a bucket (exposed for tests). */
unsigned int ana_hist_bucket(uint64_t v);
uint64_t ana_hist_bucket_high(unsigned int idx);

#endif /* ANA_LATENCY_HIST_H */
