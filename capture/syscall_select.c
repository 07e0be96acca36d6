// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_select.c - spancap -e: the selection syntax and the classes are formats/'s (one table,
 * formats/syscall_list.h, for both binaries); the capture adds what it always records.
 */
#include <errno.h>

#include "spancap_file.h"
#include "syscall_select.h"

_Static_assert(SC_SEL_WORDS == SCF_SYSCALL_SEL_WORDS, "the kernel's bitmap covers the table");

int syscall_select_parse(const char *spec, uint64_t bits[SC_SEL_WORDS], char *err,
			 size_t errlen)
{
	int rc = scf_syscall_select(spec, bits, err, errlen);

	if (rc)
		return rc;
	for (unsigned int nr = 0; nr < SCF_SYSCALL_NR_MAX; nr++) {
		const struct scf_syscall_info *si = scf_syscall_info(nr);

		if (si && (si->flags & SCF_SC_LIFE))
			bits[nr / 64] |= 1ull << (nr % 64);
	}
	return 0;
}
