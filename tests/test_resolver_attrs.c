// SPDX-License-Identifier: BSD-2-Clause
/* test_resolver_attrs.c - capture/resolver/thread_ctx_attrs.c: OTEP 4947 record rules. */
#include "test_resolver.h"

#include <errno.h>
#include <string.h>

#include "thread_ctx_attrs.h"

static void test_attrs_header_parse(void **state)
{
	uint8_t rec[TCTX_HEADER_SIZE];
	struct tctx_header h;
	uint16_t sz = 0x1234;

	(void)state;
	memset(rec, 0x11, 16);
	memset(rec + 16, 0x22, 8);
	rec[24] = 1;
	rec[25] = 0x03;
	memcpy(rec + 26, &sz, 2);
	assert_int_equal(tctx_header_parse(rec, sizeof(rec), &h), 0);
	assert_int_equal(h.trace_id[15], 0x11);
	assert_int_equal(h.span_id[0], 0x22);
	assert_int_equal(h.valid, 1);
	assert_int_equal(h.trace_flags, 3);
	assert_int_equal(h.attrs_data_size, 0x1234);
	assert_int_equal(tctx_header_parse(rec, 27, &h), -ENODATA);
}

static void test_attrs_parse_basic(void **state)
{
	static const uint8_t d[] = {0, 3, 'G', 'E', 'T', 2, 0, 1, 4, '/', 'a', 'p', 'i'};
	struct tctx_attrs a;

	(void)state;
	tctx_attrs_parse(d, sizeof(d), 3, &a);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.v[0].key, 0);
	assert_int_equal(a.v[0].len, 3);
	assert_memory_equal(d + a.v[0].off, "GET", 3);
	assert_int_equal(a.v[1].key, 2);
	assert_int_equal(a.v[1].len, 0);
	assert_int_equal(a.v[2].key, 1);
	assert_memory_equal(d + a.v[2].off, "/api", 4);
	assert_int_equal(a.consumed, sizeof(d));
	assert_false(a.incomplete);
	assert_false(a.clamped);
	assert_false(a.need_key_map_refresh);
}

static void test_attrs_parse_incomplete_entry(void **state)
{
	static const uint8_t d[] = {0, 2, 'o', 'k', 1, 5, 'a', 'b'};
	struct tctx_attrs a;

	(void)state;
	tctx_attrs_parse(d, sizeof(d), 2, &a);
	assert_int_equal(a.n, 1);
	assert_true(a.incomplete);
	assert_int_equal(a.consumed, 4);
	/* A lone key byte is incomplete too. */
	tctx_attrs_parse(d, 5, 2, &a);
	assert_int_equal(a.n, 1);
	assert_true(a.incomplete);
}

static void test_attrs_parse_last_duplicate_wins(void **state)
{
	static const uint8_t d[] = {1, 1, 'x', 0, 1, 'y', 1, 2, 'z', 'z'};
	struct tctx_attrs a;

	(void)state;
	tctx_attrs_parse(d, sizeof(d), 2, &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.v[0].key, 1);
	assert_int_equal(a.v[0].len, 2);
	assert_memory_equal(d + a.v[0].off, "zz", 2);
	assert_int_equal(a.v[1].key, 0);
}

static void test_attrs_parse_clamp_612(void **state)
{
	uint8_t d[700];
	struct tctx_attrs a;
	size_t off = 0;

	(void)state;
	memset(d, 'v', sizeof(d));
	/* Entries of 2 + 98 bytes: six fit in 600, the seventh crosses 612. */
	for (uint8_t k = 0; off + 100 <= sizeof(d); k++, off += 100) {
		d[off] = k;
		d[off + 1] = 98;
	}
	tctx_attrs_parse(d, sizeof(d), 256, &a);
	assert_true(a.clamped);
	assert_int_equal(a.n, 6);
	assert_true(a.incomplete);
	assert_int_equal(a.consumed, 600);
}

static void test_attrs_parse_unknown_key_refresh_once(void **state)
{
	static const uint8_t d[] = {0, 1, 'a', 7, 1, 'b', 7, 1, 'c', 9, 0};
	struct tctx_refresh_gate g = {0};
	struct tctx_attrs a;

	(void)state;
	tctx_attrs_parse(d, sizeof(d), 2, &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.n_unknown, 3);
	assert_true(a.need_key_map_refresh);
	/* First sighting asks for one refresh; the same unknown keys then are ignored. */
	assert_true(tctx_refresh_gate_check(&g, &a, 2));
	assert_false(tctx_refresh_gate_check(&g, &a, 2));
	/* The map grew (but still lacks 7 and 9): one more refresh. */
	assert_true(tctx_refresh_gate_check(&g, &a, 5));
	assert_false(tctx_refresh_gate_check(&g, &a, 5));
	/* Known now. */
	tctx_attrs_parse(d, sizeof(d), 10, &a);
	assert_int_equal(a.n, 3);
	assert_false(a.need_key_map_refresh);
}

static void test_attrs_parse_empty(void **state)
{
	struct tctx_attrs a;

	(void)state;
	tctx_attrs_parse(NULL, 0, 0, &a);
	assert_int_equal(a.n, 0);
	assert_false(a.incomplete);
}

const struct CMUnitTest tr_attrs_tests[] = {
    cmocka_unit_test(test_attrs_header_parse),
    cmocka_unit_test(test_attrs_parse_basic),
    cmocka_unit_test(test_attrs_parse_incomplete_entry),
    cmocka_unit_test(test_attrs_parse_last_duplicate_wins),
    cmocka_unit_test(test_attrs_parse_clamp_612),
    cmocka_unit_test(test_attrs_parse_unknown_key_refresh_once),
    cmocka_unit_test(test_attrs_parse_empty),
};
const size_t tr_attrs_tests_n = TR_N(tr_attrs_tests);
