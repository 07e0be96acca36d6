/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snaplen.h - the length at which a capture cut strings (its -s/--snaplen, spancap(8)), read
 * from its command line, and whether a string item of a SYSCALL record was cut there.
 */
#ifndef ANA_SNAPLEN_H
#define ANA_SNAPLEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes a capture keeps of a path without -s, at most of an execve argv string, and the
 * argv strings it keeps (spancap(8), -s). */
#define ANA_PATH_KEPT 255
#define ANA_ARGV_STR_KEPT 63
#define ANA_ARGV_KEPT 4

/*
 * The snaplen given on a spancap command line (the CMDLINE item: a string list, argv[0]
 * first), read as spancap's getopt reads it (-s N, -sN, bundled after flags, --snaplen N,
 * --snaplen=N and its unambiguous abbreviations; options end at "--" or the first operand;
 * the last one counts). 0 when none is given or it is not 1 to 255.
 */
uint32_t ana_cmdline_snaplen(const uint8_t *list, size_t len);
/*
 * Whether a string of len bytes of item tag (SCF_ITEM_PATH, SCF_ITEM_PATH2 or one string of
 * SCF_ITEM_ARGV) in a SYSCALL record with flags was cut by a capture with that snaplen (0:
 * the default): the record is TRUNCATED and the string is as long as the capture kept. A
 * string exactly that long in a record truncated elsewhere counts as cut: the bytes cannot
 * tell.
 */
bool ana_str_cut(uint32_t snaplen, uint16_t flags, uint16_t tag, size_t len);

/*
 * Whether the argument block of a successful execve (its ARGV strings joined by NULs: total
 * bytes) in a record with flags was cut by a capture with that snaplen: the record is
 * TRUNCATED and the block is as long as the capture kept (the snaplen, 255 by default). Only
 * its last string is then cut, and more may have followed.
 */
bool ana_argv_block_cut(uint32_t snaplen, uint16_t flags, size_t total);

#endif /* ANA_SNAPLEN_H */
