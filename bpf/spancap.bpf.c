// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * spancap.bpf.c - records the syscalls of observed processes, each with the OpenTelemetry
 * thread context (OTEP 4947) active on its thread at entry.
 *
 * Cost model (docs/BPF_EVENT_PATH.md section 9): a thread is observed when it has task
 * storage (created by user space for the threads of a process it starts observing, and here
 * for every thread and child an observed process creates), so a process that is not observed
 * pays one load of task->bpf_storage per hook (NULL: no storage of any map), or one
 * task-storage lookup where another program gave the task storage. The storage holds a copy
 * of the process's configuration (refreshed when its cfg_epochs slot moves), the cached DTV route
 * result, and the in-flight syscall (the event itself, built in place: fixed part at entry,
 * tail items at entry and exit); the event goes to the ring buffer once, at exit, without a
 * wakeup (user space polls). Attributes are read only when the thread's context changed, into
 * a per-CPU scratch buffer, and leave as a separate context event. Syscalls not selected (-e)
 * cost a bit test.
 *
 * Every failed user-memory read, ring-buffer reservation and map insertion is counted in the
 * per-CPU `counters` array; nothing is dropped silently.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "spancap_abi.h"
#include "syscall_list.h" /* formats/: the syscall table, a plain macro header */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- configuration, set by user space before load ---------------------------------------- */

const volatile __u32 self_tgid = 0;	   /* never record the capture itself */
const volatile __u8 trace_all = 0;	   /* record every process, not only those in procs */
/* --cgroup, --container: with trace_all, only the tasks of this cgroup v2 (0: every task) or
 * of a cgroup below it, whose ancestor at cgroup_level it is */
const volatile __u64 cgroup_id = 0;
const volatile __u32 cgroup_level = 0;
const volatile __u32 max_str = SC_STR_MAX; /* bytes kept of a path, NUL included */
const volatile __u64 wakeup_bytes = 0;	   /* wake the consumer past this backlog; 0: never */
const volatile __u32 max_argv_str = SC_ARGV_STR_MAX; /* bytes kept of an argv string, NUL incl. */

/*
 * Selection (spancap -e, --only-in-span). With sel_on, a syscall whose bit is clear in sel_bits
 * costs one bit test and nothing else, at entry and at exit. With only_in_span, a syscall made
 * without a valid context is not recorded (a context fault is: the context is unknown).
 * Lifecycle syscalls (always_recorded()) and re-resolution triggers (resolve_reasons(); mmap,
 * munmap, mremap and prctl pass the bit test to be examined) are always recorded.
 */
const volatile __u8 sel_on = 0;
const volatile __u64 sel_bits[SC_SEL_WORDS] = {};
const volatile __u8 only_in_span = 0;

/*
 * Trace sampling (--sample-traces, --sampled-only; sc_sample_keep() in spancap_abi.h). A
 * syscall in a valid context whose trace is not in the sample is not recorded (counted in
 * SC_CNT_SAMPLED_OUT); fork, exec, exit and re-resolution triggers still are, without the
 * context (SC_SYS_F_SAMPLED_OUT). It costs the context read and the decision, which each
 * thread caches for its last trace id and flags. 0: no sampling (the verifier prunes it all).
 *
 * A process started by a thread whose trace the sample leaves out belongs to that trace: its
 * syscalls made without a valid context of its own (a program run by the span, which publishes
 * none) are left out with it, so a trace is recorded with the processes it starts or not at
 * all. The mark (thread_state.born_out) is set at the fork, kept across exec, and passed to the
 * process's threads and to the processes it starts in turn outside a context of its own
 * (fork_born_out()); read_ctx() applies it. Its own contexts decide for themselves.
 */
const volatile __u8 sample_mode = 0;
const volatile __u64 sample_threshold = 0;

/*
 * A slot per group of processes (tgid modulo SC_CFG_EPOCH_SLOTS), bumped by user space and by
 * this program after every change of a `procs` entry of that group (not its creation at a
 * fork nor its removal at the process's end: no thread holds a copy of those): a thread keeps
 * a copy of its process's entry in its task storage and looks the entry up again only when
 * its slot moved (thread_cfg()). A change of one process leaves the copies of the others alone: each
 * spawned child changes its own entry two or three times (exec, its loader's code mappings,
 * its resolution), which with a single epoch made every thread of every observed process look
 * its entry up again.
 */
__u32 cfg_epochs[SC_CFG_EPOCH_SLOTS];

/*
 * User space creates the task storage of every thread of a process it starts observing, and
 * this program that of every thread and child an observed process creates (handle_fork()):
 * a thread without task storage is not observed, and that is the only lookup an unobserved
 * process pays. Where user space could not reach some thread (a kernel without PIDFD_THREAD),
 * it sets lazy_threads: a thread without storage is then looked up in `procs` as well.
 */
__u8 lazy_threads = 0;

/*
 * Set once handle_fork() made a thread or child without storage (unstored()): until then no
 * mmap or prctl of the host is looked at as a trigger of such a process (unstored_trigger()).
 */
__u8 unstored_seen = 0;

/*
 * Fork children started in a trace left out whose context is read without task storage
 * (deferred_enter()). A child of a thread in such a trace is, until it execs, a copy of that
 * thread reading the same context at the same address, and most children exec at once a
 * program with nothing to read (a shell, /bin/true): task storage made at the fork would be
 * allocated, then freed at the exit, for a few syscalls left out before that exec. So the
 * fork hook puts the child in `deferred` instead, with where its context is, and a syscall of
 * the child reads it from there. The child gets storage when that context is one the sample
 * keeps (it attached one of its own without exec'ing), at a syscall that may be a trigger or
 * starts a thread or process, after SC_DEFERRED_CALLS syscalls (a child that does not exec
 * soon is better served by storage, and leaves the map), or when anything is unusual; its
 * exec or exit takes it out.
 *
 * deferred_live counts the children in the map: at zero, a thread without storage does not
 * look. deferred_tids[tid % SC_DEFERRED_SLOTS] counts those whose tid falls in that slot, so
 * that a thread without storage looks the map up only when one may be its own. Both change by
 * atomic adds, which any BPF instruction set has.
 */
struct deferred_child {
	__u64 tp;    /* the thread pointer it was forked with */
	__u64 slot;  /* &otel_thread_ctx_v1 in its copy of the parent's memory */
	__u32 calls; /* its syscalls decided here (SC_DEFERRED_CALLS at most) */
	__u32 reserved;
};

__u32 deferred_live = 0;
__u32 deferred_tids[SC_DEFERRED_SLOTS];

/* ---- maps ---------------------------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SC_RINGBUF_DEFAULT);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SC_PROCS_MAX);
	__type(key, __u32);
	__type(value, struct sc_proc_cfg);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SC_EXE_RULES_MAX);
	__type(key, struct sc_exe_key);
	__type(value, struct sc_proc_cfg);
} exe_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SC_DEFERRED_SLOTS);
	__type(key, __u32); /* tid */
	__type(value, struct deferred_child);
} deferred SEC(".maps");

/* Per-thread state: the in-flight syscall event and the last context seen. */
enum exit_decode {
	EXIT_NONE = 0,
	EXIT_ACCEPT,	 /* addr args[1], socklen_t *args[2] */
	EXIT_RECVFROM,	 /* addr args[4], socklen_t *args[5] */
	EXIT_PIPE,	 /* int[2] at args[0] */
	EXIT_SOCKETPAIR, /* int[2] at args[3] */
	EXIT_RECVMSG,	 /* struct msghdr at args[1]: msg_name, msg_namelen as the kernel set it */
};

/* What to read at entry: argument indexes + 1 (0: none). */
struct entry_decode {
	__u8 path1;
	__u8 path2;
	__u8 sa;     /* sockaddr pointer */
	__u8 sa_len; /* its length (a value) */
	__u8 argv;
	__u8 msg;    /* struct msghdr pointer: its msg_name */
	__u8 exit;
};

struct thread_state {
	struct sc_syscall_event ev;
	__u8 tail[SC_TAIL_CAP];
	__u16 tail_len;
	__u8 in_flight; /* enum in_flight */
	struct entry_decode dec; /* what its syscall's items are read from, chosen at entry */
	__u8 last_valid;
	__u8 last_flags;
	__u16 last_size;
	__u32 n_events; /* syscall events of this thread (watermark checks) */
	__u32 slot_gen; /* cfg->generation the cached slot was found under */
	__u64 slot;	/* cached DTV route result: &otel_thread_ctx_v1 (0: none cached) */
	__u64 slot_tp;	/* ... for this thread pointer */
	__u64 slot_mod; /* ... and this route (generations of user space and BPF may race) */
	__u64 slot_off;
	__u64 last_rec;
	__u64 last_trace[2];
	__u64 last_span;
	__u64 samp_trace[2]; /* the trace id and flags the sampling decision is cached for */
	__u8 samp_flags;
	__u8 samp_known;
	__u8 samp_keep;
	__u8 born_out; /* its process was started by a thread in a trace left out (fork_born_out()) */
	__u64 exec_mm;	/* execve in flight: the address space its arguments are in (entry_items()) */
	struct sc_proc_cfg cfg; /* the process's configuration as of its cfg_epochs slot == epoch */
	__u32 epoch;
	__u8 cfg_ok;
};

