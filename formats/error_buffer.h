/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * error_buffer.h - the one way a library of this project reports an error: a printf-style
 * message into the caller's `char *err, size_t errlen` buffer (NULL allowed), never a print.
 * formats/ uses it, and so does capture/ (the kernel side and the resolver library).
 */
#ifndef SPANCAP_ERROR_BUFFER_H
#define SPANCAP_ERROR_BUFFER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Fills err with the message; err may be NULL or errlen 0 (nothing is written). */
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

/*
 * Prefixes the message already in err with "prefix: " (used when a lower layer filled err and
 * the caller knows the file or module it was working on).
 */
__attribute__((format(printf, 3, 4))) static inline void scf_errprefix(char *err, size_t errlen,
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

#endif /* SPANCAP_ERROR_BUFFER_H */
