/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analysis.h - the offline reconstruction: replays spancap files (several, merged by time)
 * and rebuilds hosts, processes, threads, descriptor tables, traces and spans, aggregating the
 * syscalls that pass a filter. Never prints: damage in an input becomes a warning string.
 *
 * Memory grows with hosts, processes, threads, traces, spans, paths and peers, not with the
 * number of records: syscalls are aggregated as they stream by. Only what a command asks for
 * is kept (ANA_WANT_*; ANA_WANT_NO_TRACES keeps no trace or span); a timeline is streamed to
 * the caller's callback. With a memory budget (ana_opts.memory_budget), the traces idle
 * longest are spilled to a temporary file past it and merged back by ana_traces_each
 * (trace_spill.c, docs/SPILL.md).
 */
#ifndef ANA_ANALYSIS_H
#define ANA_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "spancap_file.h"
#include "ana_map.h"
#include "latency_hist.h"

struct ana_ctx;

/* ---- filters and options ------------------------------------------------------------------ */

struct ana_filter {
	uint64_t since_ns, until_ns; /* absolute; 0: open (relative values resolved by run) */
	int64_t since_rel_ns, until_rel_ns;
	bool since_rel, until_rel;   /* relative to the capture start */
	bool since_tod, until_tod;   /* with *_rel: *_rel_ns is a UTC time of day (as tables print
				      * times), on the day nearest the capture start */
	bool has_pid, has_tid;
	uint32_t pid, tid;
	uint8_t trace_id[16], span_id[8];
	uint8_t trace_nibbles, span_nibbles; /* hex digits given (prefix match); 0: any */
	bool has_syscalls;
	uint64_t syscalls[SCF_SYSCALL_NR_MAX / 64]; /* bit set of numbers */
	bool errors_only;
	/* --host, --boot: only the sections of hosts of that name and of boots whose id starts
	 * with these hex digits; the others are skipped whole, as if not given */
	const char *host;
	uint8_t boot_id[16];
	uint8_t boot_nibbles;
};

#define ANA_WANT_DETAIL 0x1  /* per-span detail (files, peers, classes, errors, children) */
#define ANA_WANT_SCSTATS 0x2 /* latency and error statistics per syscall (and group) */
#define ANA_WANT_IO 0x4	     /* files and network peers */
/* No traces or spans at all, for the reports that show none (info, files, net, processes, syscalls
 * but by span, row exports, which take a syscall's ids from its record: ana_event.ctx): memory
 * then grows with hosts, processes, threads, paths and peers only, not with the traces */
#define ANA_WANT_NO_TRACES 0x8

enum ana_by { ANA_BY_SYSCALL, ANA_BY_SPAN, ANA_BY_PROCESS };

struct ana_event;
typedef void (*ana_event_fn)(struct ana_ctx *c, const struct ana_event *ev, void *arg);
typedef void (*ana_progress_fn)(uint64_t done, uint64_t total, void *arg);
/* Every record of a known type with a long enough body, in replay order, before the state
 * sees it (the descriptor tables are still those before a syscall); input indexes c->inputs. */
typedef void (*ana_record_fn)(struct ana_ctx *c, uint32_t input, const struct scf_record *rec,
			      void *arg);

enum ana_index_until {
	ANA_UNTIL_READ_ALL,	 /* what syscalls do after it (threads, argv, spans a kill ends) */
	ANA_UNTIL_SKIP_SYSCALLS, /* nothing syscalls do after it */
	ANA_UNTIL_SKIP_PROCESSES, /* nothing processes do after it (names, exits, losses) */
};

struct ana_opts {
	struct ana_filter f;
	unsigned int want;
	enum ana_by by;
	ana_event_fn on_event; /* every selected syscall, and fork/exec/exit/loss records */
	void *event_arg;
	ana_progress_fn progress;
	void *progress_arg;
	ana_record_fn on_record;
	void *record_arg;
	/* threads that decompress and decode the zstd inputs ahead of the replay (which stays
	 * on the caller's thread, in file order), shared by the inputs; 0 or 1: none */
	uint32_t threads;
	/* Read only the frames the filter's trace, pid, --since or --until can need, by the
	 * inputs' frame index (frame_select.c); reports come out the same. note, when set, hears
	 * once per input why its index is not used or what of it was ignored. */
	bool use_index;
	void (*note)(const char *msg);
	/* what the report shows of the time after --until, which says the frames after it that
	 * the index may skip (frame_select.c) */
	enum ana_index_until index_until;
	/* --pid also keeps other processes' syscalls that name the pid (filter): the index cannot
	 * place those, so --pid alone selects no frames */
	bool pid_named_by_others;
	/* the report shows of the trace's processes only what the trace's syscalls show (trace
	 * ID): the index's descriptor parts may leave out their other frames (frame_select_fds.c) */
	bool index_fds;
	/*
	 * Bytes (estimated) that live traces and spans may take: past it the traces idle longest
	 * (and their spans) are written to a temporary file, and the caller reads the traces and
	 * spans through ana_traces_each only (c->traces and c->spans then hold some, or none).
	 * 0: every one stays in memory. An event's span is then the live part of it: its ids
	 * and what it gathered since it was last made, not the whole span's totals. A span's
	 * rows by span (ANA_BY_SPAN) and detail (ANA_WANT_DETAIL) go with it and are merged back,
	 * but for the children forked while it was spilled (docs/SPILL.md, section 4).
	 */
	size_t memory_budget;
	/* With memory_budget: the caller reads no trace or span after the run (a timeline, which
	 * takes a span's ids from the events): the traces past the budget are dropped, not
	 * written, and c->traces and c->spans hold some only */
	bool spill_discard;
};