enum in_flight {
	/*
	 * Zero: no entry seen since the storage was made, by user space when it began to observe
	 * a running thread (capture_kernel.c) or by the fork hook. The thread may be inside a
	 * syscall it entered before: that exit has no entry to match and loses nothing.
	 */
	IN_FLIGHT_FRESH = 0,
	IN_FLIGHT_NONE = 1,   /* the last syscall exited */
	IN_FLIGHT_RECORD = 2, /* entered, recorded at exit */
	IN_FLIGHT_SKIP = 3,   /* entered, not selected (--only-in-span): nothing at exit */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

struct ctx_scratch {
	struct sc_ctx_event ev;
	__u8 attrs[SC_ATTRS_MAX + 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ctx_scratch);
} ctx_buf SEC(".maps");

/* A FORK or EXEC event's tail: the PATH item (at most 4 + SC_STR_MAX, aligned), then the
 * ARGV_RAW item; the offsets are masked for the verifier, hence the room. */
#define PROC_TAIL_CAP (512 + 4 + SC_PROC_ARGV_MAX)

struct proc_scratch {
	struct sc_proc_event ev;
	struct sc_proc_facts facts;
	__u8 tail[PROC_TAIL_CAP];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct proc_scratch);
} proc_buf SEC(".maps");

/*
 * Where a user string lands before it is copied into a thread's event (read_user_str()). A
 * string read from user memory goes through the kernel's hardened usercopy check of its
 * destination, which for the thread's storage (a slab object) looks the object up in its slab:
 * on a cold path that costs more than the copy. Per-CPU memory passes the check at once.
 */
struct str_scratch {
	__u8 b[SC_STR_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct str_scratch);
} str_buf SEC(".maps");

/* ---- helpers ------------------------------------------------------------------------------- */

static __always_inline void count(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &id);

	if (v)
		*v += 1; /* per-CPU: no atomic needed */
}

