/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - the capture core's internal interfaces:
 *   capture_kernel.c   the BPF skeleton: load, attach, process map, counters, ring buffer
 *   capture_records.c  kernel events -> formats/ records, section / loss / end records
 *   capture_scan.c     /proc: processes, threads, fd snapshots
 *   capture_output.c   the names of the capture files, rotation (-C, -G, -W)
 *   capture.c          command line, run loop, signals, the traced command
 *   proc_table.c       what user space installed per process (bounded, reclaimed)
 *   capture_stats.c    --stats lines
 *   capture_privs.c    dropping privileges after attach; the command's identity (--user)
 *   flight_ring.c      --ring: the last seconds of capture in memory, as segments
 *   flight_trigger.c   --ring: the records that make the flight recorder write a file
 */
#ifndef SPANCAP_CAPTURE_H
#define SPANCAP_CAPTURE_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ctx_source.h"
#include "spancap_abi.h"
#include "spancap_file.h"

#define CAP_MAX_PIDS 64

struct capture_opts {
	const char *out_path;
	pid_t pids[CAP_MAX_PIDS];
	size_t n_pids;
	bool all;
	char **cmd; /* argv after "--", NULL-terminated; NULL when none */
	double duration_s;
	uint64_t max_count; /* syscall records; 0: unlimited */
	bool uncompressed;
	int compress_level; /* zstd level; 0: the formats/ default */
	bool compress_inline; /* --compress-inline: no compressor thread */
	uint64_t rotate_bytes; /* -C: a new file once this many bytes are written; 0: never */
	double rotate_seconds; /* -G: a new file this often; 0: never */
	unsigned rotate_files; /* -W: keep only this many files; 0: all */
	unsigned tick_ms;
	uint32_t ringbuf_bytes;
	int sched_policy; /* --sched: SCHED_OTHER (default), SCHED_BATCH (low) or SCHED_IDLE */
	int sched_nice;	  /* ... and the nice value of spancap's threads (19 for low) */
	bool verbose;
	/* production ergonomics: -q, --stats, --user */
	bool quiet;
	double stats_s;	  /* --stats interval in seconds; 0: off */
	const char *user; /* -Z/--user: run the command as this user */
	/* kernel-side selection (-e, --only-in-span, -s) */
	bool sel_on;
	uint64_t sel_bits[SC_SEL_WORDS];
	bool only_in_span;
	uint32_t snaplen; /* 0: the defaults (SC_STR_MAX, SC_ARGV_STR_MAX) */
	/* trace sampling (--sample-traces, --sampled-only): SC_SAMPLE_* bits, 0 when off */
	uint8_t sample_mode;
	uint64_t sample_threshold; /* SC_SAMPLE_FRACTION: (1 - F) * 2^56 */
	/* the flight recorder (--ring, --ring-size, --after, --trigger-*) */
	double ring_s;	    /* --ring: seconds kept in memory; 0: off */
	uint64_t ring_bytes; /* --ring-size */
	double after_s;	    /* --after */
};

struct kernel;
struct flight_trigger;

/* ---- capture_kernel.c ------------------------------------------------------------------------ */

struct kernel_opts {
	pid_t self;
	bool trace_all;
	uint32_t ringbuf_bytes;
	bool sel_on;
	const uint64_t *sel_bits; /* SC_SEL_WORDS words when sel_on */
	bool only_in_span;
	uint32_t snaplen;
	uint8_t sample_mode;
	uint64_t sample_threshold;
	uint64_t cgroup_id;    /* with trace_all: only this cgroup v2 and those below it (0: all) */
	uint32_t cgroup_level; /* its depth below the root */
};

typedef int (*kernel_event_fn)(void *ctx, const void *data, size_t len);

/* Opens, configures, loads and attaches. NULL with errno set and a message in err. */
struct kernel *kernel__open(const struct kernel_opts *o, kernel_event_fn fn, void *ctx, char *err,
			    size_t errlen);
/* Sets (or replaces) the configuration of one process: it becomes observed. */
int kernel__observe(struct kernel *k, uint32_t tgid, const struct sc_proc_cfg *cfg);
/* Reads the configuration of a process; -ENOENT when it is not observed. */
int kernel__lookup(struct kernel *k, uint32_t tgid, struct sc_proc_cfg *cfg);
/* Consumes every event available. Returns events consumed or a negative errno. */
int kernel__consume(struct kernel *k);
/* Waits up to ms for a wakeup, then consumes. */
int kernel__poll(struct kernel *k, int ms);
/* Per-CPU counters: vals[cpu * SC_CNT_MAX + id]; returns the CPU count or a negative errno. */
int kernel__counters(struct kernel *k, uint64_t *vals, size_t n_vals);
int kernel__ncpus(const struct kernel *k);
/* Fork children the BPF program reads without task storage now (its `deferred` map). */
uint32_t kernel__deferred(const struct kernel *k);
/* Removes a process from the map (it is gone); -ENOENT when it was not there. */
int kernel__forget(struct kernel *k, uint32_t tgid);
/* Sets the rule of the executable (inode ino on device dev, as an EXEC event's facts give
 * them; map exe_rules, bpf/spancap_abi.h): kind NONE, it defines no thread context; STATIC, the
 * layout the BPF program installs at its execs. NULL forgets it (its execs wake user space).
 * 0 or -errno. */