/* ---- reconstructed state ------------------------------------------------------------------ */

struct ana_stats {
	uint64_t syscalls, errors, time_ns, bytes_read, bytes_written;
	uint64_t first_ns, last_ns; /* entry of the first and exit of the last syscall */
};

struct ana_host {
	uint32_t idx;
	char *hostname, *kernel_release, *kernel_version, *machine, *tool_version, *cmdline;
	uint32_t snaplen; /* the capture's -s (its CMDLINE item), 0 when not given */
	struct scf_sampling sampling; /* its SAMPLING item (mode 0: every trace recorded) */
	uint64_t sampled_out;	      /* syscalls left out by sampling, as of the last END */
	bool sampled_out_known;	      /* ... which had counters (filter's output has none) */
	uint8_t boot_id[16];
	char *display; /* name@BOOT when another host has the same name (ana_host_name) */
#define ANA_HOST_CAPTURES 8
	uint8_t capture_ids[ANA_HOST_CAPTURES][16]; /* distinct capture ids, first seen first */
	uint32_t ncaptures;
	/* The boot-to-wall offset of each capture's last CLOCK record, and the steps between
	 * consecutive ones of a capture (FORMAT.md 5.11), the first ANA_HOST_CLOCK_STEPS kept. */
	int64_t clock_offset[ANA_HOST_CAPTURES];
	uint64_t clock_boot_ns[ANA_HOST_CAPTURES]; /* CLOCK_BOOTTIME of that measurement */
	bool have_clock[ANA_HOST_CAPTURES];
	int64_t clock_drift_ns; /* the moves that were no step (slewing), added up */
	uint32_t nclocks;	/* CLOCK records */
#define ANA_HOST_CLOCK_STEPS 16
/* A move of the offset is a step past 1 ms plus 1% of the time since the last measurement: no
 * slewing is that fast (NTP slews at most 0.05%; some VMs' time agents at 0.5%). */
#define ANA_CLOCK_STEP_NS 1000000
	struct ana_clock_step {
		uint64_t at_ns;	 /* the CLOCK record's time (wall clock, after the step) */
		int64_t step_ns; /* the offset's change */
		uint64_t uncertainty_ns;
	} clock_steps[ANA_HOST_CLOCK_STEPS];
	uint32_t nclock_steps; /* every step, also past those kept */
	uint8_t abi;
	uint32_t ncpus;
	uint64_t capture_start_ns, first_ns, last_ns;
	uint32_t sections;
	bool have_end;
	struct scf_end end; /* the last END record */
	/* its flight-recorder counters (spancap --ring; FORMAT.md 5.9): triggers fired, sections
	 * and bytes dropped from memory, those dropped for room */
	bool have_ring;
	uint64_t ring[4];
	uint64_t loss_events, loss_windows; /* LOSS records of events not in the file */
};

enum ana_tkind {
	ANA_T_NONE,
	ANA_T_FILE,
	ANA_T_SOCKET,
	ANA_T_PIPE,
	ANA_T_OTHER, /* anonymous inodes, devices, memfds */
	ANA_T_UNKNOWN, /* a descriptor the replay never saw opened */
};

/*
 * A socket address as the capture recorded it: the payload of a SOCKADDR item (family, port,
 * address or path bytes: formats/FORMAT.md, scf_sockaddr_decode()). len 0: none known.
 */
struct ana_sockaddr {
	uint16_t len;
	uint8_t bytes[SCF_SOCKADDR_MAX];
};

/*
 * An open file description, shared by dup'ed and inherited descriptors. It keeps what the
 * capture said (bytes), never display text: ana_fdesc_name() renders its name.
 */