static __always_inline __u64 rb_flags(void)
{
	if (wakeup_bytes && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * Events are submitted without a wakeup (user space polls on a timer), except the rare ones
 * after which user space must resolve a process's context at once: every syscall made until
 * then has no context.
 */
static __always_inline int emit_flags(void *data, __u64 len, __u64 flags)
{
	if (bpf_ringbuf_output(&events, data, len, flags)) {
		count(SC_CNT_RB_DROPS);
		return -1;
	}
	count(SC_CNT_EVENTS);
	return 0;
}

static __always_inline int emit_wake(void *data, __u64 len, bool wake)
{
	return emit_flags(data, len, wake ? BPF_RB_FORCE_WAKEUP : rb_flags());
}

static __always_inline int emit(void *data, __u64 len)
{
	return emit_wake(data, len, false);
}

static __always_inline struct proc_scratch *proc_ev(__u8 kind, __u32 pid, __u32 tid, __u32 ppid)
{
	__u32 zero = 0;
	struct proc_scratch *s = bpf_map_lookup_elem(&proc_buf, &zero);

	if (!s)
		return NULL;
	s->ev.type = SC_EV_PROC;
	s->ev.len = sizeof(s->ev);
	s->ev.kind = kind;
	s->ev.resolve = 0;
	s->ev.flags = 0;
	s->ev.pid = pid;
	s->ev.tid = tid;
	s->ev.ppid = ppid;
	s->ev.exit_code = 0;
	s->ev.time_ns = bpf_ktime_get_boot_ns();
	bpf_get_current_comm(s->ev.comm, sizeof(s->ev.comm));
	return s;
}

static __always_inline bool sel_bit(__u64 nr)
{
	if (nr >= SC_NR_MAX)
		return false;
	return (sel_bits[nr / 64] >> (nr % 64)) & 1;
}

/*
 * What user space needs whatever the selection: fork, exec and exit (the process tree; SCF_SC_LIFE
 * in formats/syscall_list.h). The re-resolution triggers (resolve_reasons()) are decided once
 * the process's configuration is known: may_trigger() lets their syscalls through the selection
 * until then. x86_64 numbers.
 */
#define LIFE_CASE(nr, name, cls, flags, args, decode)                                           \
	case nr:                                                                                \
		life = ((flags) & SCF_SC_LIFE) != 0;                                            \
		break;
static __always_inline bool always_recorded(__u64 nr)
{
	bool life = false;

	switch (nr) {
		SCF_SYSCALL_LIST(LIFE_CASE)
	}
	return life;
}
#undef LIFE_CASE

/* mmap, munmap, mremap, prctl: possible re-resolution triggers (resolve_reasons()). */
static __always_inline bool may_trigger(__u64 nr)
{
	return nr == SCF_NR_mmap || nr == SCF_NR_munmap || nr == SCF_NR_mremap ||
	       nr == SCF_NR_prctl;
}

/* The configuration of the current process, or NULL when it is not observed. */
static const struct sc_proc_cfg none_cfg = {};

/*
 * True when fd of the current task is a memfd named OTEL_CTX (its dentry "memfd:OTEL_CTX"):
 * mapping it publishes an OTEP 4719 process context, whether or not the writer names the
 * mapping with prctl(PR_SET_VMA) afterwards.
 */
static __always_inline bool fd_is_ctx_memfd(struct task_struct *task, __u64 fd)
{
	const char want[SC_CTX_MEMFD_NAME_LEN] = SC_CTX_MEMFD_NAME;
	char name[SC_CTX_MEMFD_NAME_LEN + 1] = {};
	struct files_struct *files;
	struct fdtable *fdt;
	struct file **fds, *f;
	const unsigned char *dname;

	if (fd > 0x7fffffff)
		return false;
	files = BPF_CORE_READ(task, files);
	if (!files)
		return false;
	fdt = BPF_CORE_READ(files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return false;
	dname = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (!dname || bpf_probe_read_kernel_str(name, sizeof(name), dname) !=
			      SC_CTX_MEMFD_NAME_LEN + 1)
		return false;
	for (int i = 0; i < SC_CTX_MEMFD_NAME_LEN; i++)
		if (name[i] != want[i])
			return false;
	return true;
}

/*
 * The re-resolution reasons (enum sc_resolve_reason) of a syscall, from its arguments at
 * entry; handle_sys_exit() drops those whose syscall failed. An executable mapping of a file
 * (a dlopen), prctl(PR_SET_VMA) (a publication, whatever it returns: it fails with EINVAL
 * where the kernel cannot name mappings), a mapping of the OTEL_CTX memfd (a publication that
 * may never be named), an munmap or mremap over the OTEL_CTX header (an unpublish).
 */
static __always_inline __u8 resolve_reasons(const struct sc_proc_cfg *cfg,
					    struct task_struct *task, __u64 nr, __u64 a0,
					    __u64 a1, __u64 a2, __u64 a3, __u64 a4)
{
	switch (nr) {
	case SCF_NR_mmap: /* (addr, len, prot, flags, fd, off) */
		if ((a3 & SC_TRIGGER_MAP_ANONYMOUS) || a4 == (__u64)-1)
			return 0;
		if (a2 & SC_TRIGGER_PROT_EXEC)
			return SC_RESOLVE_MMAP_EXEC;
		return fd_is_ctx_memfd(task, a4) ? SC_RESOLVE_CTX_MAP : 0;
	case SCF_NR_munmap: /* (addr, len) */
	case SCF_NR_mremap: /* (old_addr, old_len, ...) */
		return cfg->pctx_addr && cfg->pctx_addr - a0 < a1 ? SC_RESOLVE_CTX_UNMAP : 0;
	case SCF_NR_prctl:
		return a0 == SC_TRIGGER_PR_SET_VMA ? SC_RESOLVE_PRCTL_VMA : 0;
	}
	return 0;
}

/* The current task is in the cgroup of --cgroup (or there is none). */
static __always_inline bool in_cgroup(void)
{
	return !cgroup_id || bpf_get_current_ancestor_cgroup_id(cgroup_level) == cgroup_id;
}

/* tgid is the current task's process. */
static __always_inline const struct sc_proc_cfg *observed(__u32 tgid)
{
	const struct sc_proc_cfg *cfg = bpf_map_lookup_elem(&procs, &tgid);

	if (cfg)
		return cfg;
	if (trace_all && tgid != self_tgid && in_cgroup())
		return &none_cfg;
	return NULL;
}

/*
 * True when the task has no local storage of any map, ours or another program's: then it has
 * no thread_state. One load and a branch, where bpf_task_storage_get() is a helper call: this
 * is the whole cost of a syscall of an unobserved process on most hosts. (A task with storage
 * of another map falls through to the lookup, which answers.)
 */
static __always_inline bool no_task_storage(struct task_struct *task)
{
	return bpf_core_field_exists(task->bpf_storage) && !task->bpf_storage;
}

/* Some fork child is in `deferred` (never without sampling: the verifier prunes it then). */
static __always_inline bool any_deferred(void)
{
	return sample_mode && *(volatile __u32 *)&deferred_live;
}

/* A task without storage is observed only if it is a deferred child (deferred_enter()) or
 * new_thread_state() may create it. */
static __always_inline bool may_be_observed(struct task_struct *task)
{
	return !no_task_storage(task) || trace_all || *(volatile __u8 *)&lazy_threads ||
	       any_deferred();
}

/*
 * A thread without task storage: observed only with --all, or where user space could not
 * create the storage of the threads it observes (lazy_threads).
 */
static __always_inline struct thread_state *new_thread_state(struct task_struct *task)
{
	struct thread_state *st;

	if (!trace_all && !*(volatile __u8 *)&lazy_threads)
		return NULL;
	if (!observed(task->tgid))
		return NULL;
	st = bpf_task_storage_get(&threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		count(SC_CNT_MAP_FULL);
	return st;
}

/* tgid's slot of cfg_epochs. */
static __always_inline __u32 *epoch_of(__u32 tgid)
{
	return &cfg_epochs[tgid & (SC_CFG_EPOCH_SLOTS - 1)];
}

/* The thread's copy of its process's configuration, refreshed when its epoch slot moved. */
static __always_inline const struct sc_proc_cfg *thread_cfg(struct thread_state *st, __u32 tgid)
{
	__u32 epoch = *(volatile __u32 *)epoch_of(tgid); /* before the lookup: a later bump wins */
	const struct sc_proc_cfg *cfg;

	if (st->cfg_ok && st->epoch == epoch)
		return &st->cfg;
	cfg = observed(tgid);
	if (!cfg) {
		st->cfg_ok = 0;
		return NULL;
	}
	st->cfg = *cfg;
	st->epoch = epoch;
	st->cfg_ok = 1;
	/* storage user space made for a thread of a process left out (kernel__observe()) */
	if (sample_mode && (cfg->flags & SC_CFG_F_BORN_OUT))
		st->born_out = 1;
	return &st->cfg;
}

/*
 * A thread of a process left out may be without task storage: sampling is on, and no mode makes
 * storage for every observed thread at its next syscall (--all, lazy_threads).
 */
static __always_inline bool storage_may_wait(void)
{
	return sample_mode && !trace_all && !*(volatile __u8 *)&lazy_threads;
}

/*
 * True when a thread or child made with configuration cfg gets no task storage (handle_fork()):
 * its process belongs to a trace left out (SC_CFG_F_BORN_OUT) and has no route nor OTEL_CTX
 * header, so each of its syscalls would pay the storage lookup and the decision to be left
 * out, but for the lifecycle ones and the triggers. Its triggers reach user space as
 * SC_PROC_RESOLVE events (unstored_trigger()); its fork, exec and exit as the process events,
 * which need only its `procs` entry. Its storage comes with a route: at an exec of a program
 * with a STATIC rule (handle_exec()), or from user space's resolution (kernel__observe()).
 * Storage once made stays: a process that loses its route at an exec keeps it, since
 * deleting task storage from here costs more than the syscalls it would spare (an RCU Tasks
 * Trace grace period and the allocator's refill work per deletion, docs/BPF_EVENT_PATH.md
 * section 2). Not with --all nor lazy_threads, which give every observed thread storage at its
 * next syscall.
 */
static __always_inline bool unstored(const struct sc_proc_cfg *cfg)
{
	return storage_may_wait() && (cfg->flags & SC_CFG_F_BORN_OUT) &&
	       cfg->kind == SC_TLS_NONE && !cfg->pctx_addr;
}

/* After a change of tgid's entry in procs. */
static __always_inline void epoch_bump(__u32 tgid)
{
	__sync_fetch_and_add(epoch_of(tgid), 1);
}

/* ---- thread context ------------------------------------------------------------------------ */

struct ctx_hdr {
	__u64 trace[2];
	__u64 span;
	__u8 valid;
	__u8 flags;
	__u16 size;
	__u32 pad;
};

/* The thread's cached DTV route result still answers cfg's route (tls_record()). */
static __always_inline bool slot_cached(const struct thread_state *st,
					const struct sc_proc_cfg *cfg)
{
	return st->slot && st->slot_gen == cfg->generation && st->slot_mod == cfg->module_id &&
	       st->slot_off == cfg->offset;
}

/*
 * &otel_thread_ctx_v1 of a thread with configuration cfg, state st and thread pointer tp, when
 * known without reading user memory: the static offset, or the cached DTV route result.
 */
static __always_inline __u64 known_slot(const struct sc_proc_cfg *cfg,
					const struct thread_state *st, __u64 tp)
{
	if (!tp)
		return 0;
	if (cfg->kind == SC_TLS_STATIC)
		return tp + cfg->tp_offset;
	if (cfg->kind == SC_TLS_DTV && slot_cached(st, cfg) && st->slot_tp == tp)
		return st->slot;
	return 0;
}

/*
 * Reads the thread's record pointer per cfg. Returns 1 and *rec (0 = no context), or 0 after a
 * failed read (counted).
 *
 * The DTV route costs two or three user-memory reads before the slot itself; its result, the
 * slot's address, stays the same for a thread until the module's TLS block moves, which takes
 * a dlclose (munmap) and a dlopen (an executable mmap). So it is cached per thread, under the
 * thread pointer and the process configuration's generation, which user space bumps on every
 * resolution and this program on every munmap, mremap and executable mmap of the process
 * (bump_generation()). An unallocated block (no context yet) is never cached.
 *
 * bpf_probe_read_user() cannot fault: a page whose PTE is not present at that instant fails
 * the read (flagged CTX_FAULT, counted). In a running process that happens while the page is
 * being migrated (compaction, kcompactd): the PTE is a migration entry until the copy ends,
 * milliseconds when the migrating task is preempted on a loaded machine. Measured on 2 vCPUs
 * with compaction forced every 0.2 s: a few syscalls in a thousand, parents and fork children
 * alike; none without migrations. A fork child starts from its parent's cached slot
 * (handle_fork()), so it reads the same two pages as its parent, not three more.
 */
static __always_inline int tls_record(const struct sc_proc_cfg *cfg, struct task_struct *task,
				      struct thread_state *st, __u64 *rec)
{
	/*
	 * task is a trusted BTF pointer (bpf_get_current_task_btf()): a direct load, relocated
	 * by CO-RE (vmlinux.h types preserve access indexes), not a bpf_probe_read_kernel call.
	 * arm64 keeps the thread pointer in task->thread.uw.tp_value.
	 */
	__u64 tp = task->thread.fsbase;
	__u64 slot, dtv, blk, n;

	*rec = 0;
	if (!tp)
		return 1;
	slot = known_slot(cfg, st, tp); /* the static offset, or the cached DTV route result */
	if (!slot) {
		if (cfg->kind != SC_TLS_DTV)
			return 1;
		if (bpf_probe_read_user(&dtv, sizeof(dtv), (void *)(tp + cfg->dtv_off)))
			return 0;
		if (cfg->flags & SC_CFG_F_DTV_COUNT) {
			if (bpf_probe_read_user(&n, sizeof(n), (void *)(dtv + cfg->dtv_count_off)))
				return 0;
			if (n < cfg->module_id)
				return 1;
		}
		if (bpf_probe_read_user(&blk, sizeof(blk),
					(void *)(dtv + (__u64)cfg->dtv_stride * cfg->module_id)))
			return 0;
		if (!blk || ((cfg->flags & SC_CFG_F_DTV_MINUS1) && blk == (__u64)-1))
			return 1;
		slot = blk + cfg->offset;
		st->slot = slot;
		st->slot_tp = tp;
		st->slot_gen = cfg->generation;
		st->slot_mod = cfg->module_id;
		st->slot_off = cfg->offset;
	}
	if (bpf_probe_read_user(rec, sizeof(*rec), (void *)slot))
		return 0;
	return 1;
}

/*
 * Emits a context event at *now (read from the clock when 0: the syscall's entry time is then
 * the same).
 */
static __always_inline void emit_ctx(struct thread_state *st, const struct ctx_hdr *h, __u64 rec,
				     __u32 tgid, __u32 tid, __u64 *now, __u16 ev_flags)
{
	__u32 zero = 0;
	struct ctx_scratch *s = bpf_map_lookup_elem(&ctx_buf, &zero);
	__u32 n = 0;

	if (!s)
		return;
	if (!*now)
		*now = bpf_ktime_get_boot_ns();
	s->ev.type = SC_EV_CTX;
	s->ev.flags = ev_flags;
	s->ev.pid = tgid;
	s->ev.tid = tid;
	s->ev.time_ns = *now;
	__builtin_memcpy(s->ev.trace_id, h->trace, 16);
	__builtin_memcpy(s->ev.span_id, &h->span, 8);
	s->ev.valid = h->valid == 1;
	s->ev.trace_flags = h->flags;
	s->ev.attrs_size = h->valid == 1 ? h->size : 0;
	s->ev.reserved = 0;
	if (h->valid == 1 && h->size) {
		n = h->size;
		if (n > SC_ATTRS_MAX) {
			n = SC_ATTRS_MAX;
			s->ev.flags |= SC_CTX_F_TRUNCATED;
		}
		if (bpf_probe_read_user(s->attrs, n, (void *)(rec + SC_CTX_HDR_SIZE))) {
			count(SC_CNT_ATTR_FAULTS);
			s->ev.flags |= SC_CTX_F_ATTR_FAULT;
			n = 0;
		}
	}
	s->ev.attrs_len = n;
	s->ev.len = sizeof(s->ev) + n;
	if (emit(s, sizeof(s->ev) + n))
		return; /* not remembered: the next syscall tries again */
	st->last_rec = rec;
	st->last_valid = h->valid == 1;
	st->last_flags = h->flags;
	st->last_size = h->size;
	st->last_trace[0] = h->trace[0];
	st->last_trace[1] = h->trace[1];
	st->last_span = h->span;
}

/*
 * True when the trace of h is in the sample (sc_sample_keep()). The decision is cached per
 * thread for the last trace id and flags: a thread stays in one context for many syscalls, and
 * the cache keeps the decision's cost independent of the hash.
 */
static __always_inline bool trace_in_sample(struct thread_state *st, const struct ctx_hdr *h)
{
	if (st->samp_known && st->samp_trace[1] == h->trace[1] &&
	    st->samp_trace[0] == h->trace[0] && st->samp_flags == h->flags)
		return st->samp_keep;
	st->samp_keep = sc_sample_keep(h->trace[1], h->flags, sample_mode, sample_threshold);
	st->samp_trace[0] = h->trace[0];
	st->samp_trace[1] = h->trace[1];
	st->samp_flags = h->flags;
	st->samp_known = 1;
	return st->samp_keep;
}

enum hdr_state {
	HDR_NONE,    /* no record, or a record of valid 0: no context */
	HDR_VALID,   /* the header of a valid record is read */
	HDR_INVALID, /* an odd pointer, or a valid byte other than 0 and 1: not a record */
	HDR_FAULT,   /* the header could not be read */
};

/*
 * Reads into *h the header of the record at rec (0: none), for read_ctx() and for a fork child
 * without storage (deferred_enter()). OTEP 4947 records start at 2-byte boundaries: an odd
 * pointer is not a record.
 */
static __always_inline enum hdr_state read_hdr(__u64 rec, struct ctx_hdr *h)
{
	if (!rec)
		return HDR_NONE;
	if (rec & 1)
		return HDR_INVALID;
	if (bpf_probe_read_user(h, SC_CTX_HDR_SIZE, (void *)rec))
		return HDR_FAULT;
	if (h->valid > 1)
		return HDR_INVALID;
	return h->valid ? HDR_VALID : HDR_NONE;
}

/*
 * Fills the context fields of the in-flight event; emits a context event on change (at *now,
 * see emit_ctx()). A context whose trace is not in the sample leaves the fields zero and sets
 * SC_SYS_F_SAMPLED_OUT, as does no valid context in a thread marked born_out (sample_mode); the
 * thread's previous context, if it was recorded, ends with a context event of valid 0 (flagged
 * SC_CTX_F_SAMPLED_OUT when it moved to a trace left out).
 */
static __always_inline void read_ctx(const struct sc_proc_cfg *cfg, struct task_struct *task,
				     struct thread_state *st, __u32 tgid, __u32 tid, __u64 *now)
{
	struct ctx_hdr h = {};
	__u64 rec = 0;

	if (cfg->kind == SC_TLS_NONE)
		goto none;
	if (!tls_record(cfg, task, st, &rec)) {
		count(SC_CNT_CTX_FAULTS);
		st->ev.flags |= SC_SYS_F_CTX_FAULT;
		return;
	}
	switch (read_hdr(rec, &h)) {
	case HDR_VALID:
		break;
	case HDR_FAULT:
		count(SC_CNT_CTX_FAULTS);
		st->ev.flags |= SC_SYS_F_CTX_FAULT;
		return;
	case HDR_INVALID:
		count(SC_CNT_CTX_INVALID);
		goto none;
	default:
		goto none;
	}
	if (sample_mode && !trace_in_sample(st, &h)) {
		st->ev.flags |= SC_SYS_F_SAMPLED_OUT;
		if (st->last_valid) {
			__builtin_memset(&h, 0, sizeof(h));
			emit_ctx(st, &h, 0, tgid, tid, now, SC_CTX_F_SAMPLED_OUT);
		}
		return;
	}
	st->ev.flags |= SC_SYS_F_CTX;
	__builtin_memcpy(st->ev.trace_id, h.trace, 16);
	__builtin_memcpy(st->ev.span_id, &h.span, 8);
	st->ev.trace_flags = h.flags;
	if (st->last_valid && st->last_rec == rec && st->last_size == h.size &&
	    st->last_flags == h.flags && st->last_trace[0] == h.trace[0] &&
	    st->last_trace[1] == h.trace[1] && st->last_span == h.span)
		return;
	emit_ctx(st, &h, rec, tgid, tid, now, 0);
	return;
none:
	if (sample_mode && st->born_out)
		st->ev.flags |= SC_SYS_F_SAMPLED_OUT; /* outside its own contexts: its starter's trace */
	if (st->last_valid) {
		__builtin_memset(&h, 0, sizeof(h));
		emit_ctx(st, &h, 0, tgid, tid, now, 0);
	}
}

/* ---- fork children read without task storage (deferred) ------------------------------------ */

static __always_inline int is_fork_nr(long nr)
{
	return nr == SCF_NR_clone || nr == SCF_NR_fork || nr == SCF_NR_vfork || nr == SCF_NR_clone3;
}

/* handle_fork(): puts child in `deferred`, its context at slot; false when it cannot. */
static __always_inline bool defer_child(struct task_struct *child, __u64 slot)
{
	struct deferred_child d = {.tp = child->thread.fsbase, .slot = slot};
	__u32 tid = child->pid;

	if (!slot || bpf_map_update_elem(&deferred, &tid, &d, BPF_NOEXIST))
		return false;
	__sync_fetch_and_add(&deferred_tids[tid & (SC_DEFERRED_SLOTS - 1)], 1);
	__sync_fetch_and_add(&deferred_live, 1);
	return true;
}

/* Takes tid out of `deferred`, if it is there. */
static __always_inline void undefer(__u32 tid)
{
	__u32 *n = &deferred_tids[tid & (SC_DEFERRED_SLOTS - 1)];

	if (!*(volatile __u32 *)n || bpf_map_delete_elem(&deferred, &tid))
		return;
	__sync_fetch_and_add(n, -1);
	__sync_fetch_and_add(&deferred_live, -1);
}

/*
 * A syscall after which a deferred child's slot may be stale or its process may publish a
 * context (resolve_reasons()): a code mapping, a file mapping (an OTEL_CTX memfd), an unmapping
 * or a remapping (a dlclose), prctl(PR_SET_VMA). Not an anonymous mapping of data, which an
 * allocator makes often, nor another prctl.
 */
static __always_inline bool deferred_trigger(long id, const struct pt_regs *regs)
{
	if (id == SCF_NR_mmap)
		return (regs->dx & SC_TRIGGER_PROT_EXEC) || !(regs->r10 & SC_TRIGGER_MAP_ANONYMOUS);
	if (id == SCF_NR_prctl)
		return regs->di == SC_TRIGGER_PR_SET_VMA;
	return id == SCF_NR_munmap || id == SCF_NR_mremap;
}

enum defer_verdict {
	DEFER_NOT = 0, /* not a deferred child */
	DEFER_OUT,     /* a deferred child in a context left out: nothing more to do */
	DEFER_STORE,   /* a deferred child that needs storage from now on */
};

/*
 * A syscall id of the current task, which has no task storage, when it may be a deferred
 * child's. Its context is read as read_ctx() would, with its starter's slot: no valid context
 * (its starter's mark) or a trace the sample leaves out is DEFER_OUT. Anything else is
 * DEFER_STORE and read_ctx() decides: a kept trace, a failed or odd read (counted there), a
 * thread pointer that moved (arch_prctl), a syscall that may be a trigger (deferred_trigger()),
 * a fork or clone (the fork hook then knows the syscall: a vfork, a thread that shares the
 * slot), and the SC_DEFERRED_CALLS-th syscall. The caller takes the child out once its storage
 * exists: if it cannot be made, the next syscall tries again.
 */
static __always_inline enum defer_verdict deferred_enter(struct task_struct *task, long id,
							  const struct pt_regs *regs)
{
	struct deferred_child *d;
	__u32 tid = task->pid;
	struct ctx_hdr h = {};
	__u64 rec = 0;

	if (!*(volatile __u32 *)&deferred_tids[tid & (SC_DEFERRED_SLOTS - 1)])
		return DEFER_NOT;
	d = bpf_map_lookup_elem(&deferred, &tid);
	if (!d)
		return DEFER_NOT;
	if (task->thread.fsbase != d->tp || deferred_trigger(id, regs) || is_fork_nr(id) ||
	    d->calls >= SC_DEFERRED_CALLS)
		return DEFER_STORE;
	if (bpf_probe_read_user(&rec, sizeof(rec), (void *)d->slot))
		return DEFER_STORE;
	switch (read_hdr(rec, &h)) {
	case HDR_NONE:
		break;
	case HDR_VALID:
		if (sc_sample_keep(h.trace[1], h.flags, sample_mode, sample_threshold))
			return DEFER_STORE;
		break;
	default: /* counted by read_ctx() once the storage exists */
		return DEFER_STORE;
	}
	d->calls++; /* only this thread writes it */
	/* as the path with storage counts: not a syscall the selection let through only to be
	 * examined as a trigger */
	if (!(sel_on && !sel_bit(id) && !always_recorded(id)))
		count(SC_CNT_SAMPLED_OUT);
	return DEFER_OUT;
}

/* The storage of a deferred child that needs it (DEFER_STORE); takes it out of `deferred`. */
static __always_inline struct thread_state *deferred_storage(struct task_struct *task)
{
	struct thread_state *st;

	st = bpf_task_storage_get(&threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count(SC_CNT_MAP_FULL);
		return NULL;
	}
	st->born_out = 1;
	undefer(task->pid);
	return st;
}

/* ---- argument decoding --------------------------------------------------------------------- */


/*
 * One case per syscall whose decode (formats/syscall_list.h) is not NONE: DECODE_<decode>(nr)
 * sets the argument indexes + 1 of struct entry_decode. x86_64 numbers.
 */
#define DECODE_NONE(nr)
#define DECODE_PATH0(nr) case nr: d->path1 = 1; break;
#define DECODE_PATH1(nr) case nr: d->path1 = 2; break;
#define DECODE_PATH0_PATH1(nr) case nr: d->path1 = 1; d->path2 = 2; break;
#define DECODE_PATH0_PATH2(nr) case nr: d->path1 = 1; d->path2 = 3; break;
#define DECODE_PATH1_PATH3(nr) case nr: d->path1 = 2; d->path2 = 4; break;
#define DECODE_EXEC0(nr) case nr: d->path1 = 1; d->argv = 2; break;
#define DECODE_EXEC1(nr) case nr: d->path1 = 2; d->argv = 3; break;
#define DECODE_ADDR1(nr) case nr: d->sa = 2; d->sa_len = 3; break;
#define DECODE_ADDR4(nr) case nr: d->sa = 5; d->sa_len = 6; break;
#define DECODE_ADDR_OUT1(nr) case nr: d->exit = EXIT_ACCEPT; break;
#define DECODE_ADDR_OUT4(nr) case nr: d->exit = EXIT_RECVFROM; break;
#define DECODE_MSG1(nr) case nr: d->msg = 2; break;
#define DECODE_MSG_OUT1(nr) case nr: d->exit = EXIT_RECVMSG; break;
#define DECODE_FDS_OUT0(nr) case nr: d->exit = EXIT_PIPE; break;
#define DECODE_FDS_OUT3(nr) case nr: d->exit = EXIT_SOCKETPAIR; break;
#define DECODE_CASE(nr, name, cls, flags, args, decode) DECODE_##decode(nr)

static __always_inline void decode_for(long nr, struct entry_decode *d)
{
	switch (nr) {
		SCF_SYSCALL_LIST(DECODE_CASE)
	}
}

static __always_inline __u64 arg(const struct thread_state *st, __u32 i)
{
	if (i >= 6)
		return 0;
	return st->ev.args[i];
}

/*
 * Reads the NUL-ended user string at uptr, at most sz bytes (NUL included, sz <= SC_STR_MAX),
 * into dst, through str_buf; returns what bpf_probe_read_user_str() would: the bytes copied,
 * NUL included, or a negative errno.
 */
static __always_inline long read_user_str(void *dst, __u32 sz, __u64 uptr)
{
	__u32 zero = 0;
	struct str_scratch *s = bpf_map_lookup_elem(&str_buf, &zero);
	long n;

	if (!s || sz > SC_STR_MAX)
		return -1;
	n = bpf_probe_read_user_str(s->b, sz, (void *)uptr);
	if (n <= 0)
		return n;
	if (n > sz)
		n = sz;
	n &= 2 * SC_STR_MAX - 1;
	if (n > SC_STR_MAX || bpf_probe_read_kernel(dst, n, s->b))
		return -1;
	return n;
}

/* Appends a user string item. */
static __always_inline void put_str(struct thread_state *st, __u16 tag, __u64 uptr)
{
	__u32 off = st->tail_len;
	__u32 sz = max_str;
	long n;

	if (sz > SC_STR_MAX)
		sz = SC_STR_MAX;
	if (sz < 2)
		sz = 2;
	if (off > SC_TAIL_ITEM_LIMIT) {
		st->ev.flags |= SC_SYS_F_TRUNCATED;
		return;
	}
	n = read_user_str(&st->tail[off + 4], sz, uptr);
	if (n <= 0) {
		st->ev.flags |= SC_SYS_F_ARG_FAULT;
		return;
	}
	if (n >= sz)
		st->ev.flags |= SC_SYS_F_TRUNCATED;
	n -= 1; /* the NUL */
	n &= 0x1ff;
	*(__u16 *)&st->tail[off] = tag;
	*(__u16 *)&st->tail[off + 2] = n;
	st->tail_len = SC_ITEM_ALIGN(off + 4 + n);
}

/* Appends a sockaddr item of len bytes read from uptr. */
static __always_inline void put_sockaddr(struct thread_state *st, __u64 uptr, __u64 len)
{
	__u32 off = st->tail_len;
	__u32 n;

	if (!uptr || !len)
		return;
	if (off > SC_TAIL_ITEM_LIMIT) {
		st->ev.flags |= SC_SYS_F_TRUNCATED;
		return;
	}
	n = len > SC_SOCKADDR_MAX ? SC_SOCKADDR_MAX : len;
	if (len > SC_SOCKADDR_MAX)
		st->ev.flags |= SC_SYS_F_TRUNCATED;
	n &= 0xff;
	if (n > SC_SOCKADDR_MAX)
		return;
	if (bpf_probe_read_user(&st->tail[off + 4], n, (void *)uptr)) {
		st->ev.flags |= SC_SYS_F_ARG_FAULT;
		return;
	}
	*(__u16 *)&st->tail[off] = SC_ITEM_SOCKADDR;
	*(__u16 *)&st->tail[off + 2] = n;
	st->tail_len = SC_ITEM_ALIGN(off + 4 + n);
}

/* Appends the first SC_ARGV_MAX strings of a user argv array as a string list item. */
static __always_inline void put_argv(struct thread_state *st, __u64 uargv)
{
	__u32 off = st->tail_len;
	__u32 pos, sz = max_argv_str;
	__u64 p;
	long n;
	int i;

	if (!uargv)
		return;
	if (off > SC_TAIL_ITEM_LIMIT) {
		st->ev.flags |= SC_SYS_F_TRUNCATED;
		return;
	}
	if (sz > SC_ARGV_STR_MAX)
		sz = SC_ARGV_STR_MAX;
	if (sz < 2)
		sz = 2;
	pos = 4;
#pragma unroll
	for (i = 0; i < SC_ARGV_MAX; i++) {
		if (bpf_probe_read_user(&p, sizeof(p), (void *)(uargv + 8 * i))) {
			st->ev.flags |= SC_SYS_F_ARG_FAULT;
			break;
		}
		if (!p)
			break;
		if (pos > 4 + SC_ARGV_MAX * (2 + SC_ARGV_STR_MAX))
			break;
		n = read_user_str(&st->tail[off + pos + 2], sz, p);
		if (n <= 0) {
			st->ev.flags |= SC_SYS_F_ARG_FAULT;
			break;
		}
		if (n >= sz)
			st->ev.flags |= SC_SYS_F_TRUNCATED;
		n = (n - 1) & 0x7f;
		*(__u8 *)&st->tail[off + pos] = n;
		*(__u8 *)&st->tail[off + pos + 1] = 0;
		pos += 2 + n;
	}
	if (i == SC_ARGV_MAX)
		st->ev.flags |= SC_SYS_F_TRUNCATED; /* there may be more */
	pos &= 0x3ff;
	*(__u16 *)&st->tail[off] = SC_ITEM_ARGV;
	*(__u16 *)&st->tail[off + 2] = pos - 4;
	st->tail_len = SC_ITEM_ALIGN(off + pos);
}

static __always_inline void put_fd_pair(struct thread_state *st, __u64 uptr)
{
	__u32 off = st->tail_len;

	if (off > SC_TAIL_ITEM_LIMIT) {
		st->ev.flags |= SC_SYS_F_TRUNCATED;
		return;
	}
	if (bpf_probe_read_user(&st->tail[off + 4], 8, (void *)uptr)) {
		st->ev.flags |= SC_SYS_F_ARG_FAULT;
		return;
	}
	*(__u16 *)&st->tail[off] = SC_ITEM_FD_PAIR;
	*(__u16 *)&st->tail[off + 2] = 8;
	st->tail_len = off + 12;
}

/* accept / recvfrom style: a sockaddr buffer and a pointer to its length, filled by the kernel. */
static __always_inline void put_sockaddr_out(struct thread_state *st, __u64 uaddr, __u64 ulen)
{
	__u32 len = 0;

	if (!uaddr || !ulen)
		return;
	if (bpf_probe_read_user(&len, sizeof(len), (void *)ulen)) {
		st->ev.flags |= SC_SYS_F_ARG_FAULT;
		return;
	}
	put_sockaddr(st, uaddr, len);
}

/* sendmsg / recvmsg: the address in msghdr.msg_name (offset 0), msg_namelen (offset 8). */
static __always_inline void put_msg_name(struct thread_state *st, __u64 umsg)
{
	struct {
		__u64 name;
		__u32 namelen;
		__u32 pad;
	} h;

	if (!umsg)
		return;
	if (bpf_probe_read_user(&h, sizeof(h), (void *)umsg)) {
		st->ev.flags |= SC_SYS_F_ARG_FAULT;
		return;
	}
	put_sockaddr(st, h.name, h.namelen);
}

/*
 * The items read at entry, per st->dec: paths, the address of a connect or sendmsg, execve's
 * argv. Not inlined: the exit may read them again (handle_sys_exit()).
 */
#define SC_EFAULT 14 /* asm-generic/errno-base.h: vmlinux.h has no macros */

static __noinline int entry_items(struct thread_state *st)
{
	if (!st)
		return 0;
	if (st->dec.path1)
		put_str(st, SC_ITEM_PATH, arg(st, st->dec.path1 - 1));
	if (st->dec.path2)
		put_str(st, SC_ITEM_PATH2, arg(st, st->dec.path2 - 1));
	if (st->dec.sa)
		put_sockaddr(st, arg(st, st->dec.sa - 1), arg(st, st->dec.sa_len - 1));
	if (st->dec.argv)
		put_argv(st, arg(st, st->dec.argv - 1));
	if (st->dec.msg)
		put_msg_name(st, arg(st, st->dec.msg - 1));
	return 0;
}

/* ---- syscall hooks ------------------------------------------------------------------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct sc_proc_cfg *cfg;
	struct entry_decode d = {};
	struct thread_state *st;
	__u32 tgid, tid;
	__u8 resolve;
	__u64 now;

	if (sel_on && !sel_bit(id) && !always_recorded(id) && !may_trigger(id))
		return 0;
	if (!may_be_observed(task))
		return 0;
	st = no_task_storage(task) ? NULL : bpf_task_storage_get(&threads, task, 0, 0);
	if (!st) {
		switch (any_deferred() ? deferred_enter(task, id, regs) : DEFER_NOT) {
		case DEFER_OUT:
			return 0;
		case DEFER_STORE:
			st = deferred_storage(task);
			break;
		default:
			st = new_thread_state(task);
		}
		if (!st)
			return 0;
	}
	tgid = task->tgid;
	tid = task->pid;
	cfg = thread_cfg(st, tgid);
	if (!cfg)
		return 0;
	/* storage user space made for a deferred child (kernel__observe()): out of the map */
	if (st->in_flight == IN_FLIGHT_FRESH && any_deferred())
		undefer(tid);
	resolve = may_trigger(id) ? resolve_reasons(cfg, task, id, regs->di, regs->si, regs->dx,
						     regs->r10, regs->r8)
				  : 0;
	/* A possible trigger let through the selection that is none: as if never entered. */
	if (sel_on && !sel_bit(id) && !always_recorded(id) && !resolve) {
		st->in_flight = IN_FLIGHT_SKIP;
		return 0;
	}

	/*
	 * The context first: a syscall that is not recorded (not in the sample, --only-in-span)
	 * pays only its read and the decision, not the clock nor the event's other fields.
	 */
	st->ev.flags = 0;
	__builtin_memset(st->ev.trace_id, 0, sizeof(st->ev.trace_id));
	__builtin_memset(st->ev.span_id, 0, sizeof(st->ev.span_id));
	st->ev.trace_flags = 0;
	now = 0;
	read_ctx(cfg, task, st, tgid, tid, &now);
	if (!always_recorded(id) && !resolve) {
		if (sample_mode && (st->ev.flags & SC_SYS_F_SAMPLED_OUT)) {
			count(SC_CNT_SAMPLED_OUT);
			st->in_flight = IN_FLIGHT_SKIP;
			return 0;
		}
		if (only_in_span && !(st->ev.flags & (SC_SYS_F_CTX | SC_SYS_F_CTX_FAULT))) {
			st->in_flight = IN_FLIGHT_SKIP;
			return 0;
		}
	}

	if (!now)
		now = bpf_ktime_get_boot_ns();
	st->ev.type = SC_EV_SYSCALL;
	st->ev.nr = id;
	st->ev.pid = tgid;
	st->ev.tid = tid;
	st->ev.enter_ns = now;
	st->ev.exit_ns = 0;
	st->ev.ret = 0;
	st->ev.args[0] = regs->di;
	st->ev.args[1] = regs->si;
	st->ev.args[2] = regs->dx;
	st->ev.args[3] = regs->r10;
	st->ev.args[4] = regs->r8;
	st->ev.args[5] = regs->r9;
	st->ev.resolve = resolve;
	st->ev.cpu = bpf_get_smp_processor_id();
	st->ev.reserved1 = 0;
	st->tail_len = 0;

	decode_for(id, &d);
	st->dec = d;
	/*
	 * execve's items wait for its exit: a successful exec gets them from what the kernel
	 * copied (handle_exec()), so reading the caller's strings here is wasted on it, and costs
	 * most on the exec of a fresh fork child, whose page tables are cold. A failed one has
	 * them read at its exit, from this same address space.
	 */
	if (d.argv)
		st->exec_mm = (__u64)task->mm;
	else
		entry_items(st);
	st->in_flight = IN_FLIGHT_RECORD;
	return 0;
}

/*
 * A syscall with a resolve reason user space acts on at once (SC_RESOLVE_NOW: a publication or
 * an unpublish) wakes it up, since the syscalls made until it re-resolves carry no context or
 * a stale one. New executable mappings wait for the next poll tick: during ld.so's startup,
 * glibc's link_map exists before TLS offsets are assigned, and resolving at once there picks
 * transient routes.
 */
static __always_inline bool resolve_now(const struct sc_syscall_event *ev)
{
	return ev->resolve & SC_RESOLVE_NOW;
}

static __always_inline void emit_syscall(struct thread_state *st)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u32 len = st->tail_len;

	if (len > SC_TAIL_CAP)
		len = SC_TAIL_CAP;
	st->ev.len = sizeof(st->ev) + len;
	st->in_flight = IN_FLIGHT_NONE;
	/*
	 * The backlog query reads the consumer's position, a cache line user space writes: a
	 * thread checks the watermark on one event in 16 (the watermark is a quarter of the
	 * ring, thousands of events).
	 */
	if (resolve_now(&st->ev))
		flags = BPF_RB_FORCE_WAKEUP;
	else if (!(++st->n_events & 15))
		flags = rb_flags();
	if (st->ev.flags & SC_SYS_F_ARG_FAULT)
		count(SC_CNT_ARG_FAULTS); /* once per record that says so */
	if (!emit_flags(&st->ev, sizeof(st->ev) + len, flags))
		count(SC_CNT_SYSCALLS);
}

/* munmap, mremap, and an mmap of code: a dlclose or dlopen may have moved a TLS block. */
static __always_inline bool moves_tls_blocks(const struct sc_syscall_event *ev)
{
	return ev->nr == SCF_NR_munmap || ev->nr == SCF_NR_mremap ||
	       (ev->nr == SCF_NR_mmap && (ev->args[2] & SC_TRIGGER_PROT_EXEC));
}

/* Invalidates the TLS slots the process's threads cached (tls_record()). */
static __always_inline void bump_generation(__u32 tgid)
{
	struct sc_proc_cfg *cfg = bpf_map_lookup_elem(&procs, &tgid);

	if (cfg) {
		__sync_fetch_and_add(&cfg->generation, 1);
		epoch_bump(tgid);
	}
}

/*
 * A trigger (resolve_reasons()) of a process left out without task storage (unstored()) asks
 * user space to resolve it again with an SC_PROC_RESOLVE event, at the syscall's exit as a
 * recorded trigger would (the registers still hold the arguments). Every thread of the host
 * without storage comes here for mmap, munmap, mremap and prctl, so what none of those
 * processes can trigger is ruled out before the map lookup: an anonymous or failed mapping,
 * another prctl, an unmapping (they have no OTEL_CTX header). A file mapping costs the lookup.
 */
static __always_inline void unstored_trigger(struct task_struct *task, long nr,
					     struct pt_regs *regs, long ret)
{
	__u64 a0 = regs->di, a2 = regs->dx, a3 = regs->r10, a4 = regs->r8;
	const struct sc_proc_cfg *cfg;
	struct proc_scratch *s;
	__u32 tgid;
	__u8 reasons;

	if (nr == SCF_NR_mmap) {
		if (ret < 0 || (a3 & SC_TRIGGER_MAP_ANONYMOUS) || a4 == (__u64)-1)
			return;
	} else if (nr != SCF_NR_prctl || a0 != SC_TRIGGER_PR_SET_VMA) {
		return;
	}
	tgid = task->tgid;
	cfg = bpf_map_lookup_elem(&procs, &tgid);
	if (!cfg || !(cfg->flags & SC_CFG_F_BORN_OUT))
		return;
	reasons = resolve_reasons(cfg, task, nr, a0, regs->si, a2, a3, a4);
	if (!reasons)
		return;
	s = proc_ev(SC_PROC_RESOLVE, tgid, task->pid, 0);
	if (!s)
		return;
	s->ev.resolve = reasons;
	emit_wake(s, sizeof(s->ev), reasons & SC_RESOLVE_NOW);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	struct task_struct *task;
	struct thread_state *st;

	/* mmap, munmap, mremap and prctl may be triggers (may_trigger()): their entry decided. */
	if (sel_on && !sel_bit(nr) && !may_trigger(nr))
		return 0;
	/*
	 * The one lookup: a thread has task storage only once it entered a syscall while its
	 * process was observed, and an exit needs its entry. (An exit whose entry came before the
	 * observation began has nothing to match: it is not counted as unmatched.)
	 */
	task = bpf_get_current_task_btf();
	st = no_task_storage(task) ? NULL : bpf_task_storage_get(&threads, task, 0, 0);
	if (!st) {
		/* not observed, or a process left out without storage (unstored()) */
		if (sample_mode && !trace_all && may_trigger(nr) &&
		    *(volatile __u8 *)&unstored_seen)
			unstored_trigger(task, nr, regs, ret);
		return 0;
	}
	if (st->in_flight != IN_FLIGHT_RECORD) {
		if (st->in_flight != IN_FLIGHT_NONE) { /* skipped at entry, or entered unobserved */
			st->in_flight = IN_FLIGHT_NONE;
			return 0;
		}
		/* A fork child returns from clone without having entered it. */
		if (!(ret == 0 && is_fork_nr(nr)) && !(sel_on && !sel_bit(nr)))
			count(SC_CNT_UNMATCHED);
		return 0;
	}
	st->ev.exit_ns = bpf_ktime_get_boot_ns();
	st->ev.ret = ret;
	/* A failed mapping or unmapping changed nothing; a failed prctl(PR_SET_VMA) still ends a
	 * publication (the kernel may not name mappings). */
	if (ret < 0)
		st->ev.resolve &= SC_RESOLVE_PRCTL_VMA;
	if (ret >= 0 && moves_tls_blocks(&st->ev))
		bump_generation(st->ev.pid);
	/*
	 * An argument the entry could not read (bpf_probe_read_user() cannot fault a page in: a
	 * path in a page of .rodata or of a fresh stack not touched yet) is read again: the kernel
	 * copied it during the syscall, which faulted the page in. Not after EFAULT (the memory is
	 * not there). execve's are read here only (handle_sys_enter()): after a success
	 * handle_exec() built them from what the kernel copied; after a failure they are read from
	 * the caller's memory (argv on a page not faulted in still fails: a failed open ends the
	 * exec before the kernel copies argv), unless the exec failed past its point of no return,
	 * whose address space is no longer the one the pointers were in.
	 */
	if (st->dec.argv) {
		if (ret < 0 && (__u64)task->mm == st->exec_mm)
			entry_items(st);
		else if (ret < 0)
			st->ev.flags |= SC_SYS_F_ARG_FAULT;
	} else if ((st->ev.flags & SC_SYS_F_ARG_FAULT) && ret != -SC_EFAULT) {
		st->tail_len = 0;
		st->ev.flags &= ~(SC_SYS_F_ARG_FAULT | SC_SYS_F_TRUNCATED);
		entry_items(st);
	}
	if (ret >= 0) {
		switch (st->dec.exit) {
		case EXIT_ACCEPT:
			put_sockaddr_out(st, arg(st, 1), arg(st, 2));
			break;
		case EXIT_RECVFROM:
			put_sockaddr_out(st, arg(st, 4), arg(st, 5));
			break;
		case EXIT_PIPE:
			put_fd_pair(st, arg(st, 0));
			break;
		case EXIT_SOCKETPAIR:
			put_fd_pair(st, arg(st, 3));
			break;
		case EXIT_RECVMSG:
			put_msg_name(st, arg(st, 1));
			break;
		}
	}
	emit_syscall(st);
	return 0;
}

/* ---- process lifecycle --------------------------------------------------------------------- */

/*
 * What /proc/PID/stat and /proc/PID/status would say of t (struct sc_proc_facts): reading them
 * costs user space seven file operations a process, on a new /proc entry each time.
 */
static __always_inline void task_facts(struct sc_proc_facts *f, struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	f->start_ns = BPF_CORE_READ(t, start_boottime);
	f->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	f->ppid = BPF_CORE_READ(t, real_parent, tgid);
	f->uid = BPF_CORE_READ(t, real_cred, uid.val);
	f->gid = BPF_CORE_READ(t, real_cred, gid.val);
	f->ns_pid = 0;
	f->pidns_inum = 0;
	f->ns_level = 0;
	f->reserved[0] = f->reserved[1] = f->reserved[2] = 0;
	f->exe_ino = 0;
	f->exe_dev = 0;
	f->reserved2 = 0;
	if (level > 32) /* MAX_PID_NS_LEVEL */
		return;
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level]))
		return;
	f->ns_pid = up.nr;
	f->pidns_inum = BPF_CORE_READ(up.ns, ns.inum);
	f->ns_level = level;
}

