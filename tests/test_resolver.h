/* SPDX-License-Identifier: BSD-2-Clause */
/* test_resolver.h - shared pieces of the capture/ resolver suite (one cmocka binary). */
#ifndef SPANCAP_TEST_RESOLVER_H
#define SPANCAP_TEST_RESOLVER_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TR_ERRLEN 1024

/* Each test file exports its tests; test_resolver.c runs them as one group. */
extern const struct CMUnitTest tr_maps_tests[];
extern const size_t tr_maps_tests_n;
extern const struct CMUnitTest tr_pctx_tests[];
extern const size_t tr_pctx_tests_n;
extern const struct CMUnitTest tr_attrs_tests[];
extern const size_t tr_attrs_tests_n;
extern const struct CMUnitTest tr_elf_tests[];
extern const size_t tr_elf_tests_n;
extern const struct CMUnitTest tr_resolve_tests[];
extern const size_t tr_resolve_tests_n;
extern const struct CMUnitTest tr_cache_tests[];
extern const size_t tr_cache_tests_n;
extern const struct CMUnitTest tr_live_tests[];
extern const size_t tr_live_tests_n;

/* Path of a fixture built by tests/fixtures/fixtures.mk:
 * <dir of this binary>/../fixtures/<name>. */
const char *tr_fixture(const char *name);
/* Reads a whole file into malloc'ed memory; fails the test on error. */
uint8_t *tr_slurp(const char *path, size_t *len);
/* Deterministic PRNG for mutation tests. */
uint32_t tr_rand(uint32_t *state);

#define TR_N(arr) (sizeof(arr) / sizeof((arr)[0]))

#endif /* SPANCAP_TEST_RESOLVER_H */