struct ana_fdesc {
	uint32_t refs;
	uint8_t kind; /* enum ana_tkind */
	uint8_t sock_type;
	uint16_t family;
	uint32_t pair_seq; /* a pipe or socket pair the replay saw made: its number (from 1) */
	char *path; /* the file's path, or the name the capture gave ("anon_inode:[eventfd]",
		     * "memfd:x", "pipe:[123]"); NULL when none */
	bool cut;   /* path was cut at the capture's snaplen: the file's path begins so */
	struct ana_sockaddr peer;  /* sockets: the remote address */
	struct ana_sockaddr local; /* sockets: the local address */
};

/*
 * The name of d, into buf: a socket's peer ("127.0.0.1:5432"), else its local address
 * ("socket:[::1]:80"), a pipe or socket pair the replay saw made ("pipe:#3", "socketpair:#4"),
 * the path, else "socket" or "?". Returns buf, or the path itself (valid while d is).
 */
const char *ana_fdesc_name(const struct ana_fdesc *d, char *buf, size_t bufsz);
/* Whether a and b have the same kind and the same name, compared on what makes the name. */
bool ana_fdesc_same(const struct ana_fdesc *a, const struct ana_fdesc *b);
/* A copy of d (its own path, one reference), or NULL without memory. */
struct ana_fdesc *ana_fdesc_copy(const struct ana_fdesc *d);
/* Drops a reference to d (NULL accepted); the last one frees it. */
void ana_fdesc_put(struct ana_fdesc *d);

struct ana_fdslot {
	struct ana_fdesc *d;
	/*
	 * The description d replaced while it was still open: its close, which entered before d
	 * was installed, has not arrived yet (records come in exit order). Syscalls on this fd
	 * that entered before since_ns worked on prev. NULL when d replaced nothing open.
	 */
	struct ana_fdesc *prev;
	bool cloexec;
	uint64_t since_ns; /* exit time of the syscall that installed d */
};

struct ana_fd_far {
	int32_t fd;
	struct ana_fdslot s;
};

/* Descriptors 0..ANA_FD_DIRECT-1 in an array, larger ones in a short list. */
#define ANA_FD_DIRECT 65536
struct ana_fdtab {
	struct ana_fdslot *v;
	uint32_t cap;
	struct ana_fd_far *far;
	uint32_t nfar, farcap;
};

struct ana_kv {
	char *key, *val;
	uint8_t type; /* enum scf_val_type of the value val renders */
};

/*
 * A process context as one PROCESS record described it (OTEP 4719 resource and attributes,
 * OTEP 4947 key map). Never changed once made (but for grown): a later record makes a new one,
 * so that what was recorded under it (a span's attributes, the resource of its syscalls)
 * keeps it. Owned by
 * the ana_ctx (ana_ctx.pctxs), shared by the processes and spans that point at it.
 */
struct ana_pctx {
	struct ana_kv *res;   /* ProcessContext.resource.attributes */
	uint32_t nres;
	struct ana_kv *extra; /* ProcessContext.attributes but threadlocal.* */
	uint32_t nextra;
	char **keymap;	      /* threadlocal.attribute_key_map (NULL entries: not strings) */
	uint32_t nkeys;
	/* the next context of the same process whose key map extends this one (a key map only
	 * grows, OTEP 4947: keys read under this one are named by that one too); NULL: none */
	struct ana_pctx *grown;
	uint32_t idx; /* its index in ana_ctx.pctxs */
};

struct ana_proc {
	uint32_t host, pid, ppid, uid, seq;
	uint64_t start_ns, exit_ns;
	int32_t exit_status;
	bool exited, described, replaced, incomplete;
	uint8_t ctx_status, tls_model, origin;
	uint32_t ctx_version;
	/*
	 * Its pid namespace (PROCESS record, format 1.2): ns_pid 0 when unknown. ns_level > 0
	 * means the pids its syscalls return are not host pids; a fork child whose record did
	 * not say inherits its parent's level (it cannot sit higher).
	 */
	uint32_t ns_pid;
	uint8_t ns_level;
	uint64_t pidns_inode;
	uint64_t start_boot_ns; /* start_ns on the boot clock (its section's offset); 0 unknown */
	char *exe_host; /* EXE_HOST: the path spancap saw, when not the process's own */
	char *comm, *exe, *argv, *cgroup, *service, *reason, *schema, *tls_module;
	/* the process context in force now (the latest PROCESS record's); NULL: none (never
	 * published, unpublished, or gone with an exec); a child shares its parent's */
	struct ana_pctx *pctx;
	struct ana_fdtab fds;
	struct ana_stats st;
	uint32_t nthreads;
	struct ana_proc *parent;
};

struct ana_span;
struct ana_trace;