/*
 * Appends at s->tail[off] the current task's argument block as an SC_ITEM_ARGV_RAW item;
 * returns the bytes appended. SC_PROC_F_ARGV_CUT when the block is longer than
 * SC_PROC_ARGV_MAX or not readable (a page swapped out: bpf_probe_read_user cannot fault):
 * user space then reads /proc/PID/cmdline.
 */
static __always_inline __u32 proc_argv(struct proc_scratch *s, __u32 off)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 start = BPF_CORE_READ(t, mm, arg_start), end = BPF_CORE_READ(t, mm, arg_end);
	__u64 n = end - start;

	off &= 0x1ff;
	if (end <= start || n > SC_PROC_ARGV_MAX) {
		s->ev.flags |= SC_PROC_F_ARGV_CUT;
		return 0;
	}
	n &= 2 * SC_PROC_ARGV_MAX - 1;
	if (n > SC_PROC_ARGV_MAX || bpf_probe_read_user(&s->tail[off + 4], n, (void *)start)) {
		s->ev.flags |= SC_PROC_F_ARGV_CUT;
		return 0;
	}
	*(__u16 *)&s->tail[off] = SC_ITEM_ARGV_RAW;
	*(__u16 *)&s->tail[off + 2] = n;
	return SC_ITEM_ALIGN(4 + n);
}

