/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output_file.h - the files spancap-analyze writes (export -o, filter -o), made so that a
 * failed or interrupted run never leaves a partial file under the name asked for: the data
 * goes to a temporary file in the same directory (mode 0600, created with O_EXCL), renamed
 * over the name only once it is complete. A SIGINT, SIGTERM or SIGHUP removes the temporary
 * file before the process dies of the signal.
 *
 * A name that is an existing symbolic link is refused. A name that exists and is not a
 * regular file (/dev/null, a FIFO) is written in place: renaming over it would replace it.
 */
#ifndef SPANCAP_OUTPUT_FILE_H
#define SPANCAP_OUTPUT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct ana_outfile {
	const char *path;
	char tmp[PATH_MAX]; /* "" when written in place */
	int fd;
};

/* Installs the SIGINT, SIGTERM and SIGHUP handlers that remove an unfinished output. */
void ana_outfile_catch_signals(void);
/* Opens the output for path; returns the descriptor, or -errno with a message in err. */
int ana_outfile__open(struct ana_outfile *o, const char *path, char *err, size_t errlen);
/*
 * Puts the complete output in place (the caller closed o->fd, and checked the close). Returns
 * 0, or -errno with a message in err (the temporary file is removed).
 */
int ana_outfile__commit(struct ana_outfile *o, char *err, size_t errlen);
/* Gives up: removes the temporary file (the caller closed o->fd). */
void ana_outfile__abort(struct ana_outfile *o);

#endif /* SPANCAP_OUTPUT_FILE_H */
