/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * spancap_abi.h - the ONE header the BPF program (bpf/spancap.bpf.c) and user space
 * (capture/) both compile: ring-buffer events, the per-process configuration map value, the
 * counter ids, the map sizes and the trace-sampling decision (bpf/spancap_bound.h adds the
 * benchmark program's configuration).
 * Nothing else crosses the kernel boundary.
 *
 * Rules (docs/STYLE.md section 5): fixed-width fields only, no implicit padding (a gap is a
 * named, zeroed field), sizes and key offsets pinned by _Static_assert. Events are host byte order.
 *
 * Every event starts with the same 8 bytes:
 *
 *   +------+------+------------------+
 *   | type | len  | type-specific 4B |      len = whole event, fixed part + tail
 *   | u16  | u16  |                  |
 *   +------+------+------------------+
 *
 * Variable data (paths, addresses, argv, fds) follows the fixed part as items
 *   { u16 tag; u16 len; len bytes }, each item starting at a 4-byte aligned offset of the tail
 * (the BPF program writes the item header with aligned stores). Strings carry no NUL.
 */
#ifndef SPANCAP_ABI_H
#define SPANCAP_ABI_H

#ifdef __bpf__
/* vmlinux.h provides __u8 .. __u64 */
#else
#include <linux/types.h>
#include <stddef.h>
#endif

/* ---- limits ------------------------------------------------------------------------------- */

#define SC_STR_MAX 256	      /* a path read from user memory, NUL included */
#define SC_ARGV_MAX 4	      /* execve: argv strings kept */
#define SC_ARGV_STR_MAX 64    /* ... each at most this long, NUL included */
#define SC_SOCKADDR_MAX 128   /* sizeof(struct sockaddr_storage) */
#define SC_ARGV_RAW_MAX 256   /* bytes of the argument block read at exec */
#define SC_PROC_ARGV_MAX 1024 /* bytes of the argument block a fork or exec event carries */
#define SC_TAIL_CAP 1024      /* tail buffer of a syscall event */
#define SC_TAIL_ITEM_LIMIT 544 /* no item starts past this tail offset (verifier bound) */
#define SC_ATTRS_MAX 612      /* OTEP 4947: 640-byte record minus its 28-byte header */
#define SC_CTX_HDR_SIZE 28    /* OTEP 4947 record header */
#define SC_COMM_LEN 16

#define SC_PROCS_MAX 16384    /* entries of the per-process configuration map */
#define SC_CFG_EPOCH_SLOTS 256 /* cfg_epochs: processes tgid % this share a slot (a power of 2) */
#define SC_DEFERRED_SLOTS 1024 /* fork children left out read without task storage (a power of 2) */
#define SC_DEFERRED_CALLS 64   /* ... for at most this many syscalls each */
#define SC_NR_MAX 512	      /* syscall numbers covered by the selection bitmap */
#define SC_RINGBUF_DEFAULT (8u << 20)

/* ---- event types and item tags -------------------------------------------------------------- */

enum sc_ev_type {
	SC_EV_SYSCALL = 1,
	SC_EV_CTX = 2,
	SC_EV_PROC = 3,
};

enum sc_item_tag {
	SC_ITEM_PATH = 1,     /* string */
	SC_ITEM_PATH2 = 2,    /* string: second path (rename, link targets) */
	SC_ITEM_SOCKADDR = 3, /* raw struct sockaddr bytes as the process passed or received them */
	SC_ITEM_ARGV = 4,     /* { u16 len; bytes }* */
	SC_ITEM_FD_PAIR = 5,  /* two s32: pipe, pipe2, socketpair */
	SC_ITEM_ARGV_RAW = 6, /* the new image's argument block (NUL-separated), cut to fit */
};

/* ---- SC_EV_SYSCALL: one per syscall, written at exit ------------------------------------------ */

/*
 *   0 type  2 len  4 nr  6 flags
 *   8 pid  12 tid
 *  16 enter_ns            (bpf_ktime_get_boot_ns at entry)
 *  24 exit_ns             (at exit; the time of the exit hook for SC_SYS_F_NO_EXIT)
 *  32 ret
 *  40 args[6]             (raw, as passed at entry)
 *  88 trace_id[16]        (W3C byte order; zero without SC_SYS_F_CTX)
 * 104 span_id[8]
 * 112 trace_flags  113 resolve  114 cpu  116 reserved1
 * 120 items...
 * resolve: the set of enum sc_resolve_reason this syscall gives user space to re-resolve its
 * process (0 for nearly every syscall).
 */
struct sc_syscall_event {
	__u16 type;
	__u16 len;
	__u16 nr;
	__u16 flags; /* SC_SYS_F_* */
	__u32 pid;   /* tgid */
	__u32 tid;
	__u64 enter_ns;
	__u64 exit_ns;
	__s64 ret;
	__u64 args[6];
	__u8 trace_id[16];
	__u8 span_id[8];
	__u8 trace_flags;
	__u8 resolve; /* SC_RESOLVE_* bits */
	__u16 cpu; /* CPU at entry */
	__u32 reserved1;
};
_Static_assert(sizeof(struct sc_syscall_event) == 120, "syscall event layout");
_Static_assert(__builtin_offsetof(struct sc_syscall_event, args) == 40, "syscall event layout");
_Static_assert(__builtin_offsetof(struct sc_syscall_event, trace_id) == 88, "syscall event layout");
_Static_assert(__builtin_offsetof(struct sc_syscall_event, cpu) == 114, "syscall event layout");
_Static_assert(__builtin_offsetof(struct sc_syscall_event, resolve) == 113, "syscall event layout");

/*
 * Why user space re-resolves a process. A process has one pending SET of reasons (a bitmask):
 * a later request adds its bit, never replaces an earlier one. The BPF program sets the first
 * four in sc_syscall_event.resolve; user space adds the others.
 */
enum sc_resolve_reason {
	SC_RESOLVE_MMAP_EXEC = 0x01, /* a file mapped executable (a dlopen): TLS modules changed */
	SC_RESOLVE_PRCTL_VMA = 0x02, /* prctl(PR_SET_VMA): an OTEP 4719 (re)publication, named */
	SC_RESOLVE_CTX_MAP = 0x04,   /* mmap of a memfd named OTEL_CTX: a publication, maybe never
				      * named with prctl */
	SC_RESOLVE_CTX_UNMAP = 0x08, /* munmap/mremap over the OTEL_CTX header (sc_proc_cfg
				      * pctx_addr): an unpublish */
	SC_RESOLVE_EXEC = 0x10,	     /* a new program image */
	SC_RESOLVE_FORK = 0x20,	     /* forked before its parent's resolution reached the kernel */
	SC_RESOLVE_RECHECK = 0x40,   /* the periodic re-check saw the OTEL_CTX mapping appear,
				      * change or go */
	SC_RESOLVE_RETRY = 0x80,     /* an OTEL_CTX mapping was there but not readable yet */
};
/* Reasons user space acts on at once (the BPF program wakes it up for them), before reading
 * further events: an executable mapping waits for the poll tick (ld.so is still at work). */
#define SC_RESOLVE_NOW (SC_RESOLVE_PRCTL_VMA | SC_RESOLVE_CTX_MAP | SC_RESOLVE_CTX_UNMAP)
/* The name of a memfd mapping (its dentry) that publishes an OTEP 4719 process context. */
#define SC_CTX_MEMFD_NAME "memfd:OTEL_CTX"
#define SC_CTX_MEMFD_NAME_LEN 14
/*
 * The argument values that make mmap and prctl re-resolution triggers (resolve_reasons() in
 * bpf/spancap.bpf.c). The BPF program sees no libc headers, so the kernel's values are written
 * here once; capture/capture_kernel.c checks them against <sys/mman.h> and <sys/prctl.h>.
 */
#define SC_TRIGGER_PROT_EXEC 0x4	   /* mmap prot: an executable mapping (a dlopen) */
#define SC_TRIGGER_MAP_ANONYMOUS 0x20	   /* mmap flags: no file behind the mapping */
#define SC_TRIGGER_PR_SET_VMA 0x53564d41 /* prctl option: naming a mapping (a publication) */
/* clone flags of a child that shares its parent's memory and runs until its exec (vfork(2),
 * posix_spawn(3)): handle_fork() in bpf/spancap.bpf.c */
#define SC_CLONE_VM 0x100
#define SC_CLONE_VFORK 0x4000

#define SC_SYS_F_CTX 0x0001	  /* trace_id / span_id / trace_flags hold a valid context */
#define SC_SYS_F_NO_EXIT 0x0002	  /* the thread exited inside the syscall (exit, exit_group) */
#define SC_SYS_F_TRUNCATED 0x0004 /* a string or address was cut, or an item did not fit */
#define SC_SYS_F_ARG_FAULT 0x0008 /* reading an argument from user memory failed */
#define SC_SYS_F_CTX_FAULT 0x0010 /* reading the thread context failed */
#define SC_SYS_F_SAMPLED_OUT 0x0040 /* its trace is not in the sample (--sample-traces,
				     * --sampled-only): recorded without its context, as a
				     * lifecycle syscall or a re-resolution trigger */

