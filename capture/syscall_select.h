/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syscall_select.h - spancap -e: syscall classes and names to the kernel's selection bitmap
 * (sel_bits in bpf/spancap.bpf.c, SC_SEL_WORDS words of 64 bits, bit nr set = recorded).
 * x86_64 syscall numbers.
 */
#ifndef SPANCAP_SYSCALL_SELECT_H
#define SPANCAP_SYSCALL_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "spancap_abi.h"

/*
 * Adds to bits what a comma-separated list of classes and syscall names selects, plus the
 * lifecycle syscalls (fork, exec and exit families), which are always recorded. Returns 0, or
 * -EINVAL with a message naming the unknown word in err.
 */
int syscall_select_parse(const char *spec, uint64_t bits[SC_SEL_WORDS], char *err,
			 size_t errlen);
/* The class names, comma-separated (for --help). */
const char *syscall_select_classes(void);
/* The syscall number of a name, or -1. */
int syscall_select_nr(const char *name);

#endif /* SPANCAP_SYSCALL_SELECT_H */
