// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_export.c - `export`: the output file and the choice of format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"

static bool to_stdout(const struct ana_export *x)
{
	return !x->path || !strcmp(x->path, "-");
}

/*
 * The export holds what the capture holds (paths, addresses, attributes): created 0600 like a
 * capture file, never through a symbolic link, and under a temporary name until it is
 * complete (output_file.h).
 */
static FILE *open_output(struct ana_export *x)
{
	int fd;
	FILE *f;

	if (to_stdout(x))
		return stdout;
	fd = ana_outfile__open(&x->of, x->path, x->err, sizeof(x->err));
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		snprintf(x->err, sizeof(x->err), "%s: %s", x->path, strerror(errno));
		close(fd);
		ana_outfile__abort(&x->of);
	}
	return f;
}

int ana_export_begin(struct ana_export *x, struct ana_opts *o)
{
	bool rows = x->format == ANA_EXPORT_CSV || x->format == ANA_EXPORT_JSONL;

	if (x->format == ANA_EXPORT_NONE) {
		snprintf(x->err, sizeof(x->err),
			 "export needs --format otlp-json, otlp-jsonl, chrome, csv or jsonl");
		return -EINVAL;
	}
	if (x->max_spans && x->format != ANA_EXPORT_OTLP_JSONL) {
		snprintf(x->err, sizeof(x->err), "--max-spans is for otlp-jsonl");
		return -EINVAL;
	}
	if (rows && (x->gran != ANA_GRAN_SYSCALL || x->orphans)) {
		snprintf(x->err, sizeof(x->err),
			 "--granularity and --orphans are for the otlp formats (csv and jsonl have "
			 "one row per syscall, in spans or not)");
		return -EINVAL;
	}
	if (!x->max_spans)
		x->max_spans = ANA_EXPORT_LINE_SPANS;
	if (x->format == ANA_EXPORT_CHROME && (x->gran != ANA_GRAN_SYSCALL || x->orphans)) {
		snprintf(x->err, sizeof(x->err),
			 "--granularity and --orphans are for the otlp formats (chrome shows every "
			 "syscall, and the spans around them)");
		return -EINVAL;
	}
	x->out = open_output(x);
	if (!x->out)
		return -EIO;
	ana_json_init(&x->j, x->out);
	x->j.compact = x->format == ANA_EXPORT_OTLP_JSONL || x->format == ANA_EXPORT_JSONL;
	o->on_event = x->format == ANA_EXPORT_CHROME ? ana_chrome_event : ana_otlp_event;
	if (rows) {
		o->on_event = ana_rows_event;
		ana_rows_begin(x);
	}
	o->event_arg = x;
	/* span groups list the files, peers and failures of each span */
	if (!rows && x->format != ANA_EXPORT_CHROME && x->gran == ANA_GRAN_SPAN)
		o->want |= ANA_WANT_DETAIL;
	return 0;
}

static void free_priv(struct ana_export *x)
{
	if (x->format == ANA_EXPORT_OTLP_JSON || x->format == ANA_EXPORT_OTLP_JSONL)
		ana_otlp_free(x);
	else if (x->format == ANA_EXPORT_CHROME)
		ana_chrome_free(x);
}

void ana_export_abort(struct ana_export *x)
{
	free_priv(x);
	if (x->out && x->out != stdout) {
		fclose(x->out);
		ana_outfile__abort(&x->of);
	}
	x->out = NULL;
}

int ana_export_finish(struct ana_export *x, struct ana_ctx *c)
{
	int ret = 0;

	if (x->format == ANA_EXPORT_CHROME)
		ret = ana_chrome_finish(x, c);
	else if (x->format == ANA_EXPORT_OTLP_JSON || x->format == ANA_EXPORT_OTLP_JSONL)
		ret = ana_otlp_finish(x, c);

	if (!ret && x->nomem) {
		snprintf(x->err, sizeof(x->err), "out of memory while exporting");
		ret = 1;
	}
	if (!ret && (fflush(x->out) || ferror(x->out))) {
		snprintf(x->err, sizeof(x->err), "writing %s failed: %s",
			 to_stdout(x) ? "the output" : x->path, strerror(errno));
		ret = 1;
	}
	if (ret) {
		ana_export_abort(x);
		return ret;
	}
	free_priv(x);
	if (x->out != stdout) {
		if (fclose(x->out)) {
			snprintf(x->err, sizeof(x->err), "closing %s failed: %s", x->path,
				 strerror(errno));
			ana_outfile__abort(&x->of);
			ret = 1;
		} else if (ana_outfile__commit(&x->of, x->err, sizeof(x->err))) {
			ret = 1;
		}
	}
	x->out = NULL;
	return ret;
}