struct ana_thread {
	uint32_t host, pid, tid, seq;
	char *name;
	uint64_t start_ns, exit_ns;
	bool exited, incomplete;
	struct ana_proc *proc;
	struct ana_stats st;
	struct ana_span *cur_span;   /* span of its last syscall (NULL: none) */
	struct ana_trace *last_trace; /* last trace it was counted in */
	/* cur_span was spilled (cur_span NULL): its ids, for a death in it (trace_index.c keeps
	 * the hold, trace_spill.c writes it) */
	bool cur_spilled;
	uint8_t cur_trace_id[16], cur_span_id[8];
	/* it holds its current span by a find (an unselected syscall), not a get;
	 * cur_pending: that find failed after a spill, so without the budget it holds the span
	 * only if the span was made before cur_find_seq (the span_seq of that find) */
	bool cur_found, cur_pending;
	uint32_t cur_find_seq;
	struct ana_proc *last_fork;   /* child of its last FORK event, until its fork returns */
	uint64_t last_fork_ns;	      /* that event's time */
};

struct ana_trace {
	uint8_t id[16];
	uint32_t seq;
	struct ana_stats st;
	uint32_t nspans;
	uint64_t hosts_mask; /* bit i: host index i (63 and above share bit 63) */
	struct ana_proc **procs;
	uint32_t nprocs, procs_cap;
	struct ana_thread **threads;
	uint32_t nthreads, threads_cap;
	bool incomplete;
	int32_t killed; /* wait status of the first death by signal that killed one of its spans */
	struct ana_span *spans, *spans_tail; /* in creation order */
	uint64_t idle_ns; /* trace_spill.c: when it last saw a syscall or context record while
			   * choosing, UINT64_MAX once spilled */
};

struct ana_span_detail;

/* What the context records of one thread said about a span: each thread keeps its own
 * attribute values (two threads may run under one span id with different ones). */
struct ana_span_ctx {
	struct ana_thread *thr;
	const struct ana_pctx *pctx; /* key map in force at its records (NULL: the process's) */
	uint8_t *attrs;		     /* merged attrs_data: {u8 key, u8 len, bytes}, by key */
	uint32_t attrs_len;
};

struct ana_span {
	uint8_t trace_id[16], span_id[8];
	uint32_t seq, host;
	struct ana_trace *trace;
	struct ana_proc *proc;
	struct ana_thread *thr;
	bool multi_thread, incomplete;
	/* wait status of its process's death by a signal while it was the current span of one of
	 * the process's threads (the span of that thread's last syscall); 0: not killed */
	int32_t killed;
	uint32_t killed_pid;
	uint64_t killed_ns;
	struct ana_stats st;
	uint64_t ctx_first_ns, ctx_last_ns; /* THREAD_CTX records seen (0: none) */
	struct ana_span_ctx *ctxs;	   /* one per thread with THREAD_CTX records, first first */
	uint32_t nctxs, ctxs_cap;
	/* its process's context and service at its first selected syscall (pctx_set) */
	const struct ana_pctx *pctx;
	char *service;
	bool pctx_set;
	struct ana_span *next_in_trace;
	struct ana_span_detail *detail;
	/* trace_spill.c: the order of its death among all (ana_spans_mark_killed), for its trace's */
	uint64_t kill_order;
	/* trace_spill.c: a partial made for a thread that holds the span by a find (thr), its
	 * find's span_seq, the thread of the gets that found this partial (two or more:
	 * getters_many), which the merge compares with the span's first thread */
	bool attach, getters_many;
	uint32_t find_seq;
	struct ana_thread *getter;
	/* syscalls --by span: its rows (ANA_BY_SPAN), which a spill writes with it */
	struct ana_sc_row **sc;
	uint32_t nsc, sc_cap;
};

/* One resolved span attribute (key from the process's key map). */
struct ana_attr {
	const char *key;
	const uint8_t *val;
	uint8_t val_len;
	uint8_t key_idx;
};

/* Traffic and operations on one path, pipe, peer... */
struct ana_io_row {
	char *name;
	uint32_t host, seq;
	uint8_t kind; /* enum ana_tkind */
	bool cut;     /* name is a path cut at the capture's snaplen: paths it begins */
	uint64_t group;
	uint64_t ops, opens, reads, writes, bytes_read, bytes_written, syncs, mmaps, connects;
	uint64_t errors, time_ns;
};

struct ana_io_table {
	struct ana_map map;
	struct ana_io_row **rows;
	uint32_t n, cap;
};

struct ana_class_stat {
	uint64_t count, errors, time_ns;
	struct ana_hist hist;
};

struct ana_error_ev {
	uint64_t ts_ns;
	uint32_t tid;
	uint16_t nr;
	int32_t err;
	char *target;
};

struct ana_span_detail {
	struct ana_io_table io;
	struct ana_class_stat cls[SCF_CLASS_MAX];
	struct ana_error_ev *errs;
	uint32_t nerrs, errs_cap;
	struct ana_proc **children;
	uint32_t nchildren, children_cap;
};

