// SPDX-License-Identifier: BSD-2-Clause
/*
 * fd_contents.c - the whole content of a file descriptor (fd_contents.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd_contents.h"

uint8_t *fd_contents(int fd, size_t *len)
{
	struct stat st;
	uint8_t *p;

	assert_int_equal(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	p = malloc(*len ? *len : 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, *len, 0), (ssize_t)*len);
	close(fd);
	return p;
}
