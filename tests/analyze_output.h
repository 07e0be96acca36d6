/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analyze_output.h - what the analyzer's suites read back: a capture replayed, a report or an
 * export of it as text, a file whole, a count of a string in text. Every step is asserted
 * (cmocka): a helper returns only what succeeded.
 */
#ifndef ANALYZE_OUTPUT_H
#define ANALYZE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "export.h"
#include "report.h"

/* Writes variant of the analyzer scenario (analyze_scenario.h) to a new file made from
 * template (mkstemp: ends in XXXXXX; it gets the name); 0, or -1 when no file could be made,
 * or scen_write_file's error. */
int aout_scenario_file(char *template, int variant, bool uncompressed);
/* A context that replayed the capture at path with options o: made, fed and run without
 * error (free it). */
struct ana_ctx *aout_replay(const char *path, const struct ana_opts *o);
/* What fn printed through r (r->out is set here), which it must end with 0 (free it). */
char *aout_report(struct ana_report *r, int (*fn)(struct ana_report *));
/* Export x of the capture at input under options o, through a file of a new temporary folder
 * (x->path is set to it; both are removed): its content (free it). *spilled, when given, gets
 * the trace partials the run wrote to its spill file. */
char *aout_export(const char *input, struct ana_export *x, struct ana_opts *o, uint64_t *spilled);
/* The whole content of the file at path, NUL-terminated (free it). */
char *aout_file_text(const char *path);
/* How many times needle starts in text, overlaps counted. */
unsigned int aout_count(const char *text, const char *needle);

#endif /* ANALYZE_OUTPUT_H */