int kernel__exe_rule(struct kernel *k, uint64_t ino, uint32_t dev, const struct sc_proc_cfg *rule);
/* The rule the kernel holds for that executable: 0, or -ENOENT. */
int kernel__exe_rule_lookup(struct kernel *k, uint64_t ino, uint32_t dev, struct sc_proc_cfg *rule);
/* Map iteration: *next after prev (prev NULL: the first); 1, 0 at the end, or -errno. */
int kernel__next_pid(struct kernel *k, const uint32_t *prev, uint32_t *next);
void kernel__close(struct kernel *k);

/* ---- capture_records.c ----------------------------------------------------------------------- */

/*
 * What a FORK or EXEC event says of a process (docs/PROCESS_FACTS.md): the kernel's facts,
 * its command name and its argument block, so that its PROCESS record reads no /proc file but
 * the links of its image and root, from image_pid: at a fork the forking parent, whose image
 * and root the child shares until it execs or changes root; at an exec the process itself.
 */
struct proc_facts {
	struct sc_proc_facts k;
	uint32_t image_pid;
	char comm[SC_COMM_LEN + 1];
	bool argv_whole; /* argv is the block /proc/PID/cmdline reads; else that file is read */
	uint16_t argv_len;
	char argv[SC_PROC_ARGV_MAX];
};

struct recorder;

/*
 * What the recorder tells its owner about the processes its events show, called with ctx; a
 * NULL hook is not called. request_resolve adds reasons (SC_RESOLVE_* bits,
 * bpf/spancap_abi.h) to the pid's pending set; with a reason of SC_RESOLVE_NOW the process is
 * re-resolved before the call returns. event_of comes with a syscall or context event of pid,
 * before its record is written (a process whose OTEL_CTX mapping was not readable yet is
 * resolved again at once). on_fork: flags, the FORK event's SC_PROC_F_* (INHERITED: the
 * kernel copied the parent's entry; NO_ROUTE: that copy had no TLS route; VFORK_OUT: on
 * purpose, a vfork child of a trace left out).
 */
struct proc_facts;
struct recorder_hooks {
	void *ctx;
	void (*request_resolve)(void *ctx, uint32_t pid, uint8_t reasons);
	void (*event_of)(void *ctx, uint32_t pid);
	void (*process_gone)(void *ctx, uint32_t pid);
	void (*on_fork)(void *ctx, uint32_t pid, uint32_t ppid, uint16_t flags,
			const struct proc_facts *f);
	/* a new image (f NULL when the event carried no facts): resolve pid again */
	void (*on_exec)(void *ctx, uint32_t pid, const struct proc_facts *f);
};

/* Creates path (the first file) and writes its SECTION record; hooks (copied) may be NULL. */
struct recorder *recorder__open(const struct capture_opts *o, const struct recorder_hooks *hooks,
				const char *path, int argc, char **argv, char *err, size_t errlen);
/* The same on a descriptor fd (a flight recorder segment), named path in messages; fd is not
 * closed by the recorder. */
struct recorder *recorder__open_fd(const struct capture_opts *o, const struct recorder_hooks *hooks,
				   const char *path, int fd, int argc, char **argv, char *err,
				   size_t errlen);
/*
 * From now on (this file and those after rotations) compresses and writes on a thread of its
 * own when the process may run on two CPUs or more: the thread gets the capabilities of the
 * caller as they are now, so call it after dropping them. false: compression stays inline
 * (uncompressed, one CPU, or the thread could not start).
 */
bool recorder__compress_thread(struct recorder *r);
/*
 * Ends the current file (END record, stop reason ROTATE) and starts path with a new SECTION
 * record of the same capture; the caller then writes the metadata of every process. On error
 * the recorder has no file left: the caller stops.
 */
