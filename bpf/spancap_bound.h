/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * spancap_bound.h - what bench/syscall_bench and bpf/spancap_bound.bpf.c (the least work of any
 * recorder of syscalls with context, a benchmark reference, never loaded by spancap) share
 * besides spancap's own events: the configuration in the program's map `bound_cfg`. Same rules
 * as spancap_abi.h (docs/STYLE.md section 5).
 */
#ifndef SPANCAP_BOUND_H
#define SPANCAP_BOUND_H

#include "spancap_abi.h"

struct sc_bound_cfg {
	__u32 tgid;	/* the process recorded */
	__u8 sample_mode; /* SC_SAMPLE_* (0: every syscall is recorded) */
	__u8 pad[3];
	__s64 tls_off;	/* &otel_thread_ctx_v1 - thread pointer (local-exec: same in every thread) */
	__u64 sample_threshold; /* as spancap's rodata of the same name (sc_sample_keep()) */
};
_Static_assert(sizeof(struct sc_bound_cfg) == 24, "bound configuration layout");

#endif /* SPANCAP_BOUND_H */