static __always_inline void emit_life(struct proc_scratch *s, bool wake)
{
	__u32 len = s->ev.len;

	if (len > sizeof(*s))
		len = sizeof(*s);
	emit_wake(s, len, wake);
}

/*
 * The born_out mark of a process the thread with state pst starts (see sample_mode): the
 * decision of the fork syscall it is in, which read_ctx() made at its entry (a trace left out,
 * or no context of its own in a marked process). A fork syscall is always recorded, so its entry
 * was seen (IN_FLIGHT_RECORD); without it (storage made by user space during the syscall) only
 * the thread's own mark is known.
 */
static __always_inline __u8 fork_born_out(const struct thread_state *pst)
{
	if (pst->in_flight != IN_FLIGHT_RECORD)
		return pst->born_out;
	return (pst->ev.flags & SC_SYS_F_SAMPLED_OUT) != 0;
}

/*
 * The fork syscall pst is in asks for a child that shares the forking thread's memory and
 * runs only until its exec or exit, the parent waiting (vfork(2), and posix_spawn(3), which
 * glibc, Python, Go and Rust spawn with): clone's flags, or clone3's (read again from the
 * struct clone_args the kernel has copied, which another thread may have changed since: the
 * caller checks the child's memory is the parent's too).
 */
static __always_inline bool vfork_in_flight(const struct thread_state *pst)
{
	__u64 flags = 0;

	if (pst->in_flight != IN_FLIGHT_RECORD)
		return false;
	if (pst->ev.nr == SCF_NR_vfork)
		return true;
	if (pst->ev.nr == SCF_NR_clone)
		flags = pst->ev.args[0];
	else if (pst->ev.nr != SCF_NR_clone3 ||
		 bpf_probe_read_user(&flags, sizeof(flags), (void *)pst->ev.args[0]))
		return false;
	return (flags & (SC_CLONE_VM | SC_CLONE_VFORK)) == (SC_CLONE_VM | SC_CLONE_VFORK);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct thread_state *cst = NULL, *pst = NULL;
	const struct sc_proc_cfg *cfg;
	struct proc_scratch *s;
	struct sc_proc_cfg c;
	bool vfork_out = false, defer = false;
	__u8 born = 0;

	/*
	 * The forking thread's copy of its process's entry, current unless its epoch slot moved,
	 * spares the map lookup (a cold hash bucket at every spawn). Not with --all, where a
	 * process without an entry is observed all the same (none_cfg, which a copy is not).
	 */
	if (!no_task_storage(parent))
		pst = bpf_task_storage_get(&threads, parent, 0, 0);
	cfg = pst && !trace_all ? thread_cfg(pst, ptgid) : observed(ptgid);
	if (!cfg)
		return 0;
	/*
	 * A new thread is of its process; a new process is of the trace that started it: the
	 * fork syscall's decision, or from a thread without storage its process's mark.
	 */
	if (sample_mode && pst)
		born = ctgid == ptgid ? pst->born_out : fork_born_out(pst);
	else if (sample_mode)
		born = (cfg->flags & SC_CFG_F_BORN_OUT) != 0;
	c = *cfg;
	if (ctgid != ptgid) {
		/* The child inherits the parent's TLS layout and, by copy-on-write, its record. */
		c.flags |= SC_CFG_F_INHERITED;
		c.pctx_addr = 0; /* MADV_DONTFORK: the child has no OTEL_CTX mapping */
		if (sample_mode)
			c.flags = born ? c.flags | SC_CFG_F_BORN_OUT : c.flags & ~SC_CFG_F_BORN_OUT;
		/*
		 * A vfork child with its forking thread's thread pointer reads that thread's
		 * context, left out, until it execs: it has none of its own to read (unstored()).
		 */
		vfork_out = born && pst && child->mm == parent->mm &&
			    child->thread.fsbase == parent->thread.fsbase && vfork_in_flight(pst);
		if (vfork_out)
			c.kind = SC_TLS_NONE;
		/* A copy of a thread in a trace left out, reading the same context in its own
		 * memory: deferred. (Sharing the memory, it would read a slot its starter may
		 * free.) */
		else if (born && pst && storage_may_wait() && child->mm != parent->mm &&
			 child->thread.fsbase == parent->thread.fsbase)
			defer = defer_child(child, known_slot(&c, pst, parent->thread.fsbase));
	}
	/*
	 * Observed from its first instruction: its task storage is what says so (unstored()),
	 * or its place in `deferred` (an exec of a program with nothing to read then leaves it
	 * as unstored() says: its triggers need unstored_trigger() too).
	 */
	if (!unstored(&c) && !defer) {
		cst = bpf_task_storage_get(&threads, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!cst)
			count(SC_CNT_MAP_FULL);
		else if (sample_mode)
			cst->born_out = born;
	} else if (!*(volatile __u8 *)&unstored_seen) {
		unstored_seen = 1;
	}
	if (ctgid == ptgid) {
		s = proc_ev(SC_PROC_THREAD_START, ctgid, child->pid, ptgid);
		if (s)
			emit(s, sizeof(s->ev));
		return 0;
	}
	s = proc_ev(SC_PROC_FORK, ctgid, parent->pid, ptgid);
	if (s) {
		/* The child runs the parent's image with a copy of its memory: the parent's
		 * argument block (current's) is the child's. */
		task_facts(&s->facts, child);
		s->ev.len = sizeof(struct sc_proc_life_event) + proc_argv(s, 0);
	}
	if (cfg != &none_cfg) {
		if (bpf_map_update_elem(&procs, &ctgid, &c, BPF_ANY))
			count(SC_CNT_MAP_FULL);
		else if (s)
			s->ev.flags |= SC_PROC_F_INHERITED |
				       (c.kind == SC_TLS_NONE ? SC_PROC_F_NO_ROUTE : 0) |
				       (vfork_out ? SC_PROC_F_VFORK_OUT : 0);
		/*
		 * The child is a copy of the forking thread: the same thread pointer (unless
		 * CLONE_SETTLS) and, in a copy of its memory, the same TLS slot. Handing it the
		 * parent's cached slot spares its first syscalls the DTV walk (three reads, on the
		 * TCB, DTV and DTV-count pages) and leaves the two reads the parent itself makes at
		 * every syscall. tls_record() still checks the cache against the child's own
		 * thread pointer and configuration; a stale parent cache is as stale for both.
		 */
		if (cst && pst && c.kind == SC_TLS_DTV && slot_cached(pst, &c)) {
			cst->slot = pst->slot;
			cst->slot_tp = pst->slot_tp;
			cst->slot_gen = pst->slot_gen;
			cst->slot_mod = pst->slot_mod;
			cst->slot_off = pst->slot_off;
		}
	}
	if (s)
		emit_life(s, false);
	return 0;
}

