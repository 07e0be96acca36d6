/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syscall_select.h - spancap -e: a selection of formats/ (scf_syscall_select(): syscall names,
 * %CLASS and %GROUP, as spancap-analyze --syscall takes them) to the kernel's selection bitmap
 * (sel_bits in bpf/spancap.bpf.c, SC_SEL_WORDS words of 64 bits, bit nr set = recorded).
 */
#ifndef SPANCAP_SYSCALL_SELECT_H
#define SPANCAP_SYSCALL_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "spancap_abi.h"

/*
 * Adds to bits what a comma-separated selection selects, plus the lifecycle syscalls (SCF_SC_LIFE
 * of formats/syscall_list.h: fork, exec and exit families), which are always recorded. Returns
 * 0, or -EINVAL with a message naming the unknown word and its offset in err.
 */
int syscall_select_parse(const char *spec, uint64_t bits[SC_SEL_WORDS], char *err,
			 size_t errlen);

#endif /* SPANCAP_SYSCALL_SELECT_H */
