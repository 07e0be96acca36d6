// SPDX-License-Identifier: BSD-2-Clause
/*
 * flight_trigger.c - which syscall records make the flight recorder (--ring) write a file:
 * --trigger-error (a syscall inside a span failing with a chosen errno, or with any errno)
 * and --trigger-slow (a syscall inside a span that took longer than a threshold). Evaluated
 * in user space on each SYSCALL record as it is recorded (capture_records.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

/* An errno by its C library name ("ENOENT") or number; 0 when unknown. */
static int errno_of(const char *s, size_t len)
{
	char name[32];
	char *end;
	long v;

	if (!len || len >= sizeof(name))
		return 0;
	memcpy(name, s, len);
	name[len] = '\0';
	if (name[0] >= '0' && name[0] <= '9') {
		v = strtol(name, &end, 10);
		return *end || v < 1 || v >= FTRIG_ERRNO_MAX ? 0 : (int)v;
	}
	for (int e = 1; e < FTRIG_ERRNO_MAX; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return e;
	}
	return 0;
}

int ftrig__parse_errors(struct flight_trigger *t, const char *arg, char *err, size_t errlen)
{
	const char *p = arg;

	do {
		size_t len = strcspn(p, ",");
		int e;

		if (len == 3 && !strncmp(p, "any", 3)) {
			t->any_errno = true;
		} else if ((e = errno_of(p, len))) {
			t->errnos[e / 64] |= 1ull << (e % 64);
		} else {
			snprintf(err, errlen,
				 "bad --trigger-error '%.*s': an errno name (ENOENT), a number (1 "
				 "to %d) or any",
				 (int)len, p, FTRIG_ERRNO_MAX - 1);
			return -EINVAL;
		}
		p += len;
	} while (*p++ == ',');
	t->on_error = true;
	return 0;
}

bool ftrig__match(const struct flight_trigger *t, const struct scf_syscall *s, uint16_t flags)
{
	if (!(flags & SCF_SYSCALL_F_CTX) || (flags & SCF_SYSCALL_F_NO_EXIT))
		return false;
	if (t->slow_ns && s->duration_ns > t->slow_ns)
		return true;
	/* the kernel's error returns are -4095..-1; other negative values are results */
	if (t->on_error && s->ret < 0 && s->ret >= -(FTRIG_ERRNO_MAX - 1)) {
		int e = (int)-s->ret;

		return t->any_errno || (t->errnos[e / 64] >> (e % 64) & 1);
	}
	return false;
}