/* ---- SC_EV_CTX: the thread's context changed (emitted at syscall entry, before the syscall) --- */

/*
 *   0 type  2 len  4 attrs_size  6 flags
 *   8 pid  12 tid
 *  16 time_ns
 *  24 trace_id[16]
 *  40 span_id[8]
 *  48 valid  49 trace_flags  50 attrs_len  52 reserved
 *  56 attrs[attrs_len]    (attrs_data as read, at most SC_ATTRS_MAX bytes)
 * valid = 0 means "no context" (TLS pointer NULL, record not valid, DTV block absent).
 */
struct sc_ctx_event {
	__u16 type;
	__u16 len;
	__u16 attrs_size; /* attrs_data_size as declared by the writer */
	__u16 flags;	  /* SC_CTX_F_* */
	__u32 pid;
	__u32 tid;
	__u64 time_ns;
	__u8 trace_id[16];
	__u8 span_id[8];
	__u8 valid;
	__u8 trace_flags;
	__u16 attrs_len; /* bytes of attrs that follow */
	__u32 reserved;
};
_Static_assert(sizeof(struct sc_ctx_event) == 56, "context event layout");
_Static_assert(__builtin_offsetof(struct sc_ctx_event, valid) == 48, "context event layout");

#define SC_CTX_F_TRUNCATED 0x0001  /* attrs_size exceeded SC_ATTRS_MAX */
#define SC_CTX_F_ATTR_FAULT 0x0002 /* the attributes could not be read (attrs_len is 0) */
#define SC_CTX_F_SAMPLED_OUT 0x0004 /* valid 0: the thread left the recorded context for one
				     * whose trace is not in the sample */

