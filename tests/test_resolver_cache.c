// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_resolver_cache.c - capture/resolver/elf_cache.c on copies of the fixtures in a temporary
 * directory: a file rewritten in place is parsed again, the table stays within its capacity and
 * replaces the least recently used file, errors are never kept.
 */
#include "test_resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "elf_cache.h"

static struct {
	char files[4][128];
	size_t n;
} td;
static char td_path[64]; /* the temporary directory, "" when not made */

static int cache_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < td.n; i++)
		unlink(td.files[i]);
	if (td_path[0])
		rmdir(td_path);
	memset(&td, 0, sizeof(td));
	td_path[0] = '\0';
	return 0;
}

/* Writes len bytes over the file at path, keeping its inode (opened without O_TRUNC). */
static void write_in_place(const char *path, const void *img, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	for (size_t done = 0; done < len;) {
		ssize_t w = pwrite(fd, (const uint8_t *)img + done, len - done, (off_t)done);

		assert_true(w > 0);
		done += (size_t)w;
	}
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	assert_int_equal(close(fd), 0);
}

/* A file in the temporary directory holding len bytes of img; returns its path. */
static const char *tmp_file(const char *name, const void *img, size_t len)
{
	char *path;

	if (!td_path[0]) {
		snprintf(td_path, sizeof(td_path), "/tmp/tr_elfcache.XXXXXX");
		assert_non_null(mkdtemp(td_path));
	}
	assert_true(td.n < TR_N(td.files));
	path = td.files[td.n++];
	snprintf(path, sizeof(td.files[0]), "%s/%s", td_path, name);
	write_in_place(path, img, len);
	return path;
}

static const char *tmp_copy(const char *name, const char *fixture)
{
	size_t len;
	uint8_t *img = tr_slurp(tr_fixture(fixture), &len);
	const char *path = tmp_file(name, img, len);

	free(img);
	return path;
}

