/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ground-truth log of the demo service: JSON lines, one object per line, "type" first
 * (format in samples/README.md). Each thread fills its own buffer and writes it out with
 * write(2) on an O_APPEND descriptor between requests, so lines never interleave and the
 * log's own writes never happen inside a span (unless a buffer fills up mid-request).
 */
#ifndef DEMO_TRUTH_H
#define DEMO_TRUTH_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_TRUTH_LINE_MAX 16384

struct demo_truth {
	char *buf;
	size_t len;
	size_t cap;
	size_t line_start;
	int fd;		       /* -1: no log, every call is a no-op */
	int err;	       /* first error (-errno), sticky */
	unsigned long dropped; /* lines longer than DEMO_TRUTH_LINE_MAX */
};

/* fd < 0 disables the log. Returns 0 or -ENOMEM. */
int demo_truth_init(struct demo_truth *t, int fd, size_t cap);
/* Flushes, then frees the buffer. Returns the first error, 0 if none. */
int demo_truth_close(struct demo_truth *t);
/* Writes the buffered lines out. Returns 0 or the sticky error. */
int demo_truth_flush(struct demo_truth *t);

void demo_truth_begin(struct demo_truth *t, const char *type);
void demo_truth_end(struct demo_truth *t);
/* `,"key":` then a value written by one of the value calls below */
void demo_truth_key(struct demo_truth *t, const char *key);
void demo_truth_value_str(struct demo_truth *t, const char *s, size_t n);
void demo_truth_printf(struct demo_truth *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Shorthands: key and value. */
void demo_truth_str(struct demo_truth *t, const char *key, const char *s);
void demo_truth_int(struct demo_truth *t, const char *key, long long v);
void demo_truth_hex(struct demo_truth *t, const char *key, uint64_t v);

static inline int demo_truth_enabled(const struct demo_truth *t)
{
	return t->fd >= 0;
}

#endif /* DEMO_TRUTH_H */
