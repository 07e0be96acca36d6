// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze_output.c - what the analyzer's suites read back (analyze_output.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze_output.h"
#include "analyze_scenario.h"

int aout_scenario_file(char *template, int variant, bool uncompressed)
{
	char err[SCF_ERRMSG_MAX];
	int fd = mkstemp(template);

	if (fd < 0)
		return -1;
	close(fd);
	return scen_write_file(template, variant, uncompressed, err, sizeof(err));
}

struct ana_ctx *aout_replay(const char *path, const struct ana_opts *o)
{
	struct ana_ctx *c = ana_ctx__new(o);
	char err[SCF_ERRMSG_MAX];

	assert_non_null(c);
	assert_int_equal(ana_ctx__add_file(c, path, err, sizeof(err)), 0);
	assert_int_equal(ana_ctx__run(c), 0);
	return c;
}

char *aout_report(struct ana_report *r, int (*fn)(struct ana_report *))
{
	char *text = NULL;
	size_t len = 0;

	r->out = open_memstream(&text, &len);
	assert_non_null(r->out);
	assert_int_equal(fn(r), 0);
	fclose(r->out);
	r->out = NULL;
	return text;
}

char *aout_export(const char *input, struct ana_export *x, struct ana_opts *o, uint64_t *spilled)
{
	char dir[] = "/tmp/test_analyze_out.XXXXXX", path[64];
	struct ana_ctx *c;
	char *text;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out", dir);
	x->path = path;
	assert_int_equal(ana_export_begin(x, o), 0);
	c = aout_replay(input, o);
	assert_int_equal(ana_export_finish(x, c), 0);
	if (spilled)
		*spilled = c->spilled_traces;
	ana_ctx__free(c);
	text = aout_file_text(path);
	unlink(path);
	rmdir(dir);
	x->path = NULL;
	return text;
}

char *aout_file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

unsigned int aout_count(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}