/* Waits until files written now are older than the cache's racy window (elf_cache.h). */
static void age_files(void)
{
	struct timespec ts = {.tv_sec = ELFCACHE_RACY_NS / 1000000000ll,
			      .tv_nsec = ELFCACHE_RACY_NS % 1000000000ll + 100000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void read_ok(struct elfcache *c, const char *path, struct elftls_info *info)
{
	char err[TR_ERRLEN] = "";

	if (elfcache__read_file(c, path, NULL, info, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
}

/* The facts elftls_from_file() reads from path now: what a cache must give. */
static void assert_fresh(const char *path, const struct elftls_info *got)
{
	struct elftls_info want;
	char err[TR_ERRLEN] = "";

	if (elftls_from_file(path, NULL, &want, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	assert_memory_equal(got, &want, sizeof(want));
}

static void test_cache_file_rewritten_in_place_is_parsed_again(void **state)
{
	struct elfcache *c = elfcache__new(4);
	struct elftls_info first, again, after;
	struct elfcache_stats s;
	struct stat st0, st1;
	size_t len, renamed = 0;
	uint8_t *img = tr_slurp(tr_fixture("libtlsfix_gd.so"), &len);
	const char *path = tmp_file("lib.so", img, len);

	(void)state;
	assert_non_null(c);
	assert_int_equal(stat(path, &st0), 0);
	age_files();
	read_ok(c, path, &first);
	assert_true(first.defines);
	assert_int_equal(first.def.model, ELFTLS_MODEL_GD);
	read_ok(c, path, &again);
	assert_memory_equal(&again, &first, sizeof(first));
	elfcache__stats(c, &s);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.kept, 1);
	assert_int_equal(s.hits, 1);

	/* Same size, same inode: the symbol renamed in every string table, so it is gone. */
	for (uint8_t *p = img;
	     (p = memmem(p, len - (size_t)(p - img), ELFTLS_SYMBOL, sizeof(ELFTLS_SYMBOL))) != NULL;
	     p += sizeof(ELFTLS_SYMBOL)) {
		p[sizeof(ELFTLS_SYMBOL) - 2] = '9';
		renamed++;
	}
	assert_true(renamed > 0);
	write_in_place(path, img, len);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_ino, st0.st_ino);
	assert_int_equal(st1.st_size, st0.st_size);
	read_ok(c, path, &after);
	assert_false(after.defines);
	assert_false(after.references);
	assert_fresh(path, &after);
	elfcache__stats(c, &s);
	assert_int_equal(s.misses, 2);
	assert_int_equal(s.hits, 1);
	/* Rewritten just now: not kept, since another write could keep the same timestamps. */
	assert_int_equal(s.racy, 1);
	read_ok(c, path, &again);
	assert_memory_equal(&again, &after, sizeof(after));
	elfcache__stats(c, &s);
	assert_int_equal(s.misses, 3);
	assert_int_equal(s.hits, 1);
	free(img);
	elfcache__free(c);
}

static void test_cache_bounded_least_recently_used_replaced(void **state)
{
	struct elfcache *c = elfcache__new(2);
	struct elftls_info info;
	struct elfcache_stats s;
	const char *a = tmp_copy("a.so", "libtlsfix_gd.so");
	const char *b = tmp_copy("b.so", "libtlsfix_ie.so");
	const char *d = tmp_copy("d.so", "libtlsfix_gnu2.so");

	(void)state;
	assert_non_null(c);
	age_files();
	read_ok(c, a, &info);
	read_ok(c, b, &info);
	read_ok(c, a, &info); /* a is now the most recently used */
	read_ok(c, d, &info); /* replaces b */
	assert_fresh(d, &info);
	elfcache__stats(c, &s);
	assert_int_equal(s.size, 2);
	assert_int_equal(s.evicted, 1);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.misses, 3);
	read_ok(c, a, &info);
	assert_fresh(a, &info);
	read_ok(c, d, &info);
	elfcache__stats(c, &s);
	assert_int_equal(s.hits, 3);
	read_ok(c, b, &info);
	assert_fresh(b, &info);
	elfcache__stats(c, &s);
	assert_int_equal(s.misses, 4);
	assert_int_equal(s.size, 2);
	elfcache__free(c);
}

static void test_cache_errors_not_kept(void **state)
{
	static const char text[] = "not an ELF file, only text\n";
	struct elfcache *c = elfcache__new(0);
	struct elftls_info info;
	struct elfcache_stats s;
	char err[TR_ERRLEN] = "", want[TR_ERRLEN] = "";
	const char *path = tmp_file("text.so", text, sizeof(text) - 1);
	int rc;

	(void)state;
	assert_non_null(c);
	age_files();
	rc = elftls_from_file(path, "lib", &info, want, sizeof(want));
	assert_int_equal(rc, -ENOEXEC);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(elfcache__read_file(c, path, "lib", &info, err, sizeof(err)), rc);
		assert_string_equal(err, want);
	}
	assert_int_equal(
	    elfcache__read_file(c, "/nonexistent/lib.so", NULL, &info, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/lib.so"));
	elfcache__stats(c, &s);
	assert_int_equal(s.misses, 2);
	assert_int_equal(s.kept, 0);
	assert_int_equal(s.size, 0);
	elfcache__free(c);
}

static void test_cache_name_is_part_of_the_key(void **state)
{
	struct elfcache *c = elfcache__new(0);
	struct elftls_info info;
	struct elfcache_stats s;
	char err[TR_ERRLEN] = "";
	const char *path = tmp_copy("lib.so", "libtlsfix_ie.so");

	(void)state;
	assert_non_null(c);
	age_files();
	assert_int_equal(elfcache__read_file(c, path, "/usr/lib/one.so", &info, err, sizeof(err)),
			 0);
	assert_int_equal(elfcache__read_file(c, path, "/usr/lib/two.so", &info, err, sizeof(err)),
			 0);
	assert_int_equal(elfcache__read_file(c, path, "/usr/lib/one.so", &info, err, sizeof(err)),
			 0);
	elfcache__stats(c, &s);
	assert_int_equal(s.misses, 2);
	assert_int_equal(s.hits, 1);
	elfcache__free(c);
}

#define CACHE(t) cmocka_unit_test_teardown(t, cache_teardown)

const struct CMUnitTest tr_cache_tests[] = {
    CACHE(test_cache_file_rewritten_in_place_is_parsed_again),
    CACHE(test_cache_bounded_least_recently_used_replaced),
    CACHE(test_cache_errors_not_kept),
    CACHE(test_cache_name_is_part_of_the_key),
};
const size_t tr_cache_tests_n = TR_N(tr_cache_tests);