#define SCF_SC_ERRNOS 4
struct ana_sc_row {
	uint8_t group_kind; /* enum ana_by */
	void *group;	    /* struct ana_span * or struct ana_proc *, NULL by syscall */
	uint16_t nr;
	uint32_t seq;
	uint64_t count, errors, time_ns, no_exit;
	struct ana_hist hist;
	struct ana_errno_n {
		int32_t err;
		uint64_t n;
	} errnos[SCF_SC_ERRNOS]; /* the first distinct errnos seen */
	uint64_t other_errnos;
	/* rows of a span: the distinct errnos past those, first seen first (other_errnos is
	 * their sum), which merging the rows of a spilled span's partials needs (trace_spill.c) */
	struct ana_errno_n *more;
	uint32_t nmore, more_cap;
};

struct ana_sc_table {
	struct ana_map map;
	struct ana_sc_row **rows;
	uint32_t n, cap;
};

struct ana_loss {
	uint64_t start_ns, end_ns, count;
	uint32_t host, pid, cpu;
	uint16_t reason;
	uint64_t prefmax_end; /* max end_ns of this loss and those before it in its group */
};

struct ana_section_info {
	uint32_t input, host, index;
	uint32_t capture; /* index in its host's capture_ids, UINT32_MAX past ANA_HOST_CAPTURES */
	uint64_t start_ns, offset;
};

struct ana_input {
	char *name;
	struct scf_reader *r;
	void *mem; /* owned copy for ana_ctx__add_mem, or NULL */
	struct scf_record rec;
	bool live, damaged, compressed;
	bool skipping; /* its current section is of a host or boot not selected */
	uint32_t host, bad_bodies;
	uint32_t capture; /* its current section's index in the host's capture_ids */
	uint64_t records, size, first_ns, last_ns;
	struct scf_gap *gaps; /* damaged regions the reader skipped, in file order */
	uint32_t ngaps;
	int64_t boot_to_wall_ns; /* of its current section, or its last CLOCK record since:
				  * wall = boot time + this */
	uint64_t frames_to_skip; /* frames the frame index leaves undecompressed */
};

#define ANA_LOSS_REASONS 8

struct ana_vec {
	void **v;
	uint32_t n, cap;
};

/* Slots of the replay's cache of thread lookups (a power of two). */
#define ANA_THREAD_CACHE 256

struct ana_ctx {
	struct ana_opts o;
	struct ana_input *inputs;
	uint32_t ninputs;
	struct ana_vec hosts, procs, threads, traces, spans, warnings, pctxs;
	struct ana_section_info *sections;
	uint32_t nsections, sections_cap;
	int64_t boot_to_wall_ns; /* of the section of the record being replayed */
	struct ana_loss *losses;
	uint32_t nlosses, losses_cap; /* losses that may hide events: the incomplete marking */
	uint32_t loss_windows;	      /* loss records of events not in the file */
	uint32_t fault_windows;	      /* loss records of syscalls kept without some content */
	uint64_t fd_now_ns;	      /* exit time of the syscall whose fd effects are applied */
	uint64_t rec_counts[SCF_REC_TYPE_MAX], rec_unknown;
	uint64_t loss_by_reason[ANA_LOSS_REASONS]; /* events, by every reason */
	uint64_t loss_total;			    /* events not in the file */
	uint64_t fault_total;			    /* syscalls kept without an argument or context */
	struct ana_map proc_map, thread_map, trace_map, span_map, host_map;
	/* thread_map's value of a (host, tid) met lately, by a hash of them (proc_state.c) */
	struct ana_thread *thread_cache[ANA_THREAD_CACHE];
	struct ana_io_table io;
	struct ana_sc_table sc;
	struct ana_stats total;
	uint64_t capture_start_ns, first_ns, last_ns, records;
	uint32_t pipe_seq;
	bool nomem;
	/* trace_spill.c: traces and spans made (seq numbers), the estimated bytes of those live,
	 * the level that starts a spill (SIZE_MAX: none), the temporary file */
	uint32_t trace_seq, span_seq;
	size_t live_bytes, spill_at;
	struct ana_sorter *spill;
	uint64_t spilled_traces, spilled_spans; /* partials written */
	uint32_t spill_batches;
	uint64_t kill_seq; /* deaths marked on spans (ana_span.kill_order) */
	/* set by ana_spill_setup: a thread's pending hold found a live partial (trace_index.c
	 * calls it); the spill writes the partial that tells the merge so */
	void (*hold_found)(struct ana_ctx *c, struct ana_thread *t);
	char spill_err[512]; /* why the spill failed (ana_ctx__run returned -EIO) */
};

/* What the event callback sees. Pointers are valid during the call only; the descriptor table
 * of proc is still the one before the syscall took effect. */
