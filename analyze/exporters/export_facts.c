// SPDX-License-Identifier: BSD-2-Clause
/*
 * export_facts.c - the per-syscall facts every export format prints (name, exit time, error,
 * bytes moved), computed once here so that the formats and cmd_export.c share them without
 * depending on each other.
 */
#include <stdio.h>
#include <string.h>

#include "export.h"

void ana_export_sc_facts(const struct ana_event *ev, struct ana_export_sc *f)
{
	const struct scf_syscall *sc = ev->sc;
	const struct scf_syscall_info *si =
		sc->abi == SCF_ABI_X86_64 ? scf_syscall_info(sc->nr) : NULL;

	memset(f, 0, sizeof(*f));
	if (si) {
		f->name = si->name;
	} else {
		snprintf(f->namebuf, sizeof(f->namebuf), "syscall_%u", sc->nr);
		f->name = f->namebuf;
	}
	f->no_exit = ev->rec->flags & SCF_SYSCALL_F_NO_EXIT;
	f->end_ns = f->no_exit ? ev->ts_ns : ev->ts_ns + sc->duration_ns;
	if (f->end_ns < ev->ts_ns) /* a hostile duration */
		f->end_ns = ev->ts_ns;
	f->failed = !f->no_exit && sc->ret < 0 && sc->ret >= -4095;
	f->err = f->failed ? (int32_t)-sc->ret : 0;
	if (si && !f->no_exit && sc->ret > 0) {
		if (si->flags & SCF_SC_READ)
			f->bytes_read = (uint64_t)sc->ret;
		if (si->flags & SCF_SC_WRITE)
			f->bytes_written = (uint64_t)sc->ret;
	}
}