/*
 * The execve event's items, rebuilt from what the kernel copied: the pointers the process
 * passed may sit on pages a fresh fork child has not faulted in (bpf_probe_read_user cannot
 * fault), but bprm->filename is kernel memory and the new image's argument block was just
 * written by the kernel.
 */
static __always_inline void exec_items(struct thread_state *st, struct task_struct *p,
				       struct linux_binprm *bprm)
{
	__u64 start = BPF_CORE_READ(p, mm, arg_start), end = BPF_CORE_READ(p, mm, arg_end);
	__u32 off, sz = max_str;
	long n;

	st->tail_len = 0;
	st->ev.flags &= ~(SC_SYS_F_ARG_FAULT | SC_SYS_F_TRUNCATED);
	if (sz > SC_STR_MAX)
		sz = SC_STR_MAX;
	if (sz < 2)
		sz = 2;
	n = bpf_probe_read_kernel_str(&st->tail[4], sz, BPF_CORE_READ(bprm, filename));
	if (n > 0) {
		if (n >= sz)
			st->ev.flags |= SC_SYS_F_TRUNCATED;
		n = (n - 1) & 0x1ff;
		*(__u16 *)&st->tail[0] = SC_ITEM_PATH;
		*(__u16 *)&st->tail[2] = n;
		st->tail_len = SC_ITEM_ALIGN(4 + n);
	}
	off = st->tail_len;
	if (off > SC_TAIL_ITEM_LIMIT || end <= start)
		return;
	n = end - start;
	if (n > SC_ARGV_RAW_MAX || n > sz - 1) { /* the snaplen cuts the block too */
		n = sz - 1 < SC_ARGV_RAW_MAX ? sz - 1 : SC_ARGV_RAW_MAX;
		st->ev.flags |= SC_SYS_F_TRUNCATED;
	}
	n &= 0x1ff;
	if (n > SC_ARGV_RAW_MAX)
		return;
	if (bpf_probe_read_user(&st->tail[off + 4], n, (void *)start)) {
		st->ev.flags |= SC_SYS_F_ARG_FAULT;
		return;
	}
	*(__u16 *)&st->tail[off] = SC_ITEM_ARGV_RAW;
	*(__u16 *)&st->tail[off + 2] = n;
	st->tail_len = SC_ITEM_ALIGN(off + 4 + n);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct sc_proc_cfg *cfg = bpf_map_lookup_elem(&procs, &tgid);
	const struct sc_proc_cfg *rule;
	struct thread_state *st = NULL;
	bool routed = false;
	struct proc_scratch *s;
	struct sc_exe_key key;
	struct sc_proc_cfg c;
	__u8 born = 0;
	__u32 off;
	long n;