struct ana_event {
	uint16_t type; /* SCF_REC_SYSCALL, SCF_REC_PROC_EVENT or SCF_REC_LOSS */
	uint64_t ts_ns;
	const struct scf_record *rec;
	const struct scf_syscall *sc;
	const struct scf_proc_event *pe;
	const struct scf_loss *loss;
	struct ana_host *host;
	struct ana_proc *proc;
	struct ana_thread *thr;
	struct ana_span *span;
	uint8_t target_kind;
	const char *target; /* what the syscall worked on, or NULL */
	bool target_cut;    /* target is a path cut at the capture's snaplen */
	/* host pids of its pid-valued result and arguments (ana_syscall_host_pid) */
	int64_t ret_host_pid, arg_host_pid[6];
	/* a socket target's remote address as the capture recorded it, or NULL when unknown */
	const struct ana_sockaddr *target_addr;
	bool ctx;	    /* a syscall with a context (trace and span ids in sc): span is
			     * set then, unless ANA_WANT_NO_TRACES */
};

/* ---- API ----------------------------------------------------------------------------------- */

/* NULL with errno on error. */
struct ana_ctx *ana_ctx__new(const struct ana_opts *o);
/* Opens an input. Returns 0 or -errno with a one-line reason in err. */
int ana_ctx__add_file(struct ana_ctx *c, const char *path, char *err, size_t errlen);
/*
 * Whether files[i] names a file given earlier (same device and inode: a repeat or a second
 * name): that one's index, or -1. Callers read such an input once, or every record would
 * count twice.
 */
int ana_input_repeated(char *const *files, int i);
/* Same on a copy of len bytes of memory. */
int ana_ctx__add_mem(struct ana_ctx *c, const void *buf, size_t len, const char *name, char *err,
		     size_t errlen);
/* Replays every input. Returns 0 (damaged inputs add warnings), -ENOMEM, or -EIO when the
 * spill file failed (c->spill_err says why). */
int ana_ctx__run(struct ana_ctx *c);
void ana_ctx__free(struct ana_ctx *c);

/*
 * Every trace and every span after a run, each once, whole (the partials of a spilled one
 * merged as the replay would have kept it): trace_fn (NULL: none) gets each trace with its
 * spans (tr->spans), span_fn (NULL: none) each span, in no set order; the objects are valid
 * during the call only. Read this way once per run. A callback returning non-zero stops it.
 * Returns 0, the callback's value, or -errno with the reason in c->spill_err.
 */
struct ana_each {
	int (*trace_fn)(struct ana_ctx *c, const struct ana_trace *tr, void *arg);
	int (*span_fn)(struct ana_ctx *c, const struct ana_span *s, void *arg);
	void *arg;
};
int ana_traces_each(struct ana_ctx *c, const struct ana_each *each);

/* Lookups after a run. */
struct ana_trace *ana_trace_find(const struct ana_ctx *c, const uint8_t id[16]);
struct ana_span *ana_span_find(const struct ana_ctx *c, const uint8_t trace_id[16],
			       const uint8_t span_id[8]);
struct ana_proc *ana_proc_find(const struct ana_ctx *c, uint32_t host, uint32_t pid);
/* The process that pid names in the pid namespace of p (the host's pid when p is in the
 * host's namespace; through PROCESS records' namespace pids otherwise), or NULL. */
struct ana_proc *ana_proc_in_ns(const struct ana_ctx *c, const struct ana_proc *p, uint32_t pid);
/*
 * A syscall of t (process p) in a pid namespace other than the host's gets and returns pids in
 * that namespace's numbering (FORMAT.md 5.2). The host pid that its result (arg -1: a result
 * the table flags SCF_SC_PIDRET) or argument arg (0..5, letter 'n') names: > 0 the host pid,
 * ANA_HOST_PID_UNKNOWN when the capture tells no process of that number in the caller's
 * namespace, 0 when there is nothing to translate (the caller is in the host's namespace, the
 * value is no pid: an error, 0, -1 "any", a negative process group). Valid during the replay,
 * when the syscall's record is handed out (the names it uses are those known at that point).
 */
#define ANA_HOST_PID_UNKNOWN (-1)
int64_t ana_syscall_host_pid(const struct ana_ctx *c, const struct ana_thread *t,
			     const struct scf_record *rec, const struct scf_syscall *sc, int arg);
struct ana_thread *ana_thread_find(const struct ana_ctx *c, uint32_t host, uint32_t tid);
/* The row of name in an io table (host), or NULL. */
struct ana_io_row *ana_io_find(const struct ana_io_table *t, uint32_t host, const char *name);
/* Resolved attributes of a span as the context records of its first thread gave them (the
 * thread s->thr when it recorded any), in key index order: at most max, returns how many.
 * Entries whose key index the key map does not name are skipped (OTEP 4947). */