int recorder__rotate(struct recorder *r, const char *path, char *err, size_t errlen);
/* The same onto a descriptor (see recorder__open_fd). */
int recorder__rotate_fd(struct recorder *r, const char *path, int fd, char *err, size_t errlen);
/* --ring: the triggers evaluated on every SYSCALL record written (t must outlive r); how many
 * fired since the last call; the ring's counters (SCF_CNT_RING_TRIGGERS .. _OVERFLOWS, in
 * order) as END records and recorder__counter() report them. */
void recorder__set_trigger(struct recorder *r, const struct flight_trigger *t);
uint64_t recorder__take_triggers(struct recorder *r);
/* Whether a syscall record fired a trigger that recorder__take_triggers() has not taken. */
bool recorder__triggered(const struct recorder *r);
void recorder__set_ring(struct recorder *r, const uint64_t vals[4]);
bool recorder__ring_on(const struct recorder *r);
/* Compressed bytes written to the current file so far. */
uint64_t recorder__file_bytes(const struct recorder *r);
/* The first write error of the current file (negative errno, its message in msg), or 0. */
int recorder__error(const struct recorder *r, const char **msg);
/* wall clock ns of a CLOCK_BOOTTIME ns value */
uint64_t recorder__wall(const struct recorder *r, uint64_t boot_ns);
uint64_t recorder__now_wall(const struct recorder *r);
/* Appends an encoded record; counts write drops. */
int recorder__append(struct recorder *r, uint64_t ts, const void *rec, size_t len);
/* One kernel event; returns 0 (unknown or bad events are counted and skipped). */
int recorder__event(struct recorder *r, const void *data, size_t len);
/* Compares kernel counters with the last call and writes LOSS records for the increases. */
void recorder__counters(struct recorder *r, const uint64_t *vals, int ncpus);
/* Writes the END record (with every counter) and closes the file. */
int recorder__close(struct recorder *r, uint8_t stop_reason, bool clean, char *err, size_t errlen);
void recorder__tick(struct recorder *r);
/* What the capture has done so far (recorder__totals()). */
struct recorder_totals {
	uint64_t syscalls; /* syscall events written (what -c counts) */
	/* kernel events whose records reached the file (readable: FORMAT.md 2; flush first to
	 * count what is buffered or still being compressed); those past -c are neither written
	 * nor lost */
	uint64_t written;
	/* events dropped: in the kernel (ring buffer, map full) and in user space (write errors,
	 * including the events of a frame a write error left unfinished) */
	uint64_t lost;
};
void recorder__totals(const struct recorder *r, struct recorder_totals *t);

/* The total of a counter as the END record would write it (sum over CPUs), by SCF_CNT_* id. */
uint64_t recorder__counter(const struct recorder *r, uint32_t scf_id);
/* Writes what is buffered (compressed bytes then count in SCF_CNT_BYTES). */
void recorder__flush(struct recorder *r);

/* ---- capture_scan.c -------------------------------------------------------------------------- */

/* The next entry of a /proc directory (/proc, PID/task, PID/fd) whose name is a number: 1 with
 * it in *v, 0 at the end. */
int proc_dir_next(DIR *d, long *v);
/* True when pid has exited and waits to be reaped (state Z or X in /proc/PID/stat): its
 * address space is gone, and a resolution would describe an empty process. */
bool proc_exited(pid_t pid);

/* Writes a PROCESS record for pid with its resolution (res may be NULL); origin is enum
 * scf_proc_origin; ppid is used when /proc no longer has the process (0: unknown). */
int scan_write_process(struct recorder *r, pid_t pid, pid_t ppid, uint8_t origin,
		       const struct ctxsrc_result *res, const struct proc_facts *f);
/* Writes THREAD (SEEN) records for every thread of pid. */
int scan_write_threads(struct recorder *r, pid_t pid);
/* Writes FD records for every open descriptor of pid (socket addresses from /proc/net). */
int scan_write_fds(struct recorder *r, pid_t pid);
/* Calls fn for every live process (numeric /proc entries but the caller's own). */
int scan_pids(void (*fn)(void *ctx, pid_t pid), void *ctx);

/* ---- capture_output.c ----------------------------------------------------------------------- */

struct output {
	const char *base;  /* the name given to -w */
	size_t stem_len;   /* base up to the extension */
	bool rotating;	   /* -C or -G */
	uint64_t size_limit;
	uint64_t period_ns;
	uint64_t next_ns; /* CLOCK_MONOTONIC time of the next -G rotation; 0: none */
	unsigned ring;	  /* -W */
	uint64_t seq;	  /* number of the current file */
	char path[4096];  /* the current file */
};

