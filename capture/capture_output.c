// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_output.c - the names of the capture files and when to move on to the next one.
 *
 * Without rotation the capture is one file, named as given. With -C SIZE or -G SECONDS it is a
 * series: a six-digit sequence number goes before the extension of the name given
 * ("app.pcapng.zst" -> "app-000001.pcapng.zst", "app-000002.pcapng.zst", ...), so that names sort
 * in the order the files were written. With -W COUNT only the last COUNT files are kept: opening
 * file n removes file n - COUNT. The files themselves are written by capture_records.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"

#define SEQ_FIRST 1

int output__init(struct output *out, const struct capture_opts *o, char *err, size_t errlen)
{
	const char *base = o->out_path, *slash = strrchr(base, '/');
	const char *name = slash ? slash + 1 : base;
	const char *dot = name[0] ? strchr(name + 1, '.') : NULL; /* ".hidden" has no extension */

	memset(out, 0, sizeof(*out));
	out->size_limit = o->rotate_bytes;
	out->period_ns = (uint64_t)(o->rotate_seconds * 1e9);
	out->ring = o->rotate_files;
	/* --ring: a file per trigger, named as rotated files are */
	out->rotating = out->size_limit || out->period_ns || o->ring_s > 0;
	if (!out->rotating) {
		snprintf(out->path, sizeof(out->path), "%s", base);
		return 0;
	}
	if (!strcmp(base, "-")) {
		snprintf(err, errlen, "-C and -G rotate files: they cannot write to standard output");
		return -EINVAL;
	}
	out->stem_len = dot ? (size_t)(dot - base) : strlen(base);
	out->base = base;
	out->seq = SEQ_FIRST;
	if (output__name(out, out->seq, out->path, sizeof(out->path))) {
		snprintf(err, errlen, "%s: name too long", base);
		return -ENAMETOOLONG;
	}
	return 0;
}

int output__name(const struct output *out, uint64_t seq, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%.*s-%06llu%s", (int)out->stem_len, out->base,
			 (unsigned long long)seq, out->base + out->stem_len);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void output__started(struct output *out, uint64_t now_ns)
{
	out->next_ns = out->period_ns ? now_ns + out->period_ns : 0;
}

bool output__due(const struct output *out, uint64_t file_bytes, uint64_t now_ns)
{
	if (!out->rotating)
		return false;
	if (out->size_limit && file_bytes >= out->size_limit)
		return true;
	return out->next_ns && now_ns >= out->next_ns;
}

int output__advance(struct output *out)
{
	char next[sizeof(out->path)];

	if (output__name(out, out->seq + 1, next, sizeof(next)))
		return -ENAMETOOLONG;
	out->seq++;
	memcpy(out->path, next, sizeof(next));
	return 0;
}

int output__prune(struct output *out, char *err, size_t errlen)
{
	char old[sizeof(out->path)];

	if (!out->ring || out->seq < SEQ_FIRST + out->ring)
		return 0;
	if (output__name(out, out->seq - out->ring, old, sizeof(old)))
		return -ENAMETOOLONG;
	if (unlink(old) && errno != ENOENT) {
		int e = errno;
		snprintf(err, errlen, "cannot remove %s (-W %u): %s", old, out->ring, strerror(e));
		return -e;
	}
	return 0;
}

int output__check_dir(const struct output *out, char *err, size_t errlen)
{
	const char *slash;
	char dir[sizeof(out->path)];

	if (!out->rotating)
		return 0;
	slash = strrchr(out->base, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == out->base)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out->base), out->base);
	/* AT_EACCESS: with the effective ids and the capabilities spancap kept, not root's */
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS)) {
		int e = errno;
		snprintf(err, errlen,
			 "%s: rotation (-C/-G) and --ring create%s files there, which spancap cannot do once "
			 "it has dropped CAP_DAC_OVERRIDE (after attaching its probes): %s; write "
			 "into a directory the user running spancap can write",
			 dir, out->ring ? " and removes" : "", strerror(e));
		return -e;
	}
	return 0;
}
