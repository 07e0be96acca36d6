/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * errno_names.h - Linux errno names (the analyzer names errors of the captured host, not of the
 * machine it runs on, so it carries its own table instead of the C library's).
 */
#ifndef ANA_ERRNO_NAMES_H
#define ANA_ERRNO_NAMES_H

/* "ENOENT" for 2, NULL for a number Linux does not define (kernel-internal 512.. included). */
const char *ana_errno_name(unsigned int err);

#endif /* ANA_ERRNO_NAMES_H */
