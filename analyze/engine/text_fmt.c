// SPDX-License-Identifier: BSD-2-Clause
/*
 * text_fmt.c - plain-text formatting helpers.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text_fmt.h"

char *ana_fmt_hex(char *buf, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	buf[2 * n] = 0;
	return buf;
}

char *ana_fmt_ts_iso(char *buf, size_t sz, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&s, &tm)) {
		snprintf(buf, sz, "%llu", (unsigned long long)ns);
		return buf;
	}
	snprintf(buf, sz, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(ns % 1000000000u));
	return buf;
}

/* The UTC day (days since the epoch) whose times print without a date; UINT64_MAX: unset. */
static uint64_t clock_day = UINT64_MAX;

void ana_fmt_clock_day(uint64_t ns)
{
	if (clock_day == UINT64_MAX)
		clock_day = ns / 86400000000000ull;
}

char *ana_fmt_ts_clock(char *buf, size_t sz, uint64_t ns)
{
	uint64_t s = ns / 1000000000u;
	time_t t = (time_t)s;
	struct tm tm;
	int n = 0;

	ana_fmt_clock_day(ns);
	/* a capture that runs into another day: the date too, as --since reads it back */
	if (clock_day != UINT64_MAX && s / 86400 != clock_day && gmtime_r(&t, &tm))
		n = snprintf(buf, sz, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1,
			     tm.tm_mday);
	if (n < 0 || (size_t)n >= sz)
		n = 0;
	snprintf(buf + n, sz - (size_t)n, "%02u:%02u:%02u.%09llu", (unsigned int)(s / 3600 % 24),
		 (unsigned int)(s / 60 % 60), (unsigned int)(s % 60),
		 (unsigned long long)(ns % 1000000000u));
	return buf;
}

char *ana_fmt_dur(char *buf, size_t sz, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, sz, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, sz, "%.3fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, sz, "%.3fms", (double)ns / 1e6);
	else
		snprintf(buf, sz, "%.3fs", (double)ns / 1e9);
	return buf;
}

size_t ana_utf8_seq(const uint8_t *s, size_t len)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 1, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 2, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 3, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len - 1)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* What escape_bytes escapes besides bytes that are not UTF-8 (always \xNN). */
#define ESC_BACKSLASH 0x1 /* \ as \\ */
#define ESC_CONTROLS 0x2  /* control characters (\n, \t, \xNN) and " as \" */

/* s[0..len-1] into buf, whole characters and escapes only, NUL-terminated. */
static char *escape_bytes(char *buf, size_t sz, const void *s, size_t len, unsigned int flags)
{
	const uint8_t *p = s;
	size_t o = 0;

	if (!sz)
		return buf;
	for (size_t i = 0; i < len;) {
		size_t n = ana_utf8_seq(p + i, len - i), el;
		uint8_t ch = p[i];
		const char *e = (const char *)p + i;
		char tmp[8];

		if (!n || ((flags & ESC_CONTROLS) && (ch < 0x20 || ch == 0x7f))) {
			if ((flags & ESC_CONTROLS) && ch == '\n')
				e = "\\n";
			else if ((flags & ESC_CONTROLS) && ch == '\t')
				e = "\\t";
			else {
				snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
				e = tmp;
			}
			n = 1;
		} else if ((flags & ESC_BACKSLASH) && ch == '\\') {
			e = "\\\\";
		} else if ((flags & ESC_CONTROLS) && ch == '"') {
			e = "\\\"";
		}
		el = e == (const char *)p + i ? n : strlen(e);
		if (el >= sz - o)
			break;
		memcpy(buf + o, e, el);
		o += el;
		i += n;
	}
	buf[o] = 0;
	return buf;
}

char *ana_fmt_utf8(char *buf, size_t sz, const void *s, size_t len, bool raw)
{
	return escape_bytes(buf, sz, s, len, raw ? ESC_BACKSLASH : 0);
}

char *ana_fmt_escape(char *buf, size_t sz, const void *s, size_t len)
{
	return escape_bytes(buf, sz, s, len, ESC_BACKSLASH | ESC_CONTROLS);
}

void ana_table_init(struct ana_table *t, unsigned int ncols, const char *const *heads,
		    const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->heads = heads;
	t->align = align;
}

/*
 * The buffer buf of *cap items of elem bytes, used of them in use, with room for more after
 * them: buf itself when they fit, else buf reallocated to a capacity doubled from *cap (from
 * first when nothing is allocated yet), *cap set to it. NULL when that fails (buf and *cap are
 * left as they were).
 */
static void *table_grow(void *buf, size_t *cap, size_t used, size_t more, size_t first, size_t elem)
{
	size_t ncap = *cap ? *cap : first;
	void *nv;

	if (buf && more <= *cap - used)
		return buf;
	while (more > ncap - used)
		ncap *= 2;
	nv = realloc(buf, ncap * elem);
	if (nv)
		*cap = ncap;
	return nv;
}

/* Room for more bytes of text after the t->len there are. */
static int table_reserve(struct ana_table *t, size_t more)
{
	char *nt = table_grow(t->text, &t->text_cap, t->len, more, 4096, 1);

	if (!nt)
		return -1;
	t->text = nt;
	return 0;
}

/* Room for more cells after the t->n there are. */
static int table_slots(struct ana_table *t, size_t more)
{
	size_t *nv = table_grow(t->start, &t->cap, t->n, more, 64, sizeof(*nv));

	if (!nv)
		return -1;
	t->start = nv;
	return 0;
}

