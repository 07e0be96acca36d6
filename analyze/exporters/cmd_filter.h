/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_filter.h - spancap-analyze filter: writes a new spancap file holding only what a
 * selection (the analyzer's filters) needs, optionally redacted (redact.h).
 */
#ifndef ANA_CMD_FILTER_H
#define ANA_CMD_FILTER_H

#include <stddef.h>

#include "analysis.h"

struct ana_filter_cmd {
	const char *out;	/* output path, "-" for standard output */
	int compress;		/* -1: like the first input; 0: plain pcapng; 1: zstd */
	unsigned int redact;	/* ANA_REDACT_* classes; 0: none */
	const char *redact_key; /* NULL: a random key for this run */
	void (*warn)(const char *msg); /* damage met in an input (the output is still written) */
	uint32_t threads;	/* reader threads (ana_opts.threads) */
	bool no_index;		       /* decompress every frame (no frame index) */
	void (*note)(const char *msg); /* why an input's frame index is not used */
};

/* Counts of what was written, for the summary line. */
struct ana_filter_stats {
	uint64_t records, syscalls, sections, synthesized_fds;
};

/*
 * Replays files (twice: once to find what the selection needs, once to write it) and writes
 * the output. Returns 0; 1 when nothing matched (no output is created); or -errno, with a
 * one-line reason in err.
 */
int ana_cmd_filter(const struct ana_filter *f, char *const *files, int nfiles,
		   const struct ana_filter_cmd *fc, struct ana_filter_stats *st, char *err,
		   size_t errlen);

#endif /* ANA_CMD_FILTER_H */
