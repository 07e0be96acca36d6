// SPDX-License-Identifier: BSD-2-Clause
/* test_resolver.c - runs every capture/ resolver test as one cmocka group. */
#include "test_resolver.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tr_fixture(const char *name)
{
	static char dir[PATH_MAX];
	static char path[PATH_MAX * 2];

	if (!dir[0]) {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		assert_true(n > 0);
		exe[n] = '\0';
		snprintf(dir, sizeof(dir), "%s/../fixtures", dirname(exe));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

uint8_t *tr_slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);

		assert_true(r > 0);
		done += (size_t)r;
	}
	close(fd);
	*len = done;
	return buf;
}

uint32_t tr_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

int main(void)
{
	const struct {
		const struct CMUnitTest *v;
		size_t n;
	} parts[] = {
	    {tr_maps_tests, tr_maps_tests_n},	    {tr_pctx_tests, tr_pctx_tests_n},
	    {tr_attrs_tests, tr_attrs_tests_n},	    {tr_elf_tests, tr_elf_tests_n},
	    {tr_resolve_tests, tr_resolve_tests_n}, {tr_cache_tests, tr_cache_tests_n},
	    {tr_live_tests, tr_live_tests_n},
	};
	struct CMUnitTest *all;
	size_t n = 0, k = 0;
	int rc;

	for (size_t i = 0; i < TR_N(parts); i++)
		n += parts[i].n;
	all = calloc(n, sizeof(*all));
	if (!all)
		return 1;
	for (size_t i = 0; i < TR_N(parts); i++)
		for (size_t j = 0; j < parts[i].n; j++)
			all[k++] = parts[i].v[j];
	rc = _cmocka_run_group_tests("resolver", all, n, NULL, NULL);
	free(all);
	return rc;
}
