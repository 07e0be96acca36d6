// SPDX-License-Identifier: BSD-2-Clause
/* The demo's ground-truth log writer: per-thread buffers of JSON lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo_truth.h"

int demo_truth_init(struct demo_truth *t, int fd, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	if (fd < 0)
		return 0;
	if (cap < 4 * DEMO_TRUTH_LINE_MAX)
		cap = 4 * DEMO_TRUTH_LINE_MAX;
	t->buf = malloc(cap);
	if (!t->buf)
		return -ENOMEM;
	t->cap = cap;
	return 0;
}

int demo_truth_flush(struct demo_truth *t)
{
	size_t off = 0;
	ssize_t n;

	if (t->fd < 0)
		return 0;
	while (off < t->len) {
		n = write(t->fd, t->buf + off, t->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (!t->err)
				t->err = -errno;
			break;
		}
		off += (size_t)n;
	}
	t->len = 0;
	t->line_start = 0;
	return t->err;
}

int demo_truth_close(struct demo_truth *t)
{
	int err = demo_truth_flush(t);

	free(t->buf);
	t->buf = NULL;
	t->cap = 0;
	t->fd = -1;
	return err;
}

/* Appends n bytes to the current line; a line past DEMO_TRUTH_LINE_MAX is dropped at end. */
static void put(struct demo_truth *t, const char *s, size_t n)
{
	if (t->len - t->line_start + n > DEMO_TRUTH_LINE_MAX) {
		t->len = t->line_start + DEMO_TRUTH_LINE_MAX + 1; /* marks the line as too long */
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

void demo_truth_begin(struct demo_truth *t, const char *type)
{
	if (t->fd < 0)
		return;
	/* Room for a whole line: cap >= 4 lines, so flushing here frees enough. */
	if (t->cap - t->len < 2 * DEMO_TRUTH_LINE_MAX)
		demo_truth_flush(t);
	t->line_start = t->len;
	put(t, "{\"type\":", 8);
	demo_truth_value_str(t, type, strlen(type));
}

void demo_truth_end(struct demo_truth *t)
{
	if (t->fd < 0)
		return;
	if (t->len - t->line_start > DEMO_TRUTH_LINE_MAX) {
		t->len = t->line_start;
		t->dropped++;
		return;
	}
	put(t, "}\n", 2);
	if (t->len - t->line_start > DEMO_TRUTH_LINE_MAX) {
		t->len = t->line_start;
		t->dropped++;
	}
	t->line_start = t->len;
}

void demo_truth_key(struct demo_truth *t, const char *key)
{
	if (t->fd < 0)
		return;
	put(t, ",", 1);
	demo_truth_value_str(t, key, strlen(key));
	put(t, ":", 1);
}

void demo_truth_value_str(struct demo_truth *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6];
	size_t i;

	if (t->fd < 0)
		return;
	put(t, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(t, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(t, esc, 6);
		} else {
			put(t, (const char *)&s[i], 1);
		}
	}
	put(t, "\"", 1);
}

void demo_truth_printf(struct demo_truth *t, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	if (t->fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = DEMO_TRUTH_LINE_MAX + 1; /* cannot be represented: drop the line */
	put(t, tmp, (size_t)n);
}

void demo_truth_str(struct demo_truth *t, const char *key, const char *s)
{
	demo_truth_key(t, key);
	demo_truth_value_str(t, s, strlen(s));
}

void demo_truth_int(struct demo_truth *t, const char *key, long long v)
{
	demo_truth_key(t, key);
	demo_truth_printf(t, "%lld", v);
}

void demo_truth_hex(struct demo_truth *t, const char *key, uint64_t v)
{
	demo_truth_key(t, key);
	demo_truth_printf(t, "\"0x%llx\"", (unsigned long long)v);
}