/* ---- SC_EV_PROC: process and thread lifecycle ------------------------------------------------ */

/*
 *   0 type  2 len  4 kind  5 resolve  6 flags
 *   8 pid  12 tid  16 ppid  20 exit_code
 *  24 time_ns
 *  32 comm[16]
 * FORK and EXEC (struct sc_proc_life_event) go on with what the kernel knows of the process,
 * so that user space describes it without reading /proc (docs/PROCESS_FACTS.md):
 *  48 facts (struct sc_proc_facts, 56 bytes)
 * 104 items...            (EXEC: SC_ITEM_PATH, the file executed; both: SC_ITEM_ARGV_RAW,
 *                          the argument block as /proc/PID/cmdline would read it, at most
 *                          SC_PROC_ARGV_MAX bytes: for FORK the parent's, shared with the
 *                          child; SC_PROC_F_ARGV_CUT when it is longer or was not readable)
 */
struct sc_proc_event {
	__u16 type;
	__u16 len;
	__u8 kind; /* enum sc_proc_kind */
	__u8 resolve; /* RESOLVE: its enum sc_resolve_reason set; 0 otherwise */
	__u16 flags; /* SC_PROC_F_* */
	__u32 pid;   /* FORK: the child's tgid; otherwise the process */
	__u32 tid;   /* FORK: the forking thread; THREAD_*: the thread; EXEC/EXIT: the thread */
	__u32 ppid;  /* FORK: the parent's tgid */
	__s32 exit_code; /* EXIT, THREAD_EXIT: task->exit_code (wait status) */
	__u64 time_ns;
	char comm[SC_COMM_LEN];
};
_Static_assert(sizeof(struct sc_proc_event) == 48, "process event layout");
_Static_assert(__builtin_offsetof(struct sc_proc_event, time_ns) == 24, "process event layout");

