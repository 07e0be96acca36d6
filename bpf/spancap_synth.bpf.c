// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * spancap_synth.bpf.c - a synthetic producer for bench/recorder_bench.c: one run
 * (BPF_PROG_TEST_RUN) writes `count` events into a ring buffer, each a copy of one of the
 * templates user space put in `tmpl` (real spancap_abi.h events), with its thread, times,
 * return value and first argument varied as a running service's would be. The user-space path
 * that follows (libbpf consumer, recorder, formats/ writer, zstd) is spancap's own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "spancap_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SYNTH_TMPL 16
#define SYNTH_TMPL_MAX 512

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64u << 20);
} synth_events SEC(".maps");

__u8 tmpl[SYNTH_TMPL][SYNTH_TMPL_MAX];
__u32 tmpl_len[SYNTH_TMPL];
__u32 n_tmpl = 1;
__u32 count = 0;
__u64 clock_ns = 0;
__u64 drops = 0;
__u64 seq = 0;

struct scratch {
	__u8 b[SYNTH_TMPL_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} synth_buf SEC(".maps");

static long emit_one(__u64 i, void *ctx)
{
	__u32 zero = 0, t, len, r = bpf_get_prandom_u32();
	struct scratch *s = bpf_map_lookup_elem(&synth_buf, &zero);
	struct sc_syscall_event *ev;

	if (!s)
		return 1;
	t = (__u32)(seq++ % (n_tmpl ? n_tmpl : 1)) & (SYNTH_TMPL - 1);
	len = tmpl_len[t];
	if (len < 8 || len > SYNTH_TMPL_MAX)
		return 1;
	__builtin_memcpy(s->b, tmpl[t], SYNTH_TMPL_MAX);
	clock_ns += 200 + (r & 0x3ff);
	ev = (void *)s->b;
	if (ev->type == SC_EV_SYSCALL && len >= sizeof(*ev)) {
		ev->tid = ev->pid + (r >> 29); /* 8 threads */
		ev->enter_ns = clock_ns;
		ev->exit_ns = clock_ns + ((r >> 10) & 0xffff);
		if (ev->ret > 0)
			ev->ret = (r >> 16) & 0xfff;
		ev->args[0] = 3 + ((r >> 26) & 7);
		/* a per-thread buffer, a byte count with low-order noise, as format_bench models */
		ev->args[1] = 0x7f1200000000ull + ((__u64)(r >> 29) << 21) + ((r & 0xf) << 4);
		ev->args[2] = 256 + ((r >> 8) & 0x1fff);
	} else if (ev->type == SC_EV_CTX && len >= sizeof(struct sc_ctx_event)) {
		((struct sc_ctx_event *)s->b)->time_ns = clock_ns;
	}
	if (bpf_ringbuf_output(&synth_events, s->b, len, BPF_RB_NO_WAKEUP))
		drops++;
	return 0;
}

SEC("syscall")
int synth_produce(void *ctx)
{
	bpf_loop(count, emit_one, NULL, 0);
	return 0;
}