unsigned int ana_span_attrs(const struct ana_span *s, struct ana_attr *out, unsigned int max);
/* The same for the context records of one thread (s->ctxs[i]). */
unsigned int ana_span_ctx_attrs(const struct ana_span *s, uint32_t i, struct ana_attr *out,
				unsigned int max);
/* Whether a ProcessContext.attributes key is OTEP 4947 reader metadata (threadlocal.*), which
 * stays out of displays of attributes and out of OTLP. */
bool ana_key_threadlocal(const char *key);
/* Whether a row passes the filters that are not about syscalls (an empty trace shown without
 * a syscall filter). */
bool ana_filter_syscall_only(const struct ana_filter *f);
/* Whether the trace (span) id matches the filter's prefix. */
bool ana_filter_trace_match(const struct ana_filter *f, const uint8_t id[16]);
bool ana_filter_span_match(const struct ana_filter *f, const uint8_t id[8]);
/* Whether a syscall record passes the filter (the rule every command applies). */
bool ana_syscall_selected(const struct ana_filter *f, const struct scf_syscall *sc,
			  const struct scf_record *rec);

/* Name of what fd refers to in proc for a syscall that entered at entry_ns (0: just now),
 * as ana_fdesc_name() renders it into buf: "/etc/hosts", "127.0.0.1:5432", "pipe:#1"; NULL
 * when unknown; *kind gets an enum ana_tkind. */
const char *ana_fd_name(const struct ana_proc *p, int64_t fd, uint64_t entry_ns, uint8_t *kind,
			char *buf, size_t bufsz);
/* The open file description behind fd in proc just now, or NULL. */
const struct ana_fdesc *ana_fd_desc(const struct ana_proc *p, int64_t fd);
/* The description a syscall that entered at entry_ns (0: just now) found behind fd, or NULL. */
const struct ana_fdesc *ana_fd_at(const struct ana_proc *p, int64_t fd, uint64_t entry_ns);
/* Whether the name ana_fd_name gives was cut at the capture's snaplen. */
bool ana_fd_cut(const struct ana_proc *p, int64_t fd, uint64_t entry_ns);
/* Whether a syscall that entered at entry_ns worked on a description of fd that has been
 * replaced since (its record came after the one that installed the current description). */
bool ana_fd_raced(const struct ana_proc *p, int64_t fd, uint64_t entry_ns);

/* ---- internal, between the analysis files -------------------------------------------------- */

/* ana_util.c (ana_bytes: also the exporters' spilled and sorted records) */
int ana_vec_push(struct ana_vec *v, void *p);
/* The object at index i of a spilled or sorted record: NULL for UINT32_MAX (none), NULL with
 * *bad set when i is out of range. */