/*
 * The process as /proc/PID/stat and /proc/PID/status would show it to a reader in the initial
 * namespaces, read from the task at its fork (the child) or its exec.
 */
struct sc_proc_facts {
	__u64 start_ns;	 /* task->start_boottime: /proc/PID/stat starttime before its rounding to
			  * clock ticks */
	__u64 cgroup_id; /* its cgroup v2 (the inode number of the cgroup's directory); 0: none */
	__u32 ppid;	 /* real_parent's tgid (stat's ppid; not the forking process after
			  * CLONE_PARENT) */
	__u32 uid;	 /* real uid and gid (status: the first of Uid: and Gid:) */
	__u32 gid;
	__u32 ns_pid;	  /* its pid in its own pid namespace (status: the last of NSpid:) */
	__u32 pidns_inum; /* that namespace's inode number (stat of /proc/PID/ns/pid) */
	__u8 ns_level;	  /* the depth of that namespace (0: the initial one) */
	__u8 reserved[3];
	__u64 exe_ino;	  /* EXEC: the inode of the file executed (after #! the interpreter) */
	__u32 exe_dev;	  /* ... and its filesystem's device, as the kernel encodes it */
	__u32 reserved2;
};
_Static_assert(sizeof(struct sc_proc_facts) == 56, "process facts layout");

struct sc_proc_life_event {
	struct sc_proc_event ev;
	struct sc_proc_facts facts;
};
_Static_assert(sizeof(struct sc_proc_life_event) == 104, "fork and exec event layout");

/*
 * Map `exe_rules` (key: struct sc_exe_key, value: struct sc_proc_cfg): what user space found
 * of an executable at an exec (docs/PROCESS_FACTS.md). Kind SC_TLS_NONE: it defines no
 * otel_thread_ctx_v1 itself, so a context can only come from a library, whose mapping is
 * resolved at the next poll tick anyway. Kind SC_TLS_STATIC: it defines it in its own TLS
 * block, whose place from the thread pointer the file alone fixes; the BPF program installs
 * that rule at the exec itself. Either way an exec of it wakes nobody: user space resolves it
 * with the next tick's events.
 */
struct sc_exe_key {
	__u64 ino;
	__u32 dev;
	__u32 reserved;
};
#define SC_EXE_RULES_MAX 4096

enum sc_proc_kind {
	SC_PROC_FORK = 1,
	SC_PROC_EXEC = 2,
	SC_PROC_EXIT = 3, /* the last thread of the process exited */
	SC_PROC_THREAD_START = 4,
	SC_PROC_THREAD_EXIT = 5,
	/*
	 * A re-resolution trigger (resolve) of a process whose threads have no task storage (a
	 * process of a trace left out, SC_CFG_F_BORN_OUT): the syscall is not recorded, only
	 * this request reaches user space, at the syscall's exit. Written to no file.
	 */
	SC_PROC_RESOLVE = 6,
};

