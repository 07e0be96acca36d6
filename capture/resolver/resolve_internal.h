/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolve_internal.h - helpers private to the capture/ resolver library: a bounds-checked cursor
 * over untrusted bytes. Errors go through formats/error_buffer.h (scf_errf()), integers are
 * read through formats/byte_order.h (scf_get16() .. scf_get64()).
 */
#ifndef SPANCAP_RESOLVE_INTERNAL_H
#define SPANCAP_RESOLVE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "byte_order.h"
#include "error_buffer.h"

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

#endif /* SPANCAP_RESOLVE_INTERNAL_H */
