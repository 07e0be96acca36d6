// SPDX-License-Identifier: BSD-2-Clause
/* test_resolver_maps.c - capture/resolver/proc_maps.c on in-memory /proc/PID/maps text. */
#include "test_resolver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_maps.h"

static const char sample[] =
    "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1311 /usr/bin/app\n"
    "55d0c0a01000-55d0c0a02000 r-xp 00001000 08:01 1311 /usr/bin/app\n"
    "55d0c0a02000-55d0c0a03000 rw-p 00002000 08:01 1311 /usr/bin/app\n"
    "55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f0000000000-7f0000028000 r--p 00000000 08:01 2222                       /usr/lib/libc.so.6\n"
    "7f0000028000-7f000017d000 r-xp 00028000 08:01 2222                       /usr/lib/libc.so.6\n"
    "7f000017d000-7f00001d0000 r--p 0017d000 08:01 2222                       /usr/lib/libc.so.6\n"
    "7f00001d0000-7f00001d4000 r--p 001cf000 08:01 2222                       /usr/lib/libc.so.6\n"
    "7f00001d4000-7f00001d6000 rw-p 001d3000 08:01 2222                       /usr/lib/libc.so.6\n"
    "7f00001d6000-7f00001e3000 rw-p 00000000 00:00 0 \n"
    "7f0000200000-7f0000201000 rw-s 00000000 00:01 77                         /memfd:OTEL_CTX "
    "(deleted)\n"
    "7f0000300000-7f0000301000 r-xp 00000000 fd:02 9999                       /opt/my lib/libx.so "
    "(deleted)\n"
    "7f0000400000-7f0000401000 r--p 00000000 08:01 4444                       /usr/share/data.bin\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]\n";

static struct pmaps *parse_ok(const char *text, size_t len)
{
	char err[TR_ERRLEN] = "";
	struct pmaps *m = pmaps__parse(text, len, 0, "test", err, sizeof(err));

	if (!m)
		fail_msg("parse failed: %s", err);
	return m;
}

static void test_maps_parse_normal(void **state)
{
	struct pmaps *m = parse_ok(sample, strlen(sample));

	(void)state;
	assert_int_equal(m->n, 15);
	assert_int_equal(m->v[0].start, 0x55d0c0a00000ull);
	assert_int_equal(m->v[0].end, 0x55d0c0a01000ull);
	assert_int_equal(m->v[0].perms, PMAPS_PERM_R);
	assert_string_equal(m->v[0].path, "/usr/bin/app");
	assert_int_equal(m->v[1].perms, PMAPS_PERM_R | PMAPS_PERM_X);
	assert_int_equal(m->v[1].offset, 0x1000);
	assert_int_equal(m->v[1].dev_major, 8);
	assert_int_equal(m->v[1].dev_minor, 1);
	assert_int_equal(m->v[1].inode, 1311);
	assert_string_equal(m->v[3].path, "[heap]");
	assert_false(pmaps_entry_is_file(&m->v[3]));
	assert_string_equal(m->v[9].path, "");
	assert_int_equal(m->v[10].perms, PMAPS_PERM_R | PMAPS_PERM_W | PMAPS_PERM_SHARED);
	assert_true(m->v[10].deleted);
	assert_string_equal(m->v[10].path, "/memfd:OTEL_CTX");
	assert_int_equal(m->v[11].dev_major, 0xfd);
	assert_true(pmaps_entry_is_file(&m->v[4]));
	pmaps__free(m);
}

static void test_maps_parse_deleted_and_spaces(void **state)
{
	struct pmaps *m = parse_ok(sample, strlen(sample));

	(void)state;
	assert_true(m->v[11].deleted);
	assert_string_equal(m->v[11].path, "/opt/my lib/libx.so");
	assert_false(m->v[4].deleted);
	pmaps__free(m);
}

static void test_maps_parse_no_final_newline(void **state)
{
	static const char t[] = "1000-2000 r-xp 00000000 08:01 5 /bin/x";
	struct pmaps *m = parse_ok(t, strlen(t));

	(void)state;
	assert_int_equal(m->n, 1);
	assert_string_equal(m->v[0].path, "/bin/x");
	pmaps__free(m);
}

static void test_maps_parse_empty(void **state)
{
	struct pmaps *m = parse_ok("", 0);

	(void)state;
	assert_int_equal(m->n, 0);
	pmaps__free(m);
}

