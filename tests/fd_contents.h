/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fd_contents.h - the whole content of a file descriptor, for the suites that write a capture
 * into a memfd and read it back.
 */
#ifndef FD_CONTENTS_H
#define FD_CONTENTS_H

#include <stddef.h>
#include <stdint.h>

/* Every byte of fd from offset 0 (*len of them), read whole, and fd closed; each step asserted
 * (cmocka). The buffer is malloc'd (at least one byte, even for an empty file): free it. */
uint8_t *fd_contents(int fd, size_t *len);

#endif /* FD_CONTENTS_H */
