// SPDX-License-Identifier: BSD-2-Clause
/*
 * output_file.c - outputs written under a temporary name and renamed into place on success
 * (see output_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_file.h"

/* The temporary file being written, for the signal handler; one output at a time. */
static char pending_tmp[PATH_MAX];
static volatile sig_atomic_t pending;

static void on_fatal_signal(int sig)
{
	if (pending)
		unlink(pending_tmp); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig); /* dies of it: the shell sees the signal, as without the handler */
}

void ana_outfile_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_fatal_signal }, old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	/* a signal ignored by whoever started us (nohup) stays ignored */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

/* Blocks the fatal signals while the pending name changes, so the handler sees it whole. */
static void set_pending(const char *tmp)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (tmp) {
		snprintf(pending_tmp, sizeof(pending_tmp), "%s", tmp);
		pending = 1;
	} else {
		pending = 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int ana_outfile__open(struct ana_outfile *o, const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	int n, e;

	o->path = path;
	o->tmp[0] = 0;
	o->fd = -1;
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s: refusing to write through a symbolic link",
				 path);
			return -ELOOP;
		}
		if (!S_ISREG(st.st_mode)) { /* a device or a FIFO: written in place */
			o->fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			if (o->fd < 0) {
				e = errno;
				snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
				return -e;
			}
			return o->fd;
		}
	}
	/* ".NAME.XXXXXX" next to NAME: same file system, so the rename is atomic */
	if (slash)
		n = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.XXXXXX", (int)(slash - path + 1),
			     path, slash + 1);
	else
		n = snprintf(o->tmp, sizeof(o->tmp), ".%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(o->tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		o->tmp[0] = 0;
		return -ENAMETOOLONG;
	}
	/* mkostemp: O_CREAT | O_EXCL, mode 0600 */
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot create %s (a temporary file next to %s): %s", o->tmp,
			 path, strerror(e));
		o->tmp[0] = 0;
		return -e;
	}
	set_pending(o->tmp);
	return o->fd;
}

int ana_outfile__commit(struct ana_outfile *o, char *err, size_t errlen)
{
	int e;

	o->fd = -1;
	if (!o->tmp[0])
		return 0;
	if (rename(o->tmp, o->path)) {
		e = errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", o->tmp, o->path, strerror(e));
		ana_outfile__abort(o);
		return -e;
	}
	set_pending(NULL);
	o->tmp[0] = 0;
	return 0;
}

void ana_outfile__abort(struct ana_outfile *o)
{
	o->fd = -1;
	if (!o->tmp[0])
		return;
	unlink(o->tmp);
	set_pending(NULL);
	o->tmp[0] = 0;
}
