// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_trace_sampling - the trace-sampling rule of bpf/spancap_abi.h (sc_sample_threshold,
 * sc_sample_r, sc_sample_keep), which the BPF program runs as compiled here, against vectors
 * computed apart from it, in Python, from the text of formats/FORMAT.md 4.4:
 *
 *   T = int((1.0 - F) * float(1 << 56))           # asserted to be an integer
 *   R = int.from_bytes(trace_id[9:16], "big")
 *   keep = (not flagged_only or flags & 1) and (not fraction or R >= T)
 *
 * (the random ids: random.seed(4947), 16 x random.getrandbits(8) per id).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "spancap_abi.h"

/* bytes 8..15 of a trace id given in hex (W3C byte order), as the BPF program loads them */
static __u64 hi_le(const char *hex)
{
	uint8_t b[16];
	__u64 v;

	for (int i = 0; i < 16; i++) {
		unsigned int x;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &x), 1);
		b[i] = (uint8_t)x;
	}
	memcpy(&v, b + 8, 8);
	return v;
}

static void test_trace_sampling_threshold_exact(void **state)
{
	static const struct {
		double f;
		__u64 t;
	} v[] = {
		{0.25, 0xc0000000000000ull},	{0.01, 0xfd70a3d70a3d70ull},
		{0.5, 0x80000000000000ull},	{1, 0},
		{0.1, 0xe6666666666668ull},	{0.333333, 0xaaaab042528ae8ull},
		{1e-09, 0xfffffffbb47d08ull}, {0.999999, 0x10c6f7a0b8ull},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(sc_sample_threshold(v[i].f), v[i].t);
}

static void test_trace_sampling_r_is_last_7_bytes_big_endian(void **state)
{
	(void)state;
	/* byte 8 is not part of R; bytes 9..15 are, most significant first */
	assert_int_equal(sc_sample_r(hi_le("00000000000000000001020304050607")),
			 0x01020304050607ull);
	assert_int_equal(sc_sample_r(hi_le("0000000000000000ff01020304050607")),
			 0x01020304050607ull);
	assert_int_equal(sc_sample_r(hi_le("eccb650046eeb5299373725245a5036f")),
			 32495320003052399ull);
	assert_int_equal(sc_sample_r(hi_le("45ca9a95ce4655cb9505e9a3142f8a98")),
			 1664261511154328ull);
}

static void test_trace_sampling_keep_vectors(void **state)
{
	static const struct {
		const char *id;
		__u8 flags, mode;
		__u64 threshold;
		int keep;
	} v[] = {
		{"eccb650046eeb5299373725245a5036f", 3, 1, 64851834634135144ull, 0},
		{"9b714ee89305e66596814b3d729e8339", 3, 3, 64851834634135144ull, 0},
		{"19aa4d8cbd22e3c5ee899e50d9691fd5", 1, 2, 71337018097548656ull, 1},
		{"3a1bf6e42a20feeba541482f7cb04d36", 1, 2, 54043195528445952ull, 1},
		{"a1958609500a930060459ead5e005a1f", 1, 2, 36028797018963968ull, 1},
		{"2dc264b57ac8ce100665d2e991053c31", 2, 2, 54043195528445952ull, 0},
		{"43dd04852f2799b292de0ba7cc23ac44", 2, 1, 54043195528445952ull, 1},
		{"45ca9a95ce4655cb9505e9a3142f8a98", 0, 2, 54043195528445952ull, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(sc_sample_keep(hi_le(v[i].id), v[i].flags, v[i].mode,
						v[i].threshold),
				 v[i].keep);
}

static void test_trace_sampling_keep_at_threshold(void **state)
{
	(void)state;
	/* R == T is kept, R == T - 1 is not; byte 8 plays no part */
	assert_true(sc_sample_keep(hi_le("00000000000000007fc0000000000000"), 0,
				   SC_SAMPLE_FRACTION, 0xc0000000000000ull));
	assert_false(sc_sample_keep(hi_le("0000000000000000ffbfffffffffffff"), 0,
				    SC_SAMPLE_FRACTION, 0xc0000000000000ull));
	/* F = 1 keeps everything, R = 0 included; mode 0 keeps everything */
	assert_true(sc_sample_keep(0, 0, SC_SAMPLE_FRACTION, sc_sample_threshold(1)));
	assert_true(sc_sample_keep(0, 0, 0, ~0ull));
	/* the sampled flag is bit 0 alone (0x02 is W3C "random") */
	assert_false(sc_sample_keep(0, 0x02, SC_SAMPLE_FLAGGED, 0));
	assert_true(sc_sample_keep(0, 0x01, SC_SAMPLE_FLAGGED, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_sampling_threshold_exact),
		cmocka_unit_test(test_trace_sampling_r_is_last_7_bytes_big_endian),
		cmocka_unit_test(test_trace_sampling_keep_vectors),
		cmocka_unit_test(test_trace_sampling_keep_at_threshold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