/* The decimal digits of v at the end of buf[20], returned. */
static char *u64_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void ana_table_cell(struct ana_table *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (table_slots(t, 1) || table_reserve(t, 64)) {
		t->nomem = 1;
		return;
	}
	va_start(ap, fmt);
	/* the cells most rows are made of, without the printf machinery: the same text */
	if (!strcmp(fmt, "%s") || !strcmp(fmt, "%u") || !strcmp(fmt, "%" PRIu64)) {
		char num[20], *d = NULL;
		size_t n;

		if (fmt[1] == 's') {
			d = va_arg(ap, char *);
			if (!d)
				d = "(null)"; /* as glibc's printf */
			n = strlen(d);
		} else {
			uint64_t v = fmt[1] == 'u' ? va_arg(ap, unsigned int) : va_arg(ap, uint64_t);

			d = u64_digits(num + sizeof(num), v);
			n = (size_t)(num + sizeof(num) - d);
		}
		va_end(ap);
		if (table_reserve(t, n + 1)) {
			t->nomem = 1;
			return;
		}
		memcpy(t->text + t->len, d, n);
		t->text[t->len + n] = 0;
		t->start[t->n++] = t->len;
		t->len += n + 1;
		return;
	}
	k = vsnprintf(t->text + t->len, t->text_cap - t->len, fmt, ap);
	va_end(ap);
	if (k >= 0 && (size_t)k >= t->text_cap - t->len) {
		if (table_reserve(t, (size_t)k + 1)) {
			k = -1;
		} else {
			va_start(ap, fmt);
			k = vsnprintf(t->text + t->len, t->text_cap - t->len, fmt, ap);
			va_end(ap);
		}
	}
	if (k < 0) {
		t->nomem = 1;
		k = 0; /* an empty cell keeps the columns in place */
		t->text[t->len] = 0;
	}
	t->start[t->n++] = t->len;
	t->len += (size_t)k + 1;
}

/* Cell i's text and length. */
static const char *cell(const struct ana_table *t, size_t i, size_t *len)
{
	size_t end = i + 1 < t->n ? t->start[i + 1] : t->len;

	*len = end - t->start[i] - 1;
	return t->text + t->start[i];
}

/* The output, written through a buffer of whole lines: the bytes fprintf("%*s"), ("%-*s")
 * and fputs gave. */
struct out_buf {
	FILE *f;
	char b[1 << 16];
	size_t n;
};

static void out_flush(struct out_buf *o)
{
	if (o->n)
		fwrite(o->b, 1, o->n, o->f);
	o->n = 0;
}

static void out_bytes(struct out_buf *o, const char *s, size_t n)
{
	while (n) {
		size_t k = sizeof(o->b) - o->n < n ? sizeof(o->b) - o->n : n;

		memcpy(o->b + o->n, s, k);
		o->n += k;
		s += k;
		n -= k;
		if (o->n == sizeof(o->b))
			out_flush(o);
	}
}

static void out_spaces(struct out_buf *o, size_t n)
{
	while (n) {
		size_t k = sizeof(o->b) - o->n < n ? sizeof(o->b) - o->n : n;

		memset(o->b + o->n, ' ', k);
		o->n += k;
		n -= k;
		if (o->n == sizeof(o->b))
			out_flush(o);
	}
}

void ana_table_print(struct ana_table *t, FILE *f, int indent)
{
	size_t w[32] = { 0 };
	struct out_buf *o = malloc(sizeof(*o));
	unsigned int c;

	for (c = 0; c < t->ncols && c < 32; c++)
		w[c] = strlen(t->heads[c]);
	for (size_t i = 0; i < t->n / t->ncols * t->ncols; i++) {
		size_t l;

		cell(t, i, &l);
		c = (unsigned int)(i % t->ncols);
		if (c < 32 && l > w[c])
			w[c] = l;
	}
	if (!o) {
		t->nomem = 1;
		return;
	}
	o->f = f;
	o->n = 0;
	for (size_t r = 0; r <= t->n / t->ncols; r++) {
		out_spaces(o, indent > 0 ? (size_t)indent : 0);
		for (c = 0; c < t->ncols; c++) {
			size_t l, width = c < 32 ? w[c] : 0;
			const char *s = r ? cell(t, (r - 1) * t->ncols + c, &l) : t->heads[c];
			int last = c + 1 == t->ncols;

			if (!r)
				l = strlen(s);
			if (t->align[c] == 'r' && l < width)
				out_spaces(o, width - l);
			out_bytes(o, s, l);
			if (t->align[c] != 'r' && !last && l < width)
				out_spaces(o, width - l);
			out_bytes(o, last ? "\n" : "  ", last ? 1 : 2);
		}
	}
	out_flush(o);
	free(o);
}

void ana_table_line(FILE *f, int indent, unsigned int ncols, const char *align, const size_t *w,
		    const char *const *cells)
{
	fprintf(f, "%*s", indent, "");
	for (unsigned int c = 0; c < ncols; c++) {
		const char *s = cells[c];
		int last = c + 1 == ncols;
		int width = (int)(c < 32 ? w[c] : 0);

		if (align[c] == 'r')
			fprintf(f, "%*s", width, s);
		else if (last)
			fputs(s, f);
		else
			fprintf(f, "%-*s", width, s);
		fputs(last ? "\n" : "  ", f);
	}
}

const char *ana_table_cell_text(const struct ana_table *t, size_t i, size_t *len)
{
	return cell(t, i, len);
}

void ana_table_clear(struct ana_table *t)
{
	t->n = 0;
	t->len = 0;
	t->nomem = 0;
}

void ana_table_free(struct ana_table *t)
{
	free(t->text);
	free(t->start);
	memset(t, 0, sizeof(*t));
}