	/* a deferred child's copy of its starter's memory is gone: it is now as unstored() says */
	if (any_deferred())
		undefer(old_pid);
	if (!cfg && !(trace_all && tgid != self_tgid && in_cgroup()))
		return 0;
	if (!no_task_storage(p))
		st = bpf_task_storage_get(&threads, p, 0, 0);
	/* the process's mark, kept across the exec (storage user space made may not hold it yet) */
	if (sample_mode && ((st && st->born_out) || (cfg && (cfg->flags & SC_CFG_F_BORN_OUT))))
		born = SC_CFG_F_BORN_OUT;
	key.ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	key.dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	key.reserved = 0;
	rule = bpf_map_lookup_elem(&exe_rules, &key);
	/*
	 * A new image: the old TLS layout is meaningless until user space re-resolves, unless
	 * its executable's own static TLS block holds the context (the rule user space found
	 * at an earlier exec of it): then the context is read from the first syscall on.
	 */
	if (rule && rule->kind == SC_TLS_STATIC) {
		c = *rule;
		c.flags = (c.flags & ~SC_CFG_F_BORN_OUT) | SC_CFG_F_EXEC_RESET | born;
		c.pctx_addr = 0;
		c.generation = cfg ? cfg->generation + 1 : 1;
		if (bpf_map_update_elem(&procs, &tgid, &c, BPF_ANY))
			count(SC_CNT_MAP_FULL);
		else
			routed = true;
		epoch_bump(tgid);
	} else if (cfg) {
		cfg->kind = SC_TLS_NONE;
		cfg->flags = SC_CFG_F_EXEC_RESET | born;
		cfg->pctx_addr = 0;
		epoch_bump(tgid);
	}
	if (st) {
		st->last_valid = 0;
		st->slot = 0;
		if (st->in_flight == IN_FLIGHT_RECORD)
			exec_items(st, p, bprm);
	} else if (routed && born && !trace_all) {
		/* a process left out without storage runs a program whose own TLS block holds
		 * its contexts (unstored()) */
		st = bpf_task_storage_get(&threads, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!st)
			count(SC_CNT_MAP_FULL);
		else
			st->born_out = 1;
	}
	s = proc_ev(SC_PROC_EXEC, tgid, old_pid, 0); /* the thread that called execve */
	if (!s)
		return 0;
	task_facts(&s->facts, p);
	s->facts.exe_ino = key.ino;
	s->facts.exe_dev = key.dev;
	n = bpf_probe_read_kernel_str(&s->tail[4], SC_STR_MAX, BPF_CORE_READ(bprm, filename));
	off = 0;
	if (n > 0) {
		n = (n - 1) & 0x1ff;
		if (n > SC_STR_MAX - 1)
			n = SC_STR_MAX - 1;
		*(__u16 *)&s->tail[0] = SC_ITEM_PATH;
		*(__u16 *)&s->tail[2] = n;
		off = SC_ITEM_ALIGN(4 + n);
	}
	/* the new image's argument block, which the kernel has just written */
	s->ev.len = sizeof(struct sc_proc_life_event) + off + proc_argv(s, off);
	/* resolve now, unless the executable's rule is known (none, or installed above) */
	emit_life(s, !rule);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p, bool group_dead)
{
	__u32 tgid = p->tgid;
	struct thread_state *st;
	struct proc_scratch *s;

	if (any_deferred())
		undefer(p->pid);
	if (!observed(tgid))
		return 0;
	/* exit, exit_group, or killed inside a syscall: the syscall never returns. */
	st = bpf_task_storage_get(&threads, p, 0, 0);
	if (st && st->in_flight == IN_FLIGHT_RECORD) {
		st->ev.exit_ns = bpf_ktime_get_boot_ns();
		st->ev.flags |= SC_SYS_F_NO_EXIT;
		/* an execve killed before handle_exec(): its items were never read, nor can be */
		if (st->dec.argv && !st->tail_len)
			st->ev.flags |= SC_SYS_F_ARG_FAULT;
		emit_syscall(st);
	}
	s = proc_ev(group_dead ? SC_PROC_EXIT : SC_PROC_THREAD_EXIT, tgid, p->pid, 0);
	if (s) {
		s->ev.exit_code = p->exit_code;
		emit(s, sizeof(s->ev));
	}
	if (group_dead)
		bpf_map_delete_elem(&procs, &tgid);
	return 0;
}