#define SC_PROC_F_TRUNCATED 0x0001
#define SC_PROC_F_INHERITED 0x0002 /* FORK: the child inherited the parent's TLS resolution */
#define SC_PROC_F_NO_ROUTE 0x0004  /* FORK: ... which had no TLS route (kind SC_TLS_NONE) */
#define SC_PROC_F_ARGV_CUT 0x0008  /* FORK, EXEC: SC_ITEM_ARGV_RAW is not the whole block */
#define SC_PROC_F_VFORK_OUT 0x0010 /* FORK: a vfork child of a thread whose trace is left out: it
				    * reads that thread's context until it execs, so its entry has
				    * no route on purpose (not a race with the parent's resolution)
				    * and it has no task storage (SC_CFG_F_BORN_OUT) */

/* ---- item header --------------------------------------------------------------------------- */

struct sc_item_hdr {
	__u16 tag;
	__u16 len;
};

#define SC_ITEM_ALIGN(n) (((n) + 3u) & ~3u)

/* ---- per-process configuration (map `procs`, key: tgid) ------------------------------------ */

/*
 * How the BPF program finds a thread's otel_thread_ctx_v1 from its thread pointer TP
 * (x86_64: task->thread.fsbase). See docs/TLS_RESOLUTION.md sections 5 and 8.
 *   SC_TLS_NONE:   observed, no thread context to read (yet)
 *   SC_TLS_STATIC: &var = TP + tp_offset
 *   SC_TLS_DTV:    dtv = *(TP + dtv_off); if SC_CFG_F_DTV_COUNT, no context when
 *                  *(dtv + dtv_count_off) < module_id; blk = *(dtv + dtv_stride * module_id);
 *                  blk == 0 (and blk == -1 with SC_CFG_F_DTV_MINUS1) means no context;
 *                  &var = blk + offset
 *
 *   0 kind  1 flags  2 dtv_stride  4 dtv_off  8 dtv_count_off  12 generation
 *  16 tp_offset  24 module_id  32 offset  40 pctx_addr
 *
 * pctx_addr: the OTEL_CTX header user space read the process context from (0: none); an
 * munmap or mremap that covers it is a re-resolution trigger (SC_RESOLVE_CTX_UNMAP). Exec and
 * fork clear it (the mapping is MADV_DONTFORK and does not survive exec).
 */
struct sc_proc_cfg {
	__u8 kind;	   /* enum sc_tls_kind */
	__u8 flags;	   /* SC_CFG_F_* */
	__u16 dtv_stride;  /* 16 (glibc) or 8 (musl) */
	__s32 dtv_off;	   /* DTV pointer at TP + dtv_off (8 on x86_64) */
	__s32 dtv_count_off; /* slot count at dtv + dtv_count_off (-16 on glibc) */
	__u32 generation;  /* bumped by user space on each resolution, and by the BPF program
			    * when the process unmaps memory or maps code (TLS slot caches) */
	__s64 tp_offset;   /* STATIC */
	__u64 module_id;   /* DTV */
	__u64 offset;	   /* DTV: offset of the variable inside the module's block */
	__u64 pctx_addr;   /* the OTEL_CTX header, 0 when none */
};
_Static_assert(sizeof(struct sc_proc_cfg) == 48, "process config layout");
_Static_assert(__builtin_offsetof(struct sc_proc_cfg, tp_offset) == 16, "process config layout");

enum sc_tls_kind {
	SC_TLS_NONE = 0,
	SC_TLS_STATIC = 1,
	SC_TLS_DTV = 2,
};

#define SC_CFG_F_DTV_COUNT 0x01	 /* check the DTV slot count */
#define SC_CFG_F_DTV_MINUS1 0x02 /* a block pointer of -1 means unallocated (glibc) */
#define SC_CFG_F_INHERITED 0x04	 /* copied from the parent at fork */
#define SC_CFG_F_EXEC_RESET 0x08 /* reset by exec (to NONE, or to its executable's rule from
				  * exe_rules): waits for user space */
/*
 * The process belongs to a trace the sample leaves out (thread_state.born_out in
 * bpf/spancap.bpf.c): set by the BPF program at its fork, kept across exec and by user space's
 * resolutions. A child such a process forks while it has no route (SC_TLS_NONE) and no
 * OTEL_CTX header, or that shares its forking thread's memory until its exec (vfork), is made
 * without task storage (its syscalls cost what an unobserved process's do) and its
 * re-resolution triggers reach user space as SC_PROC_RESOLVE events; the storage comes with a
 * route: at an exec of a STATIC rule (the BPF program), or from user space
 * (kernel__observe() in capture/capture_kernel.c).
 */
#define SC_CFG_F_BORN_OUT 0x10

/* ---- kernel-side selection (rodata `sel_bits`, set by user space before load) -------------- */