static void expect_error(const char *text, size_t len, size_t cap, int want, const char *needle)
{
	char err[TR_ERRLEN] = "";
	struct pmaps *m = pmaps__parse(text, len, cap, "test", err, sizeof(err));

	if (m)
		fail_msg("parse of \"%.40s\" succeeded", text);
	assert_int_equal(errno, want);
	if (needle && !strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void test_maps_parse_huge_line(void **state)
{
	size_t n = PMAPS_LINE_MAX + 100, head;
	char *t = malloc(n + 200);

	(void)state;
	assert_non_null(t);
	head = (size_t)sprintf(t, "1000-2000 r-xp 00000000 08:01 5 /bin/x\n"
				  "3000-4000 r-xp 00000000 08:01 5 /");
	memset(t + head, 'a', n);
	t[head + n] = '\n';
	expect_error(t, head + n + 1, 0, EBADMSG, "line 2 at byte 39 is longer than");
	free(t);
}

static void test_maps_parse_garbage(void **state)
{
	static const struct {
		const char *text;
		int err;
		const char *needle;
	} cases[] = {
	    {"hello\n", EBADMSG, "line 1 at byte 0: bad start address"},
	    {"1000-2000 rwxq 0 08:01 5\n", EBADMSG, "bad permissions"},
	    {"1000-2000 r-xp zz 08:01 5\n", EBADMSG, "bad offset"},
	    {"1000-2000 r-xp 0 0801 5\n", EBADMSG, "bad device"},
	    {"1000-2000 r-xp 0 08:01 x\n", EBADMSG, "bad inode"},
	    {"1000-2000 r-xp 0 08:01 5x /a\n", EBADMSG, "bad path separator"},
	    {"2000-1000 r-xp 0 08:01 5\n", EBADMSG, "bad address range"},
	    {"11112222333344445-2000 r-xp 0 08:01 5\n", EBADMSG, "bad start address"},
	    {"1000-2000 r-xp 0 08:01 99999999999999999999999\n", EBADMSG, "bad inode"},
	    {"1000-2000 r-xp 0 08:01 5 /a\n\n", EBADMSG, "line 2 at byte 28"},
	    {"1000-2000 r-xp 0 08:01 5 /a\n1000-", ENODATA, "text ends inside the line"},
	};

	(void)state;
	for (size_t i = 0; i < TR_N(cases); i++)
		expect_error(cases[i].text, strlen(cases[i].text), 0, cases[i].err,
			     cases[i].needle);
	/* A NUL inside a line. */
	expect_error("1000-2000 r-xp 0 08:01 5 /a\0b\n", 30, 0, EBADMSG, "NUL");
}

static void test_maps_parse_entry_cap(void **state)
{
	(void)state;
	expect_error(sample, strlen(sample), 3, E2BIG, "more than 3 entries (line 4");
}

static void test_maps_parse_truncated_every_offset(void **state)
{
	size_t len = strlen(sample);

	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		char err[TR_ERRLEN] = "";
		struct pmaps *m = pmaps__parse(sample, cut, 0, "test", err, sizeof(err));

		if (m) {
			pmaps__free(m);
			continue;
		}
		assert_true(errno == ENODATA || errno == EBADMSG);
		assert_non_null(strstr(err, "at byte"));
	}
}

static void test_maps_parse_random_bytes(void **state)
{
	uint32_t seed = 12345;
	char buf[512];

	(void)state;
	for (int it = 0; it < 2000; it++) {
		size_t len = tr_rand(&seed) % sizeof(buf);
		char err[TR_ERRLEN];
		struct pmaps *m;

		memcpy(buf, sample, len < sizeof(sample) ? len : sizeof(sample));
		for (int k = 0; k < 4; k++)
			buf[tr_rand(&seed) % sizeof(buf)] = (char)tr_rand(&seed);
		m = pmaps__parse(buf, len, 0, "fuzz", err, sizeof(err));
		pmaps__free(m);
	}
}

static void test_maps_modules_runs(void **state)
{
	static const char t[] = "400000-401000 r--p 00000000 08:01 10 /bin/exe\n"
				"401000-402000 r-xp 00001000 08:01 10 /bin/exe\n"
				"403000-404000 rw-p 00002000 08:01 10 /bin/exe\n"
				"404000-405000 rw-p 00000000 00:00 0 \n"
				"7f0000000000-7f0000001000 r--p 00000000 08:01 20 /lib/liba.so\n"
				"7f0000001000-7f0000002000 r-xp 00001000 08:01 20 /lib/liba.so\n"
				"7f0000100000-7f0000101000 r--p 00000000 08:01 20 /lib/liba.so\n"
				"7f0000101000-7f0000102000 r-xp 00001000 08:01 20 /lib/liba.so\n"
				"7f0000180000-7f0000181000 r--p 00000000 08:01 40 /lib/lld.so\n"
				"7f0000181000-7f0000182000 r-xp 00000000 08:01 40 /lib/lld.so\n"
				"7f0000182000-7f0000183000 rw-p 00000000 08:01 40 /lib/lld.so\n"
				"7f0000190000-7f0000191000 r-xp 00000000 08:01 50 /lib/one.so\n"
				"7f0000192000-7f0000193000 r-xp 00000000 08:01 50 /lib/one.so\n"
				"7f0000200000-7f0000201000 r--p 00000000 08:01 30 /data/file\n"
				"7f0000300000-7f0000301000 r-xp 00000000 00:00 0 [vdso]\n";
	struct pmaps *m = parse_ok(t, strlen(t));
	struct pmaps_module *mods;
	size_t n;

	(void)state;
	assert_int_equal(pmaps__modules(m, &mods, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(mods[0].path, "/bin/exe");
	assert_int_equal(mods[0].base_start, 0x400000);
	assert_int_equal(mods[0].exec_start, 0x401000);
	assert_string_equal(mods[1].path, "/lib/liba.so");
	assert_int_equal(mods[1].base_start, 0x7f0000000000ull);
	/* The same file loaded a second time is a second module. */
	assert_string_equal(mods[2].path, "/lib/liba.so");
	assert_int_equal(mods[2].base_start, 0x7f0000100000ull);
	/* lld: segments share pages, so offsets repeat on touching mappings: one load. */
	assert_string_equal(mods[3].path, "/lib/lld.so");
	assert_int_equal(mods[3].base_start, 0x7f0000180000ull);
	assert_int_equal(mods[3].exec_start, 0x7f0000181000ull);
	/* The same offset again after a hole: a second load. */
	assert_int_equal(mods[4].base_start, 0x7f0000190000ull);
	assert_int_equal(mods[5].base_start, 0x7f0000192000ull);
	free(mods);
	pmaps__free(m);
}

static void test_maps_load_bias(void **state)
{
	(void)state;
	/* PIE / shared library linked at 0. */
	assert_int_equal(pmaps_load_bias(0x55d0c0a00000ull, 0, 0, 0), 0x55d0c0a00000ull);
	/* Non-PIE executable linked at 0x400000. */
	assert_int_equal(pmaps_load_bias(0x400000, 0, 0x400000, 0), 0);
	/* Lowest mapping at a non-zero offset: its segment's p_vaddr/p_offset cancel it. */
	assert_int_equal(pmaps_load_bias(0x7f0000001000ull, 0x1000, 0x1000, 0x1000),
			 0x7f0000000000ull);
	/* lld-style non-PIE (first PT_LOAD at 0x200000). */
	assert_int_equal(pmaps_load_bias(0x200000, 0, 0x200000, 0), 0);
}

static void test_maps_otel_ctx_names(void **state)
{
	struct pmaps *m = parse_ok(sample, strlen(sample));
	const struct pmaps_entry *e;
	size_t from = 0;

	(void)state;
	assert_true(pmaps_is_otel_ctx_name("/memfd:OTEL_CTX"));
	assert_true(pmaps_is_otel_ctx_name("[anon_shmem:OTEL_CTX]"));
	assert_true(pmaps_is_otel_ctx_name("[anon:OTEL_CTX]"));
	assert_false(pmaps_is_otel_ctx_name("/memfd:OTEL"));
	assert_false(pmaps_is_otel_ctx_name("[anon:OTHER]"));
	assert_false(pmaps_is_otel_ctx_name(""));
	e = pmaps__find_otel_ctx(m, &from);
	assert_non_null(e);
	assert_int_equal(e->start, 0x7f0000200000ull);
	assert_null(pmaps__find_otel_ctx(m, &from));
	pmaps__free(m);
}

static void test_maps_read_self(void **state)
{
	char err[TR_ERRLEN] = "", exe[4096];
	struct pmaps *m = pmaps__read(getpid(), 0, err, sizeof(err));
	struct pmaps_module *mods;
	size_t n;
	bool found = false;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	(void)state;
	assert_non_null(m);
	assert_true(len > 0);
	exe[len] = '\0';
	assert_int_equal(pmaps__modules(m, &mods, &n), 0);
	for (size_t i = 0; i < n; i++)
		found |= !strcmp(mods[i].path, exe);
	assert_true(found);
	free(mods);
	pmaps__free(m);
	assert_null(pmaps__read(999999999, 0, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/proc/999999999/maps"));
}

const struct CMUnitTest tr_maps_tests[] = {
    cmocka_unit_test(test_maps_parse_normal),
    cmocka_unit_test(test_maps_parse_deleted_and_spaces),
    cmocka_unit_test(test_maps_parse_no_final_newline),
    cmocka_unit_test(test_maps_parse_empty),
    cmocka_unit_test(test_maps_parse_huge_line),
    cmocka_unit_test(test_maps_parse_garbage),
    cmocka_unit_test(test_maps_parse_entry_cap),
    cmocka_unit_test(test_maps_parse_truncated_every_offset),
    cmocka_unit_test(test_maps_parse_random_bytes),
    cmocka_unit_test(test_maps_modules_runs),
    cmocka_unit_test(test_maps_load_bias),
    cmocka_unit_test(test_maps_otel_ctx_names),
    cmocka_unit_test(test_maps_read_self),
};
const size_t tr_maps_tests_n = TR_N(tr_maps_tests);