int output__init(struct output *out, const struct capture_opts *o, char *err, size_t errlen);
/* The name of file number seq of the series. */
int output__name(const struct output *out, uint64_t seq, char *buf, size_t len);
/* A file was started at now_ns (CLOCK_MONOTONIC). */
void output__started(struct output *out, uint64_t now_ns);
bool output__due(const struct output *out, uint64_t file_bytes, uint64_t now_ns);
/* Moves path to the next name of the series. */
int output__advance(struct output *out);
/* With -W COUNT, removes the file that fell out of the ring. */
int output__prune(struct output *out, char *err, size_t errlen);
/* With rotation, checks that the files' directory can be written with the privileges spancap
 * keeps after attaching (called after dropping the others). */
int output__check_dir(const struct output *out, char *err, size_t errlen);

/* ---- proc_table.c --------------------------------------------------------------------------- */

#define PTAB_EMPTY 0u /* pid 0 is never a key */

struct ptab_entry {
	uint32_t pid;
	uint8_t status; /* enum scf_ctx_status */
	bool has_pctx;	/* the last PROCESS record carries an OTEP 4719 process context */
	struct sc_proc_cfg cfg;
	uint64_t pctx_published_ns; /* ... published at this time (its header's stamp) */
	uint64_t desc_hash;	    /* hash of what the last PROCESS record says (0: none) */
	uint64_t last_now_ns;	    /* CLOCK_MONOTONIC time of its last immediate resolution */
};

struct proc_table;

/* A table of slots entries (a power of 2); it holds at most slots - 1 processes. */
struct proc_table *ptab__new(uint32_t slots);
void ptab__free(struct proc_table *t);
struct ptab_entry *ptab__find(struct proc_table *t, uint32_t pid);
/* Finds or adds pid (a new entry is zeroed but for pid); NULL when full or pid is 0. */
struct ptab_entry *ptab__insert(struct proc_table *t, uint32_t pid);
/* Returns true when pid was there. Entries may move: pointers from find/insert are invalid. */
bool ptab__remove(struct proc_table *t, uint32_t pid);
uint32_t ptab__count(const struct proc_table *t);
/* Iterator: *pos = 0 first; returns 1 and *e, or 0 at the end. No removal while iterating. */
int ptab__next(const struct proc_table *t, uint32_t *pos, const struct ptab_entry **e);

/* ---- flight_ring.c ---------------------------------------------------------------------------- */

/* One segment of the ring: a whole spancap file (SECTION, process state, records, END). */
struct fring_seg {
	int fd;		   /* the memfd holding it, owned by the ring */
	uint64_t id;	   /* 1, 2, ... in the order segments were started */
	uint64_t start_ns; /* when it was started (the clock the caller passes to evict) */
	uint64_t bytes;	   /* its size as of the last fring__sync() */
	bool open;	   /* the newest: the recorder is writing it */
};

/* Where a trigger file stands in the ring: the next byte to copy is byte off of segment id. */
struct fring_cursor {
	uint64_t id;
	uint64_t off;
};

struct flight_ring;

/* A ring of at most max_bytes that keeps window_ns; NULL when out of memory. */
struct flight_ring *fring__new(uint64_t max_bytes, uint64_t window_ns);
void fring__free(struct flight_ring *f);
/* Starts a new open segment (the previous one is closed): returns its memfd, or -errno. */
int fring__start(struct flight_ring *f, uint64_t start_ns);
/* Takes the current sizes of the segments that can still grow. 0 or -errno. */
int fring__sync(struct flight_ring *f);
/* Drops the oldest closed segments while the ring holds more than max_bytes or the segments
 * after the oldest still cover window_ns before now_ns; never the open segment nor one whose
 * id is pin_from or later (UINT64_MAX: none pinned). Returns how many were dropped. */
size_t fring__evict(struct flight_ring *f, uint64_t now_ns, uint64_t pin_from);
uint64_t fring__bytes(const struct flight_ring *f);
size_t fring__count(const struct flight_ring *f);
/* Segment i, oldest first; NULL past the end. */
const struct fring_seg *fring__seg(const struct flight_ring *f, size_t i);
/* Segments and bytes dropped so far; overflow: dropped for room while still in the window. */
uint64_t fring__dropped_segs(const struct flight_ring *f);
uint64_t fring__dropped_bytes(const struct flight_ring *f);
uint64_t fring__overflow_segs(const struct flight_ring *f);
/* Writes to out_fd what the segments hold past *c (as of the last sync; the open segment only
 * when with_open), advancing *c; a cursor whose segment is no longer there starts at the
 * oldest one after it. 0 or -errno. */
int fring__copy_new(const struct flight_ring *f, struct fring_cursor *c, int out_fd,
		    bool with_open);

/* ---- flight_trigger.c ------------------------------------------------------------------------- */

