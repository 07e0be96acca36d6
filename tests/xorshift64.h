/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xorshift64.h - the pseudo-random numbers of the tests and the benchmarks: Marsaglia's
 * xorshift64 with shifts 13, 7 and 17. A fixed sequence for each seed, so that a run, and the
 * data it made, can be repeated. Not for anything that must be unpredictable.
 */
#ifndef SPANCAP_XORSHIFT64_H
#define SPANCAP_XORSHIFT64_H

#include <stdint.h>

/* Advances *state (never 0: a zero state stays zero) and returns the new value. */
static inline uint64_t xorshift64_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

#endif /* SPANCAP_XORSHIFT64_H */
