/* SPDX-License-Identifier: BSD-2-Clause */
/* format_internal.h - helpers private to formats/. */
#ifndef SPANCAP_FORMAT_INTERNAL_H
#define SPANCAP_FORMAT_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The one printf-style helper that fills an error buffer; err may be NULL. */
__attribute__((format(printf, 3, 4))) static inline void scf_errf(char *err, size_t errlen,
								   const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static inline uint16_t scf_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t scf_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void scf_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void scf_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

#endif /* SPANCAP_FORMAT_INTERNAL_H */