#define FTRIG_ERRNO_MAX 4096

struct flight_trigger {
	bool on_error;		    /* --trigger-error */
	bool any_errno;		    /* ... the class any */
	uint64_t errnos[FTRIG_ERRNO_MAX / 64]; /* ... else these */
	uint64_t slow_ns;	    /* --trigger-slow; 0: off */
};

/* Adds "ERRNO[,ERRNO...]" (names such as ENOENT, numbers 1 to 4095, or the class any) to
 * t. 0, or -EINVAL with the reason in err. */
int ftrig__parse_errors(struct flight_trigger *t, const char *arg, char *err, size_t errlen);
/* Whether a SYSCALL record (its body and record flags) fires a trigger: it ran inside a span
 * (SCF_SYSCALL_F_CTX) and failed with a chosen errno, or took longer than slow_ns. */
bool ftrig__match(const struct flight_trigger *t, const struct scf_syscall *s, uint16_t flags);

/* ---- capture_stats.c ------------------------------------------------------------------------ */

struct stats {
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	uint64_t interval_ns;
	uint64_t next_ns;
	uint64_t prev_ns;
	uint64_t prev_events;
};

void stats__init(struct stats *s, double interval_s, uint64_t now_ns);
bool stats__due(const struct stats *s, uint64_t now_ns);
/* One line of key=value counters (names of scf_counter_name) on f; final marks the last. */
void stats__print(struct stats *s, FILE *f, const struct recorder *r, const struct proc_table *t,
		  uint64_t now_ns, bool final);

/* ---- exe_rules.c ---------------------------------------------------------------------------- */

/* After the resolution res of an exec of the executable (ino, dev): sets its rule in the kernel
 * (none, static, or forgotten) and keeps what a record says of a static one. */
void exe_rules_learn(struct kernel *k, uint64_t ino, uint32_t dev,
		     const struct ctxsrc_result *res);
/* true with out's status, model, cfg and module filled when the executable has a static rule
 * the kernel still holds (and so installed at an exec of it). */
bool exe_rules_static(struct kernel *k, uint64_t ino, uint32_t dev, struct ctxsrc_result *out);

/* ---- cgroup_paths.c ------------------------------------------------------------------------- */

/* The path /proc/PID/cgroup shows for the cgroup v2 id (learnt), or NULL. */
const char *cgroup_path_of(uint64_t id);
/* Keeps path for id when the directory at path is that cgroup. */
void cgroup_path_learn(uint64_t id, const char *path);

/* ---- cgroup_select.c ------------------------------------------------------------------------ */

/* --cgroup PATH, --container ID: a cgroup v2 directory and everything below it. */
struct cgroup_sel {
	char path[4096]; /* relative to the cgroup v2 root, "/" for the root itself */
	uint64_t id;	 /* its cgroup id (the directory's inode) */
	uint32_t level;	 /* its depth below the root (0: the root) */
};

/* Resolves path (absolute under the cgroup v2 mount, or relative to its root) or, when path is
 * NULL, the cgroup of the container whose id starts with container. 0, or -1 and err. */
/* The mount point of the cgroup v2 hierarchy, from /proc/self/mountinfo; 0 or -errno. */
int cgroup_v2_mount(char *mnt, size_t len);
int cgroup_select_resolve(const char *path, const char *container, struct cgroup_sel *s,
			  char *err, size_t errlen);
/* True when pid's cgroup v2 (/proc/PID/cgroup) is s or below it. */
bool cgroup_select_has_pid(const struct cgroup_sel *s, pid_t pid);

/* ---- capture_privs.c ------------------------------------------------------------------------ */

#define PRIVS_MAX_GROUPS 256

struct privs_user {
	bool set;
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[PRIVS_MAX_GROUPS];
	char name[64];
};

/*
 * Checks, before anything is loaded, that the effective set allows loading the probes
 * (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) and reading processes (CAP_SYS_PTRACE).
 * Returns 0, or -EPERM (or the error of reading the set) with the one line to print in err.
 */
int privs__check_start(char *err, size_t errlen);
/* The capabilities kept after attach (kill_child: the command runs as another user). */
uint64_t privs__kept(bool kill_child);
/* Keeps only `keep` (of what is permitted), clears the rest and sets no-new-privs. */
int privs__drop(uint64_t keep, char *err, size_t errlen);
/* Resolves -Z USER (a name or a numeric uid) before the fork. */
int privs__lookup_user(const char *name, struct privs_user *u, char *err, size_t errlen);
/* In the command's process before exec: its identity, without spancap's capabilities. */
int privs__become(const struct privs_user *u);

#endif /* SPANCAP_CAPTURE_H */