/*
 * Bit nr of sel_bits[nr / 64] set: syscall nr is recorded (when sel_on). Syscalls outside the
 * bitmap are recorded only when they drive user space (a resolve reason: an executable mmap,
 * prctl(PR_SET_VMA), an mmap of the OTEL_CTX memfd, an munmap of the OTEL_CTX header): those
 * are re-resolution triggers and are never filtered out.
 */
#define SC_SEL_WORDS (SC_NR_MAX / 64)

/* ---- counters (map `counters`: per-CPU array of __u64, index = id) ------------------------- */

enum sc_counter {
	SC_CNT_EVENTS = 0,	/* events handed to the ring buffer */
	SC_CNT_RB_DROPS = 1,	/* events lost: ring buffer full */
	SC_CNT_MAP_FULL = 2,	/* map insertions / task storage creations that failed */
	SC_CNT_ARG_FAULTS = 3,	/* syscall events with an argument read that failed, after the retry at exit */
	SC_CNT_CTX_FAULTS = 4,	/* user-memory reads of the TLS slot / record that failed */
	SC_CNT_CTX_INVALID = 5, /* records rejected: valid byte other than 0 and 1, odd address */
	SC_CNT_UNMATCHED = 6,	/* syscall exits without a recorded entry */
	SC_CNT_ATTR_FAULTS = 7, /* attribute reads that failed (context event kept) */
	SC_CNT_SYSCALLS = 8,	/* syscall events handed to the ring buffer */
	SC_CNT_SAMPLED_OUT = 9, /* syscalls not recorded: their trace is not in the sample (of
				 * threads whose context is read: see SC_CFG_F_BORN_OUT) */
	SC_CNT_MAX
};

/* ---- trace sampling (rodata `sample_mode`, `sample_threshold`; formats/FORMAT.md 4.4) ------ */

/*
 * A syscall made in a valid context is recorded only when its trace is in the sample:
 *   SC_SAMPLE_FRACTION (--sample-traces F): R >= sample_threshold, where R is the trace id's
 *     last 7 bytes (W3C byte order, trace_id[9..15]) read as a big-endian 56-bit integer, the
 *     randomness OpenTelemetry's consistent probability sampling reads, and the threshold is
 *     (1 - F) * 2^56 (an exact integer for every double F in (0, 1]);
 *   SC_SAMPLE_FLAGGED (--sampled-only): the W3C sampled flag (trace_flags bit 0) is set.
 * Both set: both conditions. The decision depends on the trace id and flags alone, so every
 * host and process with the same settings keeps the same traces whole.
 */
#define SC_SAMPLE_FRACTION 0x01
#define SC_SAMPLE_FLAGGED 0x02
#define SC_SAMPLE_R_BITS 56
#define SC_SAMPLE_R_MASK ((1ull << SC_SAMPLE_R_BITS) - 1)

/* R of a trace id whose bytes 8..15 were loaded as one little-endian u64 (x86_64, arm64). */
static inline __u64 sc_sample_r(__u64 trace_hi_le)
{
	return __builtin_bswap64(trace_hi_le) & SC_SAMPLE_R_MASK;
}

/* True when a context with this trace id (bytes 8..15, as sc_sample_r takes them) and these
 * trace flags is in the sample of mode (SC_SAMPLE_*) and threshold. */
static inline int sc_sample_keep(__u64 trace_hi_le, __u8 trace_flags, __u8 mode,
				 __u64 threshold)
{
	if ((mode & SC_SAMPLE_FLAGGED) && !(trace_flags & 1))
		return 0;
	if ((mode & SC_SAMPLE_FRACTION) && sc_sample_r(trace_hi_le) < threshold)
		return 0;
	return 1;
}

#ifndef __bpf__
/*
 * The threshold of --sample-traces F, for F in (0, 1]: (1 - F) * 2^56. 1 - F is a multiple of
 * 2^-53 for every binary64 F in that range, so the product is an exact integer: any language
 * computing 1.0 - F in IEEE binary64 gets the same threshold (FORMAT.md 4.4).
 */
static inline __u64 sc_sample_threshold(double fraction)
{
	return (__u64)((1.0 - fraction) * (double)(1ull << SC_SAMPLE_R_BITS));
}
#endif

#endif /* SPANCAP_ABI_H */
