/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * text_fmt.h - plain-text formatting for reports: ids, times, durations, escaped strings and
 * aligned tables. Times are printed in UTC, so that output does not depend on the machine.
 */
#ifndef ANA_TEXT_FMT_H
#define ANA_TEXT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Lower-case hex of n bytes into buf (2n + 1 bytes). */
char *ana_fmt_hex(char *buf, const uint8_t *p, size_t n);
/* "2026-01-02T12:00:00.123456789Z" (buf: 32 bytes). */
char *ana_fmt_ts_iso(char *buf, size_t sz, uint64_t ns);
/* "12:00:00.123456789"; "2026-01-03 12:00:00.123456789" on a day other than that given to
 * ana_fmt_clock_day (buf: 32 bytes). */
char *ana_fmt_ts_clock(char *buf, size_t sz, uint64_t ns);
/* The day of ns is the one times of day print without a date: the first call only (the report
 * calls it with the analysis's first time; else the first time printed sets it). */
void ana_fmt_clock_day(uint64_t ns);
/* "850ns", "12.345us", "1.234ms", "2.500s" (buf: 24 bytes). */
char *ana_fmt_dur(char *buf, size_t sz, uint64_t ns);
/*
 * Captured bytes as text, the convention of every report (man/spancap-analyze.1, BYTES THAT
 * ARE NOT UTF-8): a byte that is not part of valid UTF-8 becomes the four characters \xNN
 * (lower-case hex), valid UTF-8 is kept as is.
 */
/* Length of the valid UTF-8 sequence at s (at most len bytes, len >= 1), or 0 when it is not
 * one. */
size_t ana_utf8_seq(const uint8_t *s, size_t len);
/*
 * len bytes of captured text as valid UTF-8 into buf (NUL-terminated, cut before a character
 * or escape that does not fit): a byte outside valid UTF-8 becomes \xNN, and with raw a
 * backslash becomes \\ (the text then decodes back to the bytes).
 */
char *ana_fmt_utf8(char *buf, size_t sz, const void *s, size_t len, bool raw);
/* Copies len bytes of untrusted text for a report, as strace prints strings: a backslash, a
 * quote and controls escaped C-style, a byte outside valid UTF-8 as \xNN (cut before an
 * escape or character that does not fit). */
char *ana_fmt_escape(char *buf, size_t sz, const void *s, size_t len);

/* A table of text cells printed with aligned columns. */
struct ana_table {
	unsigned int ncols;
	const char *const *heads;
	const char *align; /* one 'l' or 'r' per column */
	char *text;	   /* the cells one after another, each NUL-terminated */
	size_t len, text_cap;
	size_t *start; /* offset in text of each cell */
	size_t n, cap;
	int nomem;
};

void ana_table_init(struct ana_table *t, unsigned int ncols, const char *const *heads,
		    const char *align);
/* Adds the next cell (rows are filled left to right). */
void ana_table_cell(struct ana_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line of a table: cells padded to widths (w[c] for c < 32, else none) as align says, the
 * last column not padded, after indent spaces. */
void ana_table_line(FILE *f, int indent, unsigned int ncols, const char *align, const size_t *w,
		    const char *const *cells);
/* Cell i's text (NUL-terminated) and its length in *len. */
const char *ana_table_cell_text(const struct ana_table *t, size_t i, size_t *len);
/* Drops the cells, keeping the buffers for the next ones. */
void ana_table_clear(struct ana_table *t);
/* Prints header and rows, each line prefixed by indent spaces; the last column is not padded. */
void ana_table_print(struct ana_table *t, FILE *f, int indent);
void ana_table_free(struct ana_table *t);

#endif /* ANA_TEXT_FMT_H */