void *ana_vec_at(const struct ana_vec *v, uint32_t i, bool *bad);
/* A growing byte buffer; nomem once an allocation failed, after which puts are dropped. */
struct ana_bytes {
	uint8_t *p;
	size_t n, cap;
	bool nomem;
};
void ana_bytes_put(struct ana_bytes *b, const void *d, size_t n);
char *ana_strndup(const void *s, size_t len);
/* replay.c */
void ana_warn(struct ana_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* proc_state.c: processes, threads, descriptors */
struct ana_proc *ana_proc_get(struct ana_ctx *c, uint32_t host, uint32_t pid, bool *created);
struct ana_proc *ana_proc_new(struct ana_ctx *c, uint32_t host, uint32_t pid);
struct ana_thread *ana_thread_get(struct ana_ctx *c, uint32_t host, uint32_t pid, uint32_t tid);
void ana_on_process(struct ana_ctx *c, uint32_t host, const struct scf_record *rec);
void ana_on_thread(struct ana_ctx *c, uint32_t host, const struct scf_record *rec);
void ana_on_fd(struct ana_ctx *c, uint32_t host, const struct scf_record *rec);
/* Returns the process a signal just killed (its spans end with it: ana_spans_mark_killed),
 * else NULL. */
struct ana_proc *ana_on_proc_event(struct ana_ctx *c, uint32_t host, const struct scf_record *rec,
				   const struct scf_proc_event *pe);
/* Applies what a syscall did to the descriptor table (and process tree). */
void ana_fd_apply(struct ana_ctx *c, struct ana_proc *p, struct ana_thread *t,
		  const struct scf_record *rec, const struct scf_syscall *sc);
void ana_fdtab_free(struct ana_fdtab *t);
void ana_proc_free(struct ana_proc *p);
void ana_pctx_free(struct ana_pctx *x);

/*
 * frame_select.c: tells the inputs' readers which frames the selection leaves out (counted in
 * each input's frames_to_skip), before they read a record (early) or after their first.
 */
int ana_select_frames(struct ana_ctx *c, bool early);
/* Whether frame (an index of the input's entries) is read for pid by the rest of the
 * selection (frame_select.c). */
typedef bool (*ana_frame_pid_fn)(const void *arg, uint32_t pid, size_t frame);
/*
 * `trace ID` on an index with descriptor parts (frame_select_fds.c): sets skip[i] for the
 * frames that no process of the trace (whose id starts with id8) needs for its descriptors and
 * that name no other process selected reads. 0 or -ENOMEM.
 */
int ana_fds_skips(const struct scf_fidx *x, const uint8_t id8[8], ana_frame_pid_fn selected,
		  const void *arg, bool *skip);

/* trace_index.c: traces, spans, aggregation, loss marking */
struct ana_span *ana_span_get(struct ana_ctx *c, uint32_t host, const uint8_t trace_id[16],
			      const uint8_t span_id[8], struct ana_proc *p, struct ana_thread *t);
void ana_on_thread_ctx(struct ana_ctx *c, uint32_t host, const struct scf_record *rec);
void ana_on_syscall(struct ana_ctx *c, struct ana_host *h, const struct scf_record *rec);
/* The span of t's last syscall or context record (t->cur_span), made again as a new partial
 * when it was spilled; NULL when none, or when t's hold of it is pending (cur_pending). */
struct ana_span *ana_thread_span(struct ana_ctx *c, struct ana_thread *t);
void ana_on_loss(struct ana_ctx *c, struct ana_host *h, const struct scf_record *rec);
void ana_mark_incomplete(struct ana_ctx *c);
void ana_span_free(struct ana_span *s);
/* Overlays attrs_data raw (len bytes: {u8 key, u8 len, bytes}; parsing stops at an entry the
 * buffer cannot hold whole) on *attrs, the last value of a key winning: 0 or -ENOMEM. */
int ana_attrs_merge(uint8_t **attrs, uint32_t *attrs_len, const uint8_t *raw, size_t len);
/* Whether a loss of host (or of its process pid) may hide events in [a, b] (after
 * ana_mark_incomplete sorted the losses). */
bool ana_loss_overlaps(const struct ana_ctx *c, uint32_t host, uint32_t pid, uint64_t a,
		       uint64_t b);
void ana_io_table_free(struct ana_io_table *t);
void ana_sc_table_free(struct ana_sc_table *t);
/* Counts n more failures with errno err in r: in the first SCF_SC_ERRNOS distinct ones, else in
 * other_errnos (and, for a span's row, its list more). 0 or -ENOMEM. */
int ana_sc_errno_add(struct ana_sc_row *r, int32_t err, uint64_t n);
/* The row of syscall nr in span s's rows (s->sc), made when missing (NULL without memory);
 * the bytes it adds are counted in c->live_bytes when c is given. */
struct ana_sc_row *ana_span_sc_row(struct ana_ctx *c, struct ana_span *s, uint16_t nr);
/* The row of name (cut: a path cut at the snaplen) in an io table, made with kind when missing;
 * NULL without memory. */
struct ana_io_row *ana_io_row_get(struct ana_io_table *t, uint32_t host, const char *name,
				  bool cut, uint8_t kind);
/* Estimated bytes of an io row of a span's detail, with its slots, but its name. */
#define ANA_IO_ROW_COST (sizeof(struct ana_io_row) + 64)
/* Estimated bytes of a row of a span (the row, its slot, its histogram and errnos). */
size_t ana_sc_row_cost(const struct ana_sc_row *r);

/* trace_spill.c: the memory budget of traces and spans */
/* Estimated bytes of a trace and a span, with their map slots and vector entries. */
#define ANA_TRACE_COST (sizeof(struct ana_trace) + 80)
#define ANA_SPAN_COST (sizeof(struct ana_span) + 80)
/* Sets spill_at from the options (at the start of the run). */
void ana_spill_setup(struct ana_ctx *c);
/* A process killed by a signal (wait status): the spans its threads were in end with it
 * (issue 17); a thread whose hold of a span is pending leaves a partial that carries the
 * death, which the merge takes only if the span existed at the thread's find. */
void ana_spans_mark_killed(struct ana_ctx *c, struct ana_proc *p, int32_t status);
/* Spills the traces idle longest until the live ones are at half the budget; called between
 * records when live_bytes passes spill_at. */
void ana_spill_idle(struct ana_ctx *c);
/* At the end of the run: once anything was spilled, the live traces and spans follow them to
 * the file (and leave memory), and the merge starts. Returns 0 or -EIO/-ENOMEM. */
int ana_spill_finish(struct ana_ctx *c);
void ana_spill_free(struct ana_ctx *c);

#endif /* ANA_ANALYSIS_H */
