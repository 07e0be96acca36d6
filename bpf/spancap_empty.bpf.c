// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * spancap_empty.bpf.c - the floor of the per-syscall cost: the same two hooks as
 * spancap.bpf.c, doing nothing. Loaded only by bench/syscall_bench.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter_empty, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit_empty, struct pt_regs *regs, long ret)
{
	return 0;
}
