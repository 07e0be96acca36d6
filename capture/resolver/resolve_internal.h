/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolve_internal.h - helpers private to the capture/ resolver library: the one error helper
 * and a bounds-checked cursor over untrusted bytes.
 */
#ifndef SPANCAP_RESOLVE_INTERNAL_H
#define SPANCAP_RESOLVE_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The one printf-style helper that fills an error buffer; err may be NULL. */
__attribute__((format(printf, 3, 4))) static inline void scr_errf(char *err, size_t errlen,
								  const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Prefixes the message already in err with "prefix: " (used when a lower layer filled err and
 * the caller knows the file or module it was working on).
 */
__attribute__((format(printf, 3, 4))) static inline void scr_errprefix(char *err, size_t errlen,
								       const char *fmt, ...)
{
	char inner[512], head[512];
	va_list ap;

	if (!err || !errlen)
		return;
	snprintf(inner, sizeof(inner), "%s", err);
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", head, inner);
}

/*
 * A cursor over len bytes: off only grows and never exceeds len, so len - off is always the
 * number of bytes left (compare lengths, never pointers).
 */
struct scr_cur {
	const uint8_t *buf;
	size_t len;
	size_t off;
};

static inline void scr_cur_init(struct scr_cur *c, const void *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->off = 0;
}

static inline size_t scr_cur_left(const struct scr_cur *c)
{
	return c->len - c->off;
}

/* Returns a pointer to the next n bytes and advances, or NULL when fewer are left. */
static inline const uint8_t *scr_cur_pull(struct scr_cur *c, size_t n)
{
	const uint8_t *p;

	if (n > c->len - c->off)
		return NULL;
	p = c->buf + c->off;
	c->off += n;
	return p;
}

static inline uint64_t scr_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t scr_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t scr_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif /* SPANCAP_RESOLVE_INTERNAL_H */
