// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture.c - spancap: records the syscalls of processes that publish OpenTelemetry thread
 * context, each with the trace and span active on its thread, into a spancap file.
 *
 * Flow: options and capabilities; the file and its SECTION record; the BPF programs, after
 * which every capability but those reading other processes need is dropped; the processes to
 * observe (given pids, every process, or a command started here and held until
 * the programs are attached); then a loop that consumes the ring buffer on a short timer,
 * re-resolves processes when they exec, map executable code or publish a process context, and
 * turns counter increases into LOSS records, prints --stats lines and sweeps the state of
 * processes that are gone; on stop, a drain, the END record and one summary line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "syscall_select.h"

#define PENDING_MAX 256
#define EXIT_USAGE 2 /* a bad command line; 1 is a failure while capturing */
#define RETRY_MAX 64
#define RETRY_ATTEMPTS 8
#define RETRY_FIRST_NS 2000000ull
#define DRAIN_MAX_NS 2000000000ull

/* A process waiting for its resolution at the end of the poll tick. */
struct pending_resolve {
	uint32_t pid;
	uint8_t reasons;	  /* SC_RESOLVE_* bits: a set, never one reason */
	struct proc_facts *facts; /* the last exec's, for its PROCESS record (or NULL) */
};

static uint64_t mono_ns(void);
static void retry_due(uint64_t now);
static struct pending_resolve *capture_request_resolve(uint32_t pid, uint8_t reasons);
static void capture_event_of(uint32_t pid);
static void capture_process_gone(uint32_t pid);
static void capture_on_fork(uint32_t pid, uint32_t ppid, uint16_t flags,
			    const struct proc_facts *f);
static void capture_on_exec(uint32_t pid, const struct proc_facts *f);

static struct {
	struct capture_opts o;
	const char *cgroup_arg, *container_arg; /* --cgroup PATH, --container ID */
	bool cgroup_on;
	struct cgroup_sel cg;
	struct kernel *k;
	struct recorder *r;
	pid_t child;
	int child_status;
	bool child_done;
	volatile sig_atomic_t stop_signal;
	volatile sig_atomic_t n_signals;
	struct output out;
	struct pending_resolve pending[PENDING_MAX];
	size_t n_pending;
	struct {
		uint32_t pid;
		uint8_t attempt;
		uint64_t due_ns;
	} retry[RETRY_MAX];
	size_t n_retry;
	uint32_t recheck_pos; /* where the periodic re-check goes on in the process table */
	uint64_t next_recheck_ns;
	uint64_t resolve_overflow;
	uint64_t *cnt;
	int ncpus;
	struct proc_table *ptab;
	struct privs_user user; /* -Z USER, resolved before the fork */
	struct stats stats;
	uint64_t next_reclaim_ns;
	/* the flight recorder (--ring) */
	struct {
		struct flight_ring *ring;
		struct flight_trigger trig;
		volatile sig_atomic_t usr1; /* SIGUSR1 received */
		sig_atomic_t usr1_seen;
		uint64_t period_ns;	/* a new segment this often ... */
		uint64_t seg_bytes;	/* ... or once the open one holds this much */
		uint64_t next_seg_ns;	/* CLOCK_MONOTONIC */
		uint64_t triggers;
		uint64_t files;		/* trigger files written */
		uint64_t file_errors;	/* trigger files a write error cut short */
		int fd;			/* the trigger file being written; -1: none */
		struct fring_cursor cur; /* what of the ring it holds */
		uint64_t next_unwritten;  /* the first segment no trigger file holds */
		uint64_t after_end_ns;	/* CLOCK_MONOTONIC end of its --after period */
		uint64_t after_cap_ns;	/* ... which triggers extend up to this */
		bool cut_batch;		/* a trigger ends the ring buffer batch (run loop) */
	} fr;
} g;

/* Slots of the process table: twice the kernel map, so probe runs stay short. */
#define PTAB_SLOTS (2u * SC_PROCS_MAX)

static void remember_proc(uint32_t pid, uint8_t status, const struct sc_proc_cfg *cfg)
{
	struct ptab_entry *e = ptab__insert(g.ptab, pid);

	if (e) {
		e->status = status;
		e->cfg = *cfg;
		/* what the process context was is for observe() to say */
		e->has_pctx = false;
		e->pctx_published_ns = 0;
		e->desc_hash = 0;
	}
}

/* The recorder's view of the processes reaches the resolution above through these. */
static void hook_request_resolve(void *ctx, uint32_t pid, uint8_t reasons)
{
	(void)ctx;
	capture_request_resolve(pid, reasons);
}

static void hook_event_of(void *ctx, uint32_t pid)
{
	(void)ctx;
	capture_event_of(pid);
}

static void hook_process_gone(void *ctx, uint32_t pid)
{
	(void)ctx;
	capture_process_gone(pid);
}

static void hook_on_fork(void *ctx, uint32_t pid, uint32_t ppid, uint16_t flags,
			 const struct proc_facts *f)
{
	(void)ctx;
	capture_on_fork(pid, ppid, flags, f);
}

static void hook_on_exec(void *ctx, uint32_t pid, const struct proc_facts *f)
{
	(void)ctx;
	capture_on_exec(pid, f);
}

static const struct recorder_hooks recorder_hooks = {
	.request_resolve = hook_request_resolve,
	.event_of = hook_event_of,
	.process_gone = hook_process_gone,
	.on_fork = hook_on_fork,
	.on_exec = hook_on_exec,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: spancap -w FILE [OPTIONS] (-p PID[,PID...] | --all | --cgroup PATH |\n"
		"                                  --container ID | -- CMD [ARGS...])\n"
		"\n"
		"Records the syscalls of processes, each with the OpenTelemetry trace and span\n"
		"active on its thread (OTEP 4947 thread context, OTEP 4719 process context), into\n"
		"a spancap file: pcapng, zstd-compressed unless -u. spancap-analyze reads it.\n"
		"\n"
		"Process selection (exactly one of -p, --all, --cgroup, --container, -- CMD):\n"
		"  -p, --pid PID[,PID...]   these processes (at most %d) and those they fork;\n"
		"                           the capture ends when all of them have exited\n"
		"      --all                every process on the host but spancap itself; only a\n"
		"                           signal or a limit ends the capture\n"
		"      --cgroup PATH        as --all, only the processes of this cgroup v2 and of\n"
		"                           those below it (filtered in the kernel): a path under\n"
		"                           the cgroup v2 mount, or relative to its root as in\n"
		"                           /proc/PID/cgroup (system.slice/app.service)\n"
		"      --container ID       as --cgroup, the cgroup of the container whose id\n"
		"                           starts with ID (at least 4 hex digits): a directory\n"
		"                           named ID, docker-ID.scope, libpod-ID.scope,\n"
		"                           cri-containerd-ID.scope or crio-ID.scope\n"
		"  -- CMD [ARGS...]         start CMD once the probes are attached, record it and\n"
		"                           its descendants, stop when it exits; with -w -, CMD's\n"
		"                           standard output goes to spancap's standard error\n"
		"  -Z, --user USER          run CMD as USER (a name or a uid) with USER's groups;\n"
		"                           default: the invoking user (see Privileges)\n"
		"\n"
		"Which syscalls (filtered in the kernel):\n"
		"  -e, --events SEL[,SEL]   only these syscalls (repeatable): x86_64 syscall\n"
		"                           names, classes (%%file %%net %%process %%memory\n"
		"                           %%time %%sync %%ipc %%other), groups across them\n"
		"                           (%%fd %%signal %%ids) or %%all: the syntax of\n"
		"                           spancap-analyze's syscall selection;\n"
		"                           fork, exec and exit are always recorded, and so are\n"
		"                           the calls that make spancap resolve a process\n"
		"                           again: executable mmaps, prctl(PR_SET_VMA), mmaps\n"
		"                           of the OTEL_CTX memfd, munmaps of the OTEL_CTX\n"
		"                           mapping\n"
		"      --only-in-span       only syscalls made while the thread has a valid context\n"
		"                           (and those whose context could not be read)\n"
		"      --sample-traces F    only the syscalls of a fraction F (1e-09 to 1) of the\n"
		"                           traces, chosen from the trace id alone: every host\n"
		"                           and process with the same F keeps the same traces\n"
		"                           whole (the trace id's last 7 bytes, big-endian, at\n"
		"                           least (1 - F) * 2^56, as OpenTelemetry's consistent\n"
		"                           probability sampling; spancap(8), TRACE SAMPLING)\n"
		"      --sampled-only       only the syscalls of traces whose W3C sampled flag\n"
		"                           is set. With either, syscalls outside spans follow\n"
		"                           --only-in-span, but a process started in a trace\n"
		"                           left out is left out with it outside its own spans;\n"
		"                           fork, exec and exit of a trace left out are recorded\n"
		"                           without their context; those left out are counted\n"
		"                           (sampled_out), never lost\n"
		"  -s, --snaplen N          keep at most N bytes (1 to %d) of each path, argv\n"
		"                           string and exec argument block; longer ones are\n"
		"                           flagged truncated\n"
		"\n"
		"Output:\n"
		"  -w, --write FILE         the capture file, created mode 0600, never through a\n"
		"                           symbolic link; - is standard output (not a terminal).\n"
		"                           The first record is written before anything runs: a\n"
		"                           target that takes no data (/proc/version) is refused\n"
		"  -u, --uncompressed       plain pcapng instead of zstd-compressed\n"
		"  A compressed FILE whose name does not end in .zst, or a -u FILE whose name\n"
		"  does, gets a warning (not under -q); the file is written all the same.\n"
		"      --compress-level N   zstd level: 1 (the default) to 19 for smaller files,\n"
		"                           -7 to -1 for less CPU\n"
		"      --compress-inline    compress on the thread that reads the kernel's events;\n"
		"                           by default a second thread compresses and writes\n"
		"                           when spancap may run on two CPUs or more\n"
		"  -C, --file-size SIZE     rotate: a new file once the current one holds SIZE\n"
		"                           bytes (k, M, G suffixes; 4k to 1024G)\n"
		"  -G, --rotate-seconds S   rotate: a new file every S seconds (0.1 to 10000000)\n"
		"  -W, --file-count N       with -C, -G or --ring: keep only the last N files,\n"
		"                           removing the oldest (1 to 1000000)\n"
		"  With -C or -G the files are named FILE with a sequence number before its\n"
		"  extension: -w app.pcapng.zst writes app-000001.pcapng.zst, app-000002...,\n"
		"  so that names sort in time order. Each file starts with the host, every\n"
		"  recorded process (its resolution, resource attributes and key map), its\n"
		"  threads and open fds: spancap-analyze reads any one of them alone. Counters in\n"
		"  a file's END record are the capture's totals so far; records and bytes are the\n"
		"  file's. The files' directory must be writable without CAP_DAC_OVERRIDE\n"
		"  (spancap has dropped it when it rotates): that is checked before anything\n"
		"  runs.\n"
		"\n"
		"Flight recorder (nothing is written until a trigger):\n"
		"      --ring SECONDS       keep the last SECONDS (0.1 to 86400) of the capture\n"
		"                           in memory, compressed; on a trigger, write them and\n"
		"                           what follows (--after) to the next file of a series\n"
		"                           named as -C names them (-w app.pcapng.zst:\n"
		"                           app-000001.pcapng.zst, ...; -W keeps the last N)\n"
		"      --ring-size SIZE     at most SIZE bytes in memory (k, M, G; 256k to 1024G;\n"
		"                           default 64M): the oldest part goes first when full\n"
		"      --after SECONDS      what follows a trigger, 0 to 86400 (default 1); a\n"
		"                           trigger during it extends it, up to four times\n"
		"                           --after past the file's first trigger; a trigger\n"
		"                           after that starts a new file (no record in two)\n"
		"      --trigger-error E[,E...]  a syscall inside a span failing with errno E: a\n"
		"                           name (ENOENT), a number (1 to 4095), or any\n"
		"      --trigger-slow MS    a syscall inside a span that took longer than MS ms\n"
		"  SIGUSR1 is a trigger too. The memory holds segments of SECONDS/4 (0.25 to\n"
		"  60 s), each started as -C starts a file (every process, its threads and fds),\n"
		"  and drops the oldest whole: a file holds between SECONDS and SECONDS plus a\n"
		"  segment before its trigger, less when SIZE was too small (ring_overflows).\n"
		"\n"
		"Limits (the first one reached stops the capture; default: none):\n"
		"  -c, --count N            stop after exactly N syscall records (1 to 10^12)\n"
		"      --duration SECONDS   stop after SECONDS (a decimal number, 0.001 to\n"
		"                           10000000)\n"
		"  A value out of range (negative, too large, inf, nan) is refused.\n"
		"\n"
		"Reporting (on standard error):\n"
		"  -q, --quiet              errors only: no summary line (--stats still prints)\n"
		"      --stats[=SECONDS]    live counters every SECONDS (default 1), then a line\n"
		"                           starting \"spancap: stats final\"; counters are named\n"
		"                           as in the file's END record (records, bytes, events,\n"
		"                           ringbuf_drops, map_full, write_drops, arg_faults,\n"
		"                           ctx_faults, ctx_invalid, unmatched, sampled_out; with\n"
		"                           --ring also ring_triggers, ring_dropped_sections,\n"
		"                           ring_dropped_bytes, ring_overflows), plus syscalls,\n"
		"                           events/s (since the previous line; on the final\n"
		"                           line, over the whole capture), procs (processes\n"
		"                           with an installed configuration) and resolved (their\n"
		"                           context located)\n"
		"  -v, --verbose            report each resolution and re-resolution; with\n"
		"                           trace sampling, at the end, the fork children still\n"
		"                           read without task storage (0 once they are gone)\n"
		"  -h, --help               this text\n"
		"  -r FILE                  refused: spancap writes captures, spancap-analyze\n"
		"                           reads them (spancap-analyze info FILE)\n"
		"      --version            the version of spancap and of its file format\n"
		"\n"
		"Tuning:\n"
		"      --tick-ms MS         ring-buffer polling period, 1 to 1000 (default 20)\n"
		"      --ringbuf-size BYTES kernel ring buffer, a power of 2 from 4096 to 2^30\n"
		"                           (default %u)\n"
		"      --sched POLICY       how spancap's own threads are scheduled (never CMD):\n"
		"                           normal (the default): as any process; low: after\n"
		"                           the processes they record (SCHED_BATCH, nice 19),\n"
		"                           which keeps spancap out of their latency (always-on\n"
		"                           capture with --sample-traces); idle: only on a CPU\n"
		"                           with nothing else to run. With low or idle, on a\n"
		"                           host whose CPUs are all busy spancap falls behind:\n"
		"                           the ring buffer holds the backlog, what does not fit\n"
		"                           is counted (ringbuf_drops)\n"
		"\n"
		"Privileges:\n"
		"  Loading the probes needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); reading\n"
		"  the processes needs CAP_SYS_PTRACE. spancap checks them first and names the\n"
		"  one missing. Once the probes are attached it keeps only CAP_SYS_PTRACE,\n"
		"  CAP_DAC_READ_SEARCH and CAP_CHECKPOINT_RESTORE (and CAP_KILL with -Z, to stop\n"
		"  CMD), drops every other capability from its effective, permitted, ambient and\n"
		"  bounding sets, and sets no-new-privs. CMD never holds spancap's capabilities:\n"
		"  it runs as the invoking user (root's CMD is root) or as -Z USER, with the\n"
		"  environment spancap was given.\n"
		"\n"
		"Signals:\n"
		"  SIGINT, SIGTERM          stop cleanly: drain the ring buffer (for at most 2 s;\n"
		"                           a second signal cuts the drain short), write the END\n"
		"                           record, close the file; CMD, if still running, gets\n"
		"                           SIGTERM\n"
		"  SIGPIPE                  ignored: a closed output pipe is a write error\n"
		"  SIGUSR1                  with --ring: a trigger (writes the next file)\n"
		"\n"
		"Exit status (as strace's with -- CMD):\n"
		"  N    CMD ended by itself: its exit status, or 128+S when a signal S killed it\n"
		"  0    the capture ended cleanly by a signal, a limit or the exit of every -p\n"
		"       process (CMD, if still running, got SIGTERM)\n"
		"  1    a missing capability, an unknown -Z user, or an error while capturing,\n"
		"       such as a full disk (the message names the file; it stays readable up to\n"
		"       the error); with --ring, also a trigger file that could not be written\n"
		"       (the capture went on)\n"
		"  2    bad usage (as spancap-analyze's)\n"
		"  126  CMD could not be run (not executable); 127: CMD was not found. No\n"
		"       capture file is left (nothing of CMD was recorded)\n"
		"\n"
		"Files:\n"
		"  /proc/PID/{maps,mem,exe,root,fd,fdinfo,task,map_files}   what is recorded of\n"
		"                           each process when it is first seen or resolved\n"
		"  /sys/kernel/btf/vmlinux  the kernel's BTF (the probes are BTF tracepoints)\n"
		"\n"
		"Examples:\n"
		"  spancap -w app.pcapng.zst -- ./my-service --port 8080\n"
		"  spancap -w app.pcapng.zst -Z www-data -- ./my-service\n"
		"  spancap -w app.pcapng.zst -p 1234,5678 --duration 60 --stats=5\n"
		"  spancap -q -w all.pcapng.zst --all -c 1000000\n"
		"  spancap -w /var/tmp/app.pcapng.zst -C 100M -W 10 --all\n"
		"  spancap -w /var/tmp/incident.pcapng.zst --ring 30 --after 5 \\\n"
		"      --trigger-error ECONNREFUSED,EIO -W 20 -p 1234\n"
		"  spancap -w - -- ./my-service | spancap-analyze traces -\n"
		"\n"
		"See spancap(8).\n",
		CAP_MAX_PIDS, SC_STR_MAX - 1, SC_RINGBUF_DEFAULT);
}

static int parse_pids(const char *s)
{
	char *end;

	while (*s) {
		long v = strtol(s, &end, 10);
		if (end == s || v <= 0 || v > 0x3fffffff || (*end && *end != ','))
			return -EINVAL;
		if (g.o.n_pids == CAP_MAX_PIDS)
			return -E2BIG;
		g.o.pids[g.o.n_pids++] = v;
		s = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * Numeric option values. Each option has a documented range; anything outside it (a sign, an
 * overflow, inf, nan, trailing text) is refused rather than wrapped or clamped.
 */
#define COUNT_MAX 1000000000000ull /* -c: 10^12 syscall records */
#define SECONDS_MAX 10000000.0	    /* --duration, -G: about 115 days */
#define FILE_SIZE_MAX (1ull << 40)   /* -C: 1 TiB */
#define RINGBUF_MAX (1u << 30)	    /* --ringbuf-size: 1 GiB */

/* An unsigned decimal integer in [min, max]: digits only, no sign, no blank. */
static int parse_uint(const char *arg, uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

/* A finite decimal number of seconds in [min, max]. */
static int parse_seconds(const char *arg, double min, double max, double *v)
{
	char *end;
	double d;

	if (!((arg[0] >= '0' && arg[0] <= '9') || arg[0] == '.'))
		return -1;
	d = strtod(arg, &end);
	if (end == arg || *end || !isfinite(d) || d < min || d > max)
		return -1;
	*v = d;
	return 0;
}

/* -q, --stats[=SECONDS], -Z USER */
static int parse_report_opt(int c, const char *arg)
{
	switch (c) {
	case 'q':
		g.o.quiet = true;
		return 0;
	case 'Z':
		g.o.user = arg;
		return 0;
	}
	g.o.stats_s = 1;
	if (arg) {
		if (parse_seconds(arg, 0.01, 86400, &g.o.stats_s)) {
			fprintf(stderr,
				"spancap: bad --stats interval '%s' (0.01 to 86400 s)\n", arg);
			return -1;
		}
	}
	return 0;
}

/* SIZE with an optional k, M or G suffix (powers of 1024), at most FILE_SIZE_MAX. */
static int parse_size(const char *arg, uint64_t *v)
{
	char num[32];
	size_t len = strlen(arg);
	unsigned shift = 0;
	uint64_t n;

	if (len && strchr("kKmMgG", arg[len - 1])) {
		shift = strchr("kK", arg[len - 1]) ? 10 : strchr("mM", arg[len - 1]) ? 20 : 30;
		len--;
	}
	if (!len || len >= sizeof(num))
		return -1;
	memcpy(num, arg, len);
	num[len] = 0;
	if (parse_uint(num, 1, FILE_SIZE_MAX >> shift, &n))
		return -1;
	*v = n << shift;
	return 0;
}

/* -C SIZE, -G SECONDS, -W COUNT, --compress-level N */
static int parse_output_opt(int c, const char *arg)
{
	uint64_t n;
	char *end;
	long v;

	switch (c) {
	case 'C':
		if (parse_size(arg, &g.o.rotate_bytes) || g.o.rotate_bytes < 4096) {
			fprintf(stderr,
				"spancap: bad -C size '%s' (bytes, k/M/G suffix, 4k to 1024G)\n",
				arg);
			return -1;
		}
		return 0;
	case 'G':
		if (parse_seconds(arg, 0.1, SECONDS_MAX, &g.o.rotate_seconds)) {
			fprintf(stderr, "spancap: bad -G period '%s' (0.1 to 10000000 seconds)\n", arg);
			return -1;
		}
		return 0;
	case 'W':
		if (parse_uint(arg, 1, 1000000, &n)) {
			fprintf(stderr, "spancap: bad -W count '%s' (1 to 1000000 files)\n", arg);
			return -1;
		}
		g.o.rotate_files = n;
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < -7 || v > 19 || v == 0) {
		fprintf(stderr, "spancap: bad compression level '%s' (-7..-1 or 1..19)\n", arg);
		return -1;
	}
	g.o.compress_level = (int)v;
	return 0;
}

enum {
	OPT_ALL = 256,
	OPT_DURATION,
	OPT_TICK,
	OPT_RINGBUF,
	OPT_SCHED,
	OPT_VERSION,
	OPT_STATS,
	OPT_LEVEL,
	OPT_COMPRESS_INLINE,
	OPT_ONLY_IN_SPAN,
	OPT_SAMPLE_TRACES,
	OPT_SAMPLED_ONLY,
	OPT_CGROUP,
	OPT_CONTAINER,
	OPT_RING,
	OPT_RING_SIZE,
	OPT_AFTER,
	OPT_TRIGGER_ERROR,
	OPT_TRIGGER_SLOW,
};

/* ---- kernel-side selection options (-e, --only-in-span, -s, trace sampling) ----------------- */

#define SAMPLE_FRACTION_MIN 1e-9 /* --sample-traces: below this, use --sampled-only or nothing */

/* --sample-traces F: a decimal number in [SAMPLE_FRACTION_MIN, 1], as its threshold. */
static int parse_sample_fraction(const char *arg, uint64_t *threshold)
{
	char *end;
	double f;

	if (!((arg[0] >= '0' && arg[0] <= '9') || arg[0] == '.'))
		return -1;
	f = strtod(arg, &end);
	if (end == arg || *end || !isfinite(f) || f < SAMPLE_FRACTION_MIN || f > 1)
		return -1;
	*threshold = sc_sample_threshold(f);
	return 0;
}

#define RING_SIZE_DEFAULT (64ull << 20)
#define RING_SIZE_MIN (256ull << 10)

/* --ring SECONDS, --ring-size SIZE, --after SECONDS, --trigger-error LIST, --trigger-slow MS */
static int parse_ring_opt(int c, const char *arg)
{
	char err[256];
	double ms;

	switch (c) {
	case OPT_RING:
		if (parse_seconds(arg, 0.1, 86400, &g.o.ring_s)) {
			fprintf(stderr, "spancap: bad --ring '%s' (0.1 to 86400 seconds)\n", arg);
			return -1;
		}
		return 0;
	case OPT_RING_SIZE:
		if (parse_size(arg, &g.o.ring_bytes) || g.o.ring_bytes < RING_SIZE_MIN) {
			fprintf(stderr,
				"spancap: bad --ring-size '%s' (bytes, k/M/G suffix, 256k to "
				"1024G)\n",
				arg);
			return -1;
		}
		return 0;
	case OPT_AFTER:
		if (parse_seconds(arg, 0, 86400, &g.o.after_s)) {
			fprintf(stderr, "spancap: bad --after '%s' (0 to 86400 seconds)\n", arg);
			return -1;
		}
		return 0;
	case OPT_TRIGGER_ERROR:
		if (ftrig__parse_errors(&g.fr.trig, arg, err, sizeof(err))) {
			fprintf(stderr, "spancap: %s\n", err);
			return -1;
		}
		return 0;
	}
	if (parse_seconds(arg, 0.001, SECONDS_MAX, &ms)) {
		fprintf(stderr, "spancap: bad --trigger-slow '%s' (0.001 to 10000000 ms)\n", arg);
		return -1;
	}
	g.fr.trig.slow_ns = (uint64_t)(ms * 1e6);
	return 0;
}

/* ---- kernel-side selection options (-e, --only-in-span, -s) -------------------------------- */

static int parse_selection_opt(int c, const char *arg)
{
	char err[256];
	uint64_t n;

	switch (c) {
	case OPT_SAMPLE_TRACES:
		if (parse_sample_fraction(arg, &g.o.sample_threshold)) {
			fprintf(stderr,
				"spancap: bad --sample-traces fraction '%s' (a decimal number, %g "
				"to 1)\n",
				arg, SAMPLE_FRACTION_MIN);
			return -1;
		}
		g.o.sample_mode |= SC_SAMPLE_FRACTION;
		return 0;
	case OPT_SAMPLED_ONLY:
		g.o.sample_mode |= SC_SAMPLE_FLAGGED;
		return 0;
	case 'e':
		if (syscall_select_parse(arg, g.o.sel_bits, err, sizeof(err))) {
			fprintf(stderr, "spancap: %s\n", err);
			return -1;
		}
		g.o.sel_on = true;
		return 0;
	case OPT_ONLY_IN_SPAN:
		g.o.only_in_span = true;
		return 0;
	case 's':
		if (parse_uint(arg, 1, SC_STR_MAX - 1, &n)) {
			fprintf(stderr, "spancap: bad snaplen '%s' (1..%d bytes)\n", arg,
				SC_STR_MAX - 1);
			return -1;
		}
		g.o.snaplen = n;
		return 0;
	}
	return -1;
}

/*
 * A name that says the other compression misleads whoever opens the file later: said on
 * stderr (not under -q), not refused, since tcpdump never judges a -w name either. Readers
 * (spancap-analyze, tshark) look at the bytes, not the name.
 */
static void warn_name(void)
{
	size_t len = strlen(g.o.out_path);
	bool zst = len > 4 && !strcmp(g.o.out_path + len - 4, ".zst");

	if (g.o.quiet || !strcmp(g.o.out_path, "-") || zst != g.o.uncompressed)
		return;
	if (zst)
		fprintf(stderr,
			"spancap: warning: -u writes plain pcapng, but %s ends in .zst "
			"(name it .pcapng)\n",
			g.o.out_path);
	else
		fprintf(stderr,
			"spancap: warning: %s will be zstd-compressed, but its name does not end "
			"in .zst (name it .pcapng.zst, or give -u for plain pcapng)\n",
			g.o.out_path);
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"write", required_argument, NULL, 'w'},
		{"pid", required_argument, NULL, 'p'},
		{"all", no_argument, NULL, OPT_ALL},
		{"count", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"uncompressed", no_argument, NULL, 'u'},
		{"tick-ms", required_argument, NULL, OPT_TICK},
		{"ringbuf-size", required_argument, NULL, OPT_RINGBUF},
		{"sched", required_argument, NULL, OPT_SCHED},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"quiet", no_argument, NULL, 'q'},
		{"stats", optional_argument, NULL, OPT_STATS},
		{"user", required_argument, NULL, 'Z'},
		{"file-size", required_argument, NULL, 'C'},
		{"rotate-seconds", required_argument, NULL, 'G'},
		{"file-count", required_argument, NULL, 'W'},
		{"compress-level", required_argument, NULL, OPT_LEVEL},
		{"compress-inline", no_argument, NULL, OPT_COMPRESS_INLINE},
		{"events", required_argument, NULL, 'e'},
		{"only-in-span", no_argument, NULL, OPT_ONLY_IN_SPAN},
		{"sample-traces", required_argument, NULL, OPT_SAMPLE_TRACES},
		{"sampled-only", no_argument, NULL, OPT_SAMPLED_ONLY},
		{"cgroup", required_argument, NULL, OPT_CGROUP},
		{"container", required_argument, NULL, OPT_CONTAINER},
		{"snaplen", required_argument, NULL, 's'},
		{"ring", required_argument, NULL, OPT_RING},
		{"ring-size", required_argument, NULL, OPT_RING_SIZE},
		{"after", required_argument, NULL, OPT_AFTER},
		{"trigger-error", required_argument, NULL, OPT_TRIGGER_ERROR},
		{"trigger-slow", required_argument, NULL, OPT_TRIGGER_SLOW},
		{0},
	};
	uint64_t n;
	int c;

	g.o.tick_ms = 20;
	g.o.sched_policy = SCHED_OTHER;
	g.o.after_s = -1; /* not given */
	while ((c = getopt_long(argc, argv, "+w:p:c:uvhqZ:C:G:W:e:s:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
		case 's':
		case OPT_ONLY_IN_SPAN:
		case OPT_SAMPLE_TRACES:
		case OPT_SAMPLED_ONLY:
			if (parse_selection_opt(c, optarg))
				return -1;
			break;
		case 'w':
			g.o.out_path = optarg;
			break;
		case 'p':
			if (parse_pids(optarg)) {
				fprintf(stderr, "spancap: bad pid list '%s' (at most %d pids)\n", optarg,
					CAP_MAX_PIDS);
				return -1;
			}
			break;
		case OPT_ALL:
			g.o.all = true;
			break;
		case OPT_CGROUP:
			g.cgroup_arg = optarg;
			break;
		case OPT_CONTAINER:
			g.container_arg = optarg;
			break;
		case 'c':
			if (parse_uint(optarg, 1, COUNT_MAX, &g.o.max_count)) {
				fprintf(stderr,
					"spancap: bad -c count '%s' (1 to %llu syscall records)\n",
					optarg, COUNT_MAX);
				return -1;
			}
			break;
		case OPT_DURATION:
			if (parse_seconds(optarg, 0.001, SECONDS_MAX, &g.o.duration_s)) {
				fprintf(stderr,
					"spancap: bad --duration '%s' (0.001 to 10000000 "
					"seconds)\n",
					optarg);
				return -1;
			}
			break;
		case 'u':
			g.o.uncompressed = true;
			break;
		case OPT_TICK:
			if (parse_uint(optarg, 1, 1000, &n)) {
				fprintf(stderr, "spancap: bad --tick-ms '%s' (1 to 1000 ms)\n",
					optarg);
				return -1;
			}
			g.o.tick_ms = n;
			break;
		case OPT_SCHED:
			g.o.sched_nice = 0;
			if (!strcmp(optarg, "low")) {
				g.o.sched_policy = SCHED_BATCH;
				g.o.sched_nice = 19;
			} else if (!strcmp(optarg, "normal")) {
				g.o.sched_policy = SCHED_OTHER;
			} else if (!strcmp(optarg, "idle")) {
				g.o.sched_policy = SCHED_IDLE;
			} else {
				fprintf(stderr,
					"spancap: bad --sched '%s' (normal, low or idle)\n",
					optarg);
				return -1;
			}
			break;
		case OPT_RINGBUF:
			if (parse_uint(optarg, 4096, RINGBUF_MAX, &n) || (n & (n - 1))) {
				fprintf(stderr,
					"spancap: bad --ringbuf-size '%s' (a power of 2, 4096 "
					"to %u bytes)\n",
					optarg, RINGBUF_MAX);
				return -1;
			}
			g.o.ringbuf_bytes = n;
			break;
		case 'r':
			fprintf(stderr,
				"spancap: spancap writes captures; read %s with spancap-analyze "
				"(spancap-analyze info %s)\n",
				optarg, optarg);
			return -1;
		case 'v':
			g.o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		case OPT_VERSION:
			printf("spancap %s (spancap format %u.%u)\n", SPANCAP_VERSION, SCF_FORMAT_MAJOR,
			       SCF_FORMAT_MINOR);
			exit(EXIT_SUCCESS);
		case 'q':
		case 'Z':
		case OPT_STATS:
			if (parse_report_opt(c, optarg))
				return -1;
			break;
		case 'C':
		case 'G':
		case 'W':
		case OPT_LEVEL:
			if (parse_output_opt(c, optarg))
				return -1;
			break;
		case OPT_RING:
		case OPT_RING_SIZE:
		case OPT_AFTER:
		case OPT_TRIGGER_ERROR:
		case OPT_TRIGGER_SLOW:
			if (parse_ring_opt(c, optarg))
				return -1;
			break;
		case OPT_COMPRESS_INLINE:
			g.o.compress_inline = true;
			break;
		default:
			fprintf(stderr, "spancap: see --help (or man spancap)\n");
			return -1;
		}
	}
	if (optind < argc)
		g.o.cmd = argv + optind;
	if (!g.o.out_path) {
		fprintf(stderr, "spancap: no output file (-w FILE); see --help\n");
		return -1;
	}
	if (!!g.o.n_pids + !!g.o.all + !!g.o.cmd + !!g.cgroup_arg + !!g.container_arg != 1) {
		fprintf(stderr, "spancap: give exactly one of -p PID, --all, --cgroup PATH, "
				"--container ID, -- CMD; see --help\n");
		return -1;
	}
	if (g.cgroup_arg || g.container_arg) {
		char err[sizeof(g.cg.path) + 256];

		if (cgroup_select_resolve(g.cgroup_arg, g.container_arg, &g.cg, err, sizeof(err))) {
			fprintf(stderr, "spancap: %s\n", err);
			return -1;
		}
		/* every process, as --all, but those of other cgroups (decided in the kernel) */
		g.o.all = true;
		g.cgroup_on = true;
	}
	if (g.o.quiet && g.o.verbose) {
		fprintf(stderr, "spancap: -q and -v contradict each other\n");
		return -1;
	}
	if (g.o.rotate_files && !g.o.rotate_bytes && !g.o.rotate_seconds && !g.o.ring_s) {
		fprintf(stderr,
			"spancap: -W COUNT keeps a ring of rotated files: give -C or -G (or "
			"--ring) too\n");
		return -1;
	}
	if (!g.o.ring_s && (g.o.ring_bytes || g.o.after_s >= 0 || g.fr.trig.on_error ||
			    g.fr.trig.slow_ns)) {
		fprintf(stderr, "spancap: --ring-size, --after and --trigger-* apply to --ring "
				"only\n");
		return -1;
	}
	if (g.o.ring_s && (g.o.rotate_bytes || g.o.rotate_seconds)) {
		fprintf(stderr, "spancap: --ring writes a file per trigger: it cannot rotate "
				"(-C, -G)\n");
		return -1;
	}
	if (g.o.ring_s && !strcmp(g.o.out_path, "-")) {
		fprintf(stderr, "spancap: --ring writes a file per trigger, not standard output\n");
		return -1;
	}
	if (!g.o.ring_bytes)
		g.o.ring_bytes = RING_SIZE_DEFAULT;
	if (g.o.after_s < 0)
		g.o.after_s = g.o.ring_s ? 1 : 0;
	if (g.o.compress_level && g.o.uncompressed) {
		fprintf(stderr, "spancap: --compress-level and -u contradict each other\n");
		return -1;
	}
	if (g.o.user && !g.o.cmd) {
		fprintf(stderr, "spancap: -Z USER applies to -- CMD only\n");
		return -1;
	}
	warn_name();
	return 0;
}

/* ---- reclaiming the state of dead processes ------------------------------------------------ */

/*
 * Exit events normally remove a process from the table and the kernel map (the BPF program
 * deletes its entry when the last thread exits). Two cases escape them: an exit event lost
 * with a full ring buffer, and a process that exits while user space resolves it (the
 * resolution installs an entry the kernel already had no reason to delete). A periodic sweep
 * removes every entry, in both, whose process no longer exists: kill(pid, 0) fails with ESRCH
 * once the process is reaped (a zombie is kept until then).
 */
#define RECLAIM_PERIOD_NS 2000000000ull
#define RECLAIM_BATCH 4096

static bool pid_gone(uint32_t pid)
{
	return kill((pid_t)pid, 0) && errno == ESRCH;
}

static void forget(uint32_t pid)
{
	ptab__remove(g.ptab, pid);
	kernel__forget(g.k, pid);
}

static void reclaim_dead(void)
{
	static uint32_t dead[RECLAIM_BATCH];
	const struct ptab_entry *e;
	uint32_t pos = 0, key, *prev = NULL, steps = 0;
	size_t n = 0;

	while (n < RECLAIM_BATCH && ptab__next(g.ptab, &pos, &e))
		if (pid_gone(e->pid))
			dead[n++] = e->pid;
	/* A key the kernel deletes under the walk restarts it from the first: bound the steps. */
	while (n < RECLAIM_BATCH && steps++ < 2 * SC_PROCS_MAX &&
	       kernel__next_pid(g.k, prev, &key) == 1) {
		if (pid_gone(key))
			dead[n++] = key;
		prev = &key;
	}
	/*
	 * Removed after the walks: a deletion would move entries under the iterators. Each pid is
	 * looked at again first: the walks take a while, and a pid freed since may now be a new
	 * process's, whose entry the fork hook made (an observed parent's child) and must keep.
	 * What remains is the instant between that look and the deletion.
	 */
	for (size_t i = 0; i < n; i++)
		if (pid_gone(dead[i]))
			forget(dead[i]);
}

/*
 * The periodic re-check: a publication no syscall announced (an update of a memfd mapping
 * never named with prctl, a mapping replaced with MAP_FIXED, a request lost to a full pending
 * set, a header still being written when the retries ran out) or an exec whose event was lost
 * is seen within a few periods.
 * Each period looks at RECHECK_BATCH processes of the table, round robin, at the cost of one
 * read of /proc/PID/maps (and one 8-byte read of the OTEL_CTX header when there is one); a
 * process whose publication differs from what its last PROCESS record says is resolved again.
 */
#define RECHECK_PERIOD_NS 1000000000ull
#define RECHECK_BATCH 32

static void recheck(void)
{
	uint32_t pids[RECHECK_BATCH], n = 0, pos = g.recheck_pos;
	const struct ptab_entry *e;
	struct ctxsrc_probe p;

	while (n < RECHECK_BATCH && ptab__next(g.ptab, &pos, &e))
		pids[n++] = e->pid;
	g.recheck_pos = n < RECHECK_BATCH ? 0 : pos; /* the end of the table: start again */
	for (uint32_t i = 0; i < n; i++) {
		struct sc_proc_cfg kc;

		if (ctxsrc_probe(pids[i], &p))
			continue; /* gone: the exit event or the sweep removes it */
		e = ptab__find(g.ptab, pids[i]);
		if (!e)
			continue;
		/* An exec whose event the full ring buffer dropped: the kernel reset the entry
		 * and nothing asked for the new image's resolution. */
		if (!kernel__lookup(g.k, pids[i], &kc) && (kc.flags & SC_CFG_F_EXEC_RESET)) {
			capture_request_resolve(pids[i], SC_RESOLVE_EXEC);
			continue;
		}
		if (p.mapped != e->has_pctx ||
		    (p.mapped && (p.addr != e->cfg.pctx_addr ||
				  (p.published_ns && p.published_ns != e->pctx_published_ns))))
			capture_request_resolve(pids[i], SC_RESOLVE_RECHECK);
	}
}

/* Once per loop turn: --stats lines, retries, the periodic re-check and sweep. */
static void housekeeping(uint64_t now)
{
	if (stats__due(&g.stats, now))
		stats__print(&g.stats, stderr, g.r, g.ptab, now, false);
	if (g.n_retry)
		retry_due(now);
	if (now >= g.next_recheck_ns) {
		recheck();
		g.next_recheck_ns = now + RECHECK_PERIOD_NS;
	}
	if (now >= g.next_reclaim_ns) {
		reclaim_dead();
		g.next_reclaim_ns = now + RECLAIM_PERIOD_NS;
	}
}

/* ---- processes ----------------------------------------------------------------------------- */

/* The reasons of a request, for -v: "exec+process context published". */
static const char *reasons_name(uint8_t reasons, char *buf, size_t len)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {
	    {SC_RESOLVE_EXEC, "exec"},
	    {SC_RESOLVE_MMAP_EXEC, "executable mapping"},
	    {SC_RESOLVE_PRCTL_VMA, "process context published"},
	    {SC_RESOLVE_CTX_MAP, "OTEL_CTX memfd mapped"},
	    {SC_RESOLVE_CTX_UNMAP, "OTEL_CTX mapping unmapped"},
	    {SC_RESOLVE_FORK, "forked before its parent was resolved"},
	    {SC_RESOLVE_RECHECK, "re-check"},
	    {SC_RESOLVE_RETRY, "retry"},
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((reasons & names[i].bit) && n < len)
			n += snprintf(buf + n, len - n, "%s%s", n ? "+" : "", names[i].name);
	if (!n)
		snprintf(buf, len, "scan");
	return buf;
}

/* FNV-1a over what a PROCESS record says of the context (not the generation). */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t describe_hash(const struct ctxsrc_result *res)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t small[4] = {res->status, res->tls_model, res->cfg.kind, res->has_pctx};

	h = hash_bytes(h, small, sizeof(small));
	h = hash_bytes(h, &res->cfg.tp_offset, sizeof(res->cfg.tp_offset));
	h = hash_bytes(h, &res->cfg.module_id, sizeof(res->cfg.module_id));
	h = hash_bytes(h, &res->cfg.offset, sizeof(res->cfg.offset));
	h = hash_bytes(h, &res->ctx_version, sizeof(res->ctx_version));
	h = hash_bytes(h, &res->ctx_published_ns, sizeof(res->ctx_published_ns));
	h = hash_bytes(h, res->resource, res->resource_len);
	h = hash_bytes(h, res->extra, res->extra_len);
	h = hash_bytes(h, &res->n_keys, sizeof(res->n_keys));
	for (size_t i = 0; i < res->n_keys; i++)
		h = hash_bytes(h, res->keys[i], strlen(res->keys[i]) + 1);
	h = hash_bytes(h, res->schema_version, strlen(res->schema_version));
	h = hash_bytes(h, res->tls_module, strlen(res->tls_module));
	h = hash_bytes(h, res->reason, strlen(res->reason));
	return h ? h : 1;
}

/* ---- retries of a context that was mapped but not readable yet ----------------------------- */

/*
 * A publication is seen from its first step (the memfd mapped, SC_RESOLVE_CTX_MAP), when the
 * writer may not have filled the header yet: the process is resolved again after 2, 4, ...
 * 256 ms, then left to the periodic re-check.
 */
static void retry_schedule(uint32_t pid, bool unreadable)
{
	size_t i;

	for (i = 0; i < g.n_retry && g.retry[i].pid != pid; i++)
		;
	if (!unreadable) {
		if (i < g.n_retry)
			g.retry[i] = g.retry[--g.n_retry];
		return;
	}
	if (i == g.n_retry) {
		if (g.n_retry == RETRY_MAX)
			return; /* the periodic re-check will see it */
		g.retry[g.n_retry++] = (typeof(g.retry[0])){.pid = pid, .attempt = 0};
	} else if (++g.retry[i].attempt >= RETRY_ATTEMPTS) {
		g.retry[i] = g.retry[--g.n_retry];
		return;
	}
	g.retry[i].due_ns = mono_ns() + (RETRY_FIRST_NS << g.retry[i].attempt);
}

static void capture_event_of(uint32_t pid)
{
	if (!g.n_retry)
		return;
	for (size_t i = 0; i < g.n_retry; i++)
		if (g.retry[i].pid == pid) {
			/* what happened since the last attempt came after it: look again now */
			g.retry[i].due_ns = UINT64_MAX;
			capture_request_resolve(pid, SC_RESOLVE_RETRY);
			return;
		}
}

static void retry_due(uint64_t now)
{
	uint32_t due[RETRY_MAX];
	size_t n = 0;

	/* collected first: a resolution reschedules or removes its entry */
	for (size_t i = 0; i < g.n_retry; i++)
		if (g.retry[i].due_ns <= now) {
			g.retry[i].due_ns = UINT64_MAX; /* until the resolution reschedules it */
			due[n++] = g.retry[i].pid;
		}
	for (size_t i = 0; i < n; i++)
		capture_request_resolve(due[i], SC_RESOLVE_RETRY);
}

/*
 * An exec'd process that exited before its resolution (an exec of an executable that defines
 * no context wakes nobody: the exit is often read in the same batch): its record from the
 * exec's facts, without a context, so that the program it ran is still described.
 */
static void describe_gone_exec(pid_t pid, const struct proc_facts *f)
{
	struct ctxsrc_result gone;

	memset(&gone, 0, sizeof(gone));
	gone.status = SCF_CTX_NONE;
	if (exe_rules_static(g.k, f->k.exe_ino, f->k.exe_dev, &gone))
		snprintf(gone.reason, sizeof(gone.reason),
			 "pid %d exited before it was resolved: read with the layout its "
			 "executable had before", pid);
	else
		snprintf(gone.reason, sizeof(gone.reason), "pid %d exited before it was resolved",
			 pid);
	scan_write_process(g.r, pid, 0, SCF_ORIGIN_EXEC, &gone, f);
}

/*
 * Resolves a process that is still running: -ESRCH when it is gone or has exited and waits to
 * be reaped, whose empty address space would describe it as defining nothing ("none of 0
 * modules") over what was recorded of it while it ran.
 */
static int resolve_running(pid_t pid, struct ctxsrc_result *res)
{
	return proc_exited(pid) ? -ESRCH : ctxsrc_resolve(pid, res);
}

/*
 * Resolves pid, installs its configuration, and writes a PROCESS record when what it says
 * changed (always for origin SCAN and EXEC): a new layout, a new or updated process context,
 * its disappearance (an unpublish), or a new REASON. reasons: the SC_RESOLVE_* bits that
 * asked for it (0 for a scan). Returns 0 or -ESRCH.
 */
static int observe(pid_t pid, uint8_t origin, uint8_t reasons, bool force_observe,
		   const struct proc_facts *f)
{
	struct ctxsrc_result *res = malloc(sizeof(*res));
	struct ptab_entry *e;
	struct sc_proc_cfg old;
	bool was = false, had_pctx = false, unpublished;
	uint64_t old_hash = 0, old_addr = 0, h;
	char why[160];
	int rc;

	if (!res)
		return -ENOMEM;
	rc = resolve_running(pid, res);
	if (rc) {
		free(res);
		if (rc == -ESRCH && origin == SCF_ORIGIN_EXEC && f)
			describe_gone_exec(pid, f);
		return rc;
	}
	/* What its next execs need at once: nothing, the layout of its own static TLS block, or
	 * user space (the context may be anywhere) */
	if (origin == SCF_ORIGIN_EXEC && f)
		exe_rules_learn(g.k, f->k.exe_ino, f->k.exe_dev, res);
	reasons_name(reasons, why, sizeof(why));
	was = kernel__lookup(g.k, pid, &old) == 0;
	e = ptab__find(g.ptab, pid);
	if (e) {
		had_pctx = e->has_pctx;
		old_hash = e->desc_hash;
		old_addr = e->cfg.pctx_addr;
	}
	if (origin == SCF_ORIGIN_EXEC)
		had_pctx = false; /* a new image: the old mapping is gone with the old one */
	res->cfg.generation = was ? old.generation + 1 : 1;
	retry_schedule(pid, res->pctx_unreadable);
	/*
	 * The same program is still running (exec resets the kernel's entry itself): a
	 * re-resolution that finds no thread context (a transient read failure, a loader half-way
	 * through a dlopen) must not take away a layout that works; a later trigger or the
	 * re-check describes the process again.
	 */
	if (origin == SCF_ORIGIN_CTX_UPDATE && was && old.kind != SC_TLS_NONE &&
	    res->status != SCF_CTX_RESOLVED) {
		if (g.o.verbose)
			fprintf(stderr, "spancap: pid %d (%s): keeping its resolution: %s: %s\n", pid,
				why, scf_ctx_status_name(res->status), res->reason);
		goto out;
	}
	/* The context is gone, not half-written: an unpublish (the thread route stays). */
	unpublished = had_pctx && !res->has_pctx && !res->pctx_unreadable;
	if (unpublished) {
		res->status = SCF_CTX_NONE;
		snprintf(res->reason, sizeof(res->reason),
			 "process context unpublished: the OTEL_CTX mapping at 0x%llx is gone",
			 (unsigned long long)old_addr);
	}
	res->cfg.pctx_addr = res->has_pctx ? res->pctx_addr : 0;
	h = describe_hash(res);
	if (was || force_observe || res->status == SCF_CTX_RESOLVED || res->has_pctx) {
		rc = kernel__observe(g.k, pid, &res->cfg);
		if (rc)
			fprintf(stderr, "spancap: pid %d: cannot install its configuration: %s\n",
				pid, strerror(-rc));
		else
			remember_proc(pid, res->status, &res->cfg);
		/* Exited while being resolved: the kernel deleted nothing, the entry is stale. */
		if (!rc && pid_gone(pid)) {
			forget(pid);
		} else if (!rc && (e = ptab__find(g.ptab, pid))) {
			e->has_pctx = res->has_pctx;
			e->pctx_published_ns = res->ctx_published_ns;
			e->desc_hash = h;
		}
	}
	/* A trigger that changed nothing the record says writes nothing. */
	if (origin == SCF_ORIGIN_CTX_UPDATE && old_hash == h)
		goto out;
	if (g.o.verbose) {
		if (unpublished || res->status != SCF_CTX_RESOLVED)
			fprintf(stderr, "spancap: pid %d (%s): %s: %s\n", pid, why,
				scf_ctx_status_name(res->status), res->reason);
		else
			fprintf(stderr, "spancap: pid %d (%s): resolved via %s in %s%s\n", pid, why,
				scf_tls_model_name(res->tls_model), res->tls_module,
				res->has_pctx ? ", with its process context" : "");
	}
	scan_write_process(g.r, pid, 0, origin, res, origin == SCF_ORIGIN_EXEC ? f : NULL);
out:
	ctxsrc_result_release(res);
	free(res);
	return 0;
}

static void resolve_pending_entry(size_t i)
{
	uint32_t pid = g.pending[i].pid;
	uint8_t reasons = g.pending[i].reasons;
	struct proc_facts *f = g.pending[i].facts;

	g.pending[i] = g.pending[--g.n_pending];
	observe(pid, reasons & SC_RESOLVE_EXEC ? SCF_ORIGIN_EXEC : SCF_ORIGIN_CTX_UPDATE, reasons,
		false, f);
	free(f);
}

/*
 * Adds reasons to pid's pending entry (made when there is none) and resolves it at once when
 * they ask so. Returns the entry when it stays pending, NULL when the table was full or the
 * entry was resolved and removed.
 */
static struct pending_resolve *capture_request_resolve(uint32_t pid, uint8_t reasons)
{
	size_t i;

	for (i = 0; i < g.n_pending && g.pending[i].pid != pid; i++)
		;
	if (i == g.n_pending) {
		if (g.n_pending == PENDING_MAX) {
			/* the periodic re-check looks at every process again */
			g.resolve_overflow++;
			return NULL;
		}
		g.pending[i].pid = pid;
		g.pending[i].reasons = 0;
		g.pending[i].facts = NULL;
		g.n_pending++;
	}
	g.pending[i].reasons |= reasons; /* a set: no reason replaces another */
	/*
	 * A publication or an unpublish (or a retry of one) is described before the events that
	 * follow it are read, so that the records written after it are read with the context
	 * they had. A process that republishes in a loop is resolved at once at most once per
	 * poll tick (the rest wait for the end of the tick, merged); retries have their own
	 * bound (RETRY_ATTEMPTS).
	 */
	if (reasons & SC_RESOLVE_RETRY) {
		resolve_pending_entry(i);
		return NULL;
	}
	if (reasons & SC_RESOLVE_NOW) {
		struct ptab_entry *e = ptab__find(g.ptab, pid);
		uint64_t now = mono_ns();

		if (e && now - e->last_now_ns < (uint64_t)g.o.tick_ms * 1000000u)
			return &g.pending[i];
		if (e)
			e->last_now_ns = now;
		resolve_pending_entry(i);
		return NULL;
	}
	return &g.pending[i];
}

/* An exec: the process is resolved with the other pending ones, described with f. */
static void capture_on_exec(uint32_t pid, const struct proc_facts *f)
{
	struct pending_resolve *p = capture_request_resolve(pid, SC_RESOLVE_EXEC);

	if (!p || !f)
		return; /* a full table: the re-check describes it from /proc */
	if (!p->facts)
		p->facts = malloc(sizeof(*f));
	if (p->facts)
		*p->facts = *f; /* a later exec's image replaces an earlier one */
}

/* A resolution of pid is waiting for the end of the poll tick (an exec's, a dlopen's). */
static bool resolve_pending(uint32_t pid)
{
	for (size_t i = 0; i < g.n_pending; i++)
		if (g.pending[i].pid == pid)
			return true;
	return false;
}

static void capture_on_fork(uint32_t pid, uint32_t ppid, uint16_t flags,
			    const struct proc_facts *f)
{
	bool inherited = flags & SC_PROC_F_INHERITED, no_route = flags & SC_PROC_F_NO_ROUTE;
	bool vfork_out = flags & SC_PROC_F_VFORK_OUT;
	struct ctxsrc_result res;
	struct sc_proc_cfg cfg;

	const struct ptab_entry *parent = ptab__find(g.ptab, ppid);

	memset(&res, 0, sizeof(res));
	/*
	 * A child whose copy has no route while its parent's has one:
	 * - a vfork child of a thread whose trace the sample leaves out: it reads that thread's
	 *   context until it execs, so the kernel gave it no route and no task storage on
	 *   purpose; its exec is resolved as any other;
	 * - a child forked before its parent's resolution reached the kernel (the fork event is
	 *   read later than it happened), or while one is pending (an exec's, read in this same
	 *   tick): nothing resolves the parent's children later, so the child is resolved. With
	 *   an exec pending, a copy with a route is the rule the kernel installed at that exec
	 *   (exe_rules), which user space has not seen: the same.
	 */
	if (inherited && parent &&
	    (vfork_out || (no_route && parent->cfg.kind != SC_TLS_NONE) || resolve_pending(ppid))) {
		cfg = parent->cfg;
		cfg.kind = SC_TLS_NONE;
		cfg.pctx_addr = 0;
		res.cfg = cfg;
		res.status = SCF_CTX_NONE;
		if (vfork_out)
			snprintf(res.reason, sizeof(res.reason),
				 "a vfork child of %u, in a trace left out until it execs", ppid);
		else
			snprintf(res.reason, sizeof(res.reason),
				 "forked before the resolution of %u reached the kernel", ppid);
		remember_proc(pid, res.status, &cfg);
		scan_write_process(g.r, pid, ppid, SCF_ORIGIN_FORK, &res, f);
		if (!vfork_out)
			capture_request_resolve(pid, SC_RESOLVE_FORK);
		return;
	}
	/* The kernel copied the parent's entry; the child may be gone already, so the copy is
	 * taken from what user space installed for the parent. */
	if (inherited && parent) {
		cfg = parent->cfg;
		cfg.pctx_addr = 0; /* MADV_DONTFORK: the child has no OTEL_CTX mapping */
		res.cfg = cfg;
		res.status = cfg.kind != SC_TLS_NONE ? SCF_CTX_INHERITED : parent->status;
		remember_proc(pid, res.status, &cfg);
	}
	scan_write_process(g.r, pid, ppid, SCF_ORIGIN_FORK, &res, f);
}

static void capture_process_gone(uint32_t pid)
{
	ptab__remove(g.ptab, pid);
	for (size_t i = 0; i < g.n_pending; i++) {
		if (g.pending[i].pid == pid) {
			if (g.pending[i].facts)
				describe_gone_exec(pid, g.pending[i].facts);
			free(g.pending[i].facts);
			g.pending[i] = g.pending[--g.n_pending];
			return;
		}
	}
}

static void run_pending(void)
{
	while (g.n_pending)
		resolve_pending_entry(g.n_pending - 1);
}

/* With --cgroup or --container, pid is in the cgroup selected (the scans' filter). */
static bool in_scope(pid_t pid)
{
	return !g.cgroup_on || cgroup_select_has_pid(&g.cg, pid);
}

static void scan_one(void *ctx, pid_t pid)
{
	(void)ctx;
	if (in_scope(pid) && observe(pid, SCF_ORIGIN_SCAN, 0, false, NULL) == 0) {
		scan_write_threads(g.r, pid);
		scan_write_fds(g.r, pid);
	}
}

/* ---- rotation ----------------------------------------------------------------------------- */

/*
 * What a new file needs to be read alone: each process again (resolved afresh for its process
 * context and key map, with the configuration the kernel uses now), its threads and its fds.
 * Nothing is installed in the kernel: the running configuration stays.
 */
static void describe(void *ctx, pid_t pid)
{
	struct ctxsrc_result *res = malloc(sizeof(*res));
	const struct ptab_entry *e = ptab__find(g.ptab, pid);

	(void)ctx;
	if (!res)
		return;
	if (!in_scope(pid) || resolve_running(pid, res)) {
		free(res);
		return; /* gone: its exit is in the ring buffer or was counted as lost */
	}
	if (e) {
		res->status = e->status;
		res->cfg = e->cfg;
		/* a route without a process context in force: it was unpublished (observe()) */
		if (e->status == SCF_CTX_NONE && e->cfg.kind != SC_TLS_NONE && !res->has_pctx)
			snprintf(res->reason, sizeof(res->reason), "process context unpublished");
	}
	scan_write_process(g.r, pid, 0, SCF_ORIGIN_SCAN, res, NULL);
	ctxsrc_result_release(res);
	free(res);
	scan_write_threads(g.r, pid);
	scan_write_fds(g.r, pid);
}

/* Every process the new file or segment needs, described as describe() does. */
static int describe_all(void)
{
	const struct ptab_entry *e;
	uint32_t pos = 0, n = 0, cap = ptab__count(g.ptab);
	pid_t *pids;

	if (g.o.all) {
		scan_pids(describe, NULL);
	} else {
		/* copied first: describing reads /proc, and the table must not move meanwhile */
		pids = calloc(cap ? cap : 1, sizeof(*pids));
		if (!pids)
			return -ENOMEM;
		while (n < cap && ptab__next(g.ptab, &pos, &e))
			pids[n++] = e->pid;
		for (uint32_t i = 0; i < n; i++)
			describe(NULL, pids[i]);
		free(pids);
	}
	return 0;
}

static int rotate(char *err, size_t errlen)
{
	int rc;

	rc = output__advance(&g.out);
	if (!rc)
		rc = recorder__rotate(g.r, g.out.path, err, errlen);
	if (rc)
		return rc;
	output__started(&g.out, mono_ns());
	rc = describe_all();
	if (rc)
		return rc;
	if (g.o.verbose)
		fprintf(stderr, "spancap: now writing %s\n", g.out.path);
	return output__prune(&g.out, err, errlen);
}

/* ---- the flight recorder (--ring) ---------------------------------------------------------- */

/*
 * The capture goes into the segments of g.fr.ring (flight_ring.c), each started as rotation
 * starts a file. A trigger (SIGUSR1, or a record matching --trigger-error/--trigger-slow)
 * ends the open segment, writes every segment the ring holds to the next file of the series
 * (named as rotation names them), then copies what is recorded for --after seconds more, and
 * ends that with a segment's END record. A trigger during the --after period extends it to
 * --after past that trigger, up to four times --after past the file's first trigger; the next
 * trigger after that starts a new file, which starts where the previous one ended when their
 * windows overlap (no section is in two files).
 */
#define RING_NAME "(flight recorder memory)"
#define RING_PERIOD_MIN_NS 250000000ull
#define RING_PERIOD_MAX_NS 60000000000ull

static void ring_counters(void)
{
	uint64_t v[4] = {g.fr.triggers, fring__dropped_segs(g.fr.ring),
			 fring__dropped_bytes(g.fr.ring), fring__overflow_segs(g.fr.ring)};

	recorder__set_ring(g.r, v);
}

/* Ends the open segment (its END record) and starts the next one with every process's state. */
static int ring_next_segment(char *err, size_t errlen)
{
	uint64_t now = mono_ns();
	int fd, rc;

	ring_counters();
	fd = fring__start(g.fr.ring, now);
	if (fd < 0) {
		snprintf(err, errlen, "flight recorder: memfd_create: %s", strerror(-fd));
		return fd;
	}
	rc = recorder__rotate_fd(g.r, RING_NAME, fd, err, errlen);
	if (rc)
		return rc;
	g.fr.next_seg_ns = now + g.fr.period_ns;
	describe_all();
	return fring__sync(g.fr.ring);
}

/* Copies what the trigger file lacks (the open segment too when with_open). */
static void ring_copy(bool with_open)
{
	int rc;

	if (g.fr.fd < 0)
		return;
	rc = fring__sync(g.fr.ring);
	if (!rc)
		rc = fring__copy_new(g.fr.ring, &g.fr.cur, g.fr.fd, with_open);
	if (rc) {
		fprintf(stderr, "spancap: %s: write failed: %s; the file is cut short there\n",
			g.out.path, strerror(-rc));
		g.fr.file_errors++;
		close(g.fr.fd);
		g.fr.fd = -1;
	}
}

static void ring_end_file(void)
{
	char err[SCF_ERRMSG_MAX];

	if (g.fr.fd < 0)
		return;
	if (close(g.fr.fd)) {
		fprintf(stderr, "spancap: %s: %s\n", g.out.path, strerror(errno));
		g.fr.file_errors++;
	}
	g.fr.fd = -1;
	g.fr.next_unwritten = g.fr.cur.off ? g.fr.cur.id + 1 : g.fr.cur.id;
	if (g.o.verbose)
		fprintf(stderr, "spancap: flight recorder: wrote %s\n", g.out.path);
	if (output__prune(&g.out, err, sizeof(err)))
		fprintf(stderr, "spancap: %s\n", err);
}

/* Opens the next file of the series for a trigger at now and writes the window into it. */
static int ring_start_file(uint64_t now, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (g.fr.files && output__advance(&g.out))
		return -ENAMETOOLONG;
	rc = ring_next_segment(err, errlen); /* the window ends here */
	if (rc)
		return rc;
	g.fr.files++;
	fring__evict(g.fr.ring, now, UINT64_MAX);
	g.fr.fd = open(g.out.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (g.fr.fd < 0 || (fstat(g.fr.fd, &st) == 0 && S_ISREG(st.st_mode) &&
			    (st.st_mode & 07777) != 0600 && fchmod(g.fr.fd, 0600))) {
		fprintf(stderr, "spancap: %s: cannot create: %s\n", g.out.path,
			errno == ELOOP ? "a symbolic link" : strerror(errno));
		if (g.fr.fd >= 0)
			close(g.fr.fd);
		g.fr.fd = -1;
		g.fr.file_errors++;
		return 0; /* the capture goes on: a later trigger tries the next name */
	}
	/* files never repeat a section: when the windows overlap, this one starts where the
	 * previous one ended, and together they read as one rotated capture */
	g.fr.cur = (struct fring_cursor){.id = fring__seg(g.fr.ring, 0)->id};
	if (g.fr.cur.id < g.fr.next_unwritten)
		g.fr.cur.id = g.fr.next_unwritten;
	g.fr.after_end_ns = now + (uint64_t)(g.o.after_s * 1e9);
	g.fr.after_cap_ns = now + (uint64_t)(4 * g.o.after_s * 1e9);
	ring_copy(false);
	if (g.o.verbose)
		fprintf(stderr, "spancap: flight recorder: trigger, writing %s\n", g.out.path);
	return 0;
}

/* Once per loop: triggers, the trigger file, new segments and eviction. */
static int ring_tick(char *err, size_t errlen)
{
	uint64_t now = mono_ns(), fired = recorder__take_triggers(g.r);
	sig_atomic_t usr1 = g.fr.usr1;
	int rc;

	fired += (uint64_t)(usr1 - g.fr.usr1_seen);
	g.fr.usr1_seen = usr1;
	if (fired) {
		g.fr.triggers += fired;
		if (g.fr.fd < 0) {
			rc = ring_start_file(now, err, errlen);
			if (rc)
				return rc;
		} else {
			uint64_t end = now + (uint64_t)(g.o.after_s * 1e9);
			g.fr.after_end_ns = end < g.fr.after_cap_ns ? end : g.fr.after_cap_ns;
		}
	}
	if (g.fr.fd >= 0 && now >= g.fr.after_end_ns) {
		/* the after period ends with the END record of its segment, unless it was empty */
		const struct fring_seg *open = fring__seg(g.fr.ring, fring__count(g.fr.ring) - 1);
		if (g.fr.cur.id == open->id && g.fr.cur.off == 0) {
			ring_end_file();
		} else {
			rc = ring_next_segment(err, errlen);
			if (rc)
				return rc;
			ring_copy(false);
			ring_end_file();
		}
	}
	rc = fring__sync(g.fr.ring);
	if (rc) {
		snprintf(err, errlen, "flight recorder: %s", strerror(-rc));
		return rc;
	}
	if (now >= g.fr.next_seg_ns ||
	    fring__seg(g.fr.ring, fring__count(g.fr.ring) - 1)->bytes >= g.fr.seg_bytes) {
		rc = ring_next_segment(err, errlen);
		if (rc)
			return rc;
	}
	ring_copy(true);
	fring__evict(g.fr.ring, now, g.fr.fd >= 0 ? g.fr.cur.id : UINT64_MAX);
	ring_counters();
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
	g.fr.usr1++;
}

/* A write error ends the capture: the file stays readable up to the last data it flushed. */
static bool write_failed(void)
{
	const char *msg;

	if (!recorder__error(g.r, &msg))
		return false;
	fprintf(stderr, "spancap: %s\n", msg);
	return true;
}

/* ---- the run loop -------------------------------------------------------------------------- */

/* The sentinel by which on_event() ends a batch: libbpf has consumed that event already. */
#define BATCH_CUT (-ECANCELED)

static int on_event(void *ctx, const void *data, size_t len)
{
	int rc;

	(void)ctx;
	rc = recorder__event(g.r, data, len);
	/*
	 * --ring: a record that fired a trigger ends the batch, so that ring_tick() ends the
	 * window at that record and not at whatever the ring buffer held behind it (--after 0
	 * means nothing after the trigger).
	 */
	if (!rc && g.fr.cut_batch && recorder__triggered(g.r))
		return BATCH_CUT;
	return rc;
}

static void on_signal(int sig)
{
	g.stop_signal = sig;
	g.n_signals++;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void poll_counters(void)
{
	int n = kernel__counters(g.k, g.cnt, (size_t)g.ncpus * SC_CNT_MAX);

	if (n > 0)
		recorder__counters(g.r, g.cnt, n);
}

/* In the forked command: reports err to the parent through wfd, then exits with code. */
/*
 * --sched low|idle: spancap's threads wake up for the kernel's events (every poll tick, and at
 * once for a context publication or an exec of a program without a rule in exe_rules) and then resolve processes from /proc and ELF
 * files. At the default policy and nice value a woken spancap is picked before the thread of
 * the service it delays (it slept, so its deadline comes first): a request that forks and
 * execs a child waits for spancap's work on that exec. SCHED_BATCH at nice 19 (or SCHED_IDLE)
 * makes it run after them (docs/BPF_EVENT_PATH.md section 10). Both calls set the calling
 * thread only; threads created afterwards inherit them. Raising the nice value and these
 * policies need no privilege.
 */
static void set_sched_policy(void)
{
	struct sched_param sp = {.sched_priority = 0};

	if (g.o.sched_policy == SCHED_OTHER)
		return;
	if ((sched_setscheduler(0, g.o.sched_policy, &sp) ||
	     (g.o.sched_nice && setpriority(PRIO_PROCESS, 0, g.o.sched_nice))) &&
	    !g.o.quiet)
		fprintf(stderr, "spancap: cannot set the scheduling policy (--sched): %s\n",
			strerror(errno));
}

static void __attribute__((noreturn)) child_fail(int wfd, int err, int code)
{
	ssize_t n = write(wfd, &err, sizeof(err));

	(void)n; /* the parent sees EOF then, and the exit status still says it */
	_exit(code);
}

/*
 * Forks the command; it waits on a pipe until the probes are attached. A second, close-on-exec
 * pipe tells the parent whether the exec failed (the errno arrives) or succeeded (EOF).
 */
static int start_child(int *go_fd, int *exec_fd)
{
	bool to_stdout = !strcmp(g.o.out_path, "-");
	int p[2], e[2], rc, err;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	if (pipe2(e, O_CLOEXEC)) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	g.child = fork();
	if (g.child < 0) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		close(e[0]);
		close(e[1]);
		return rc;
	}
	if (g.child == 0) {
		char c;
		close(p[1]);
		close(e[0]);
		if (read(p[0], &c, 1) != 1)
			_exit(127); /* the capture gave up */
		close(p[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL); /* an ignored disposition would survive the exec */
		/* -w -: standard output carries the capture; CMD's output goes to standard error
		 * (as perf's own does), never into the capture stream. */
		if (to_stdout && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			err = errno;
			fprintf(stderr, "spancap: cannot send %s's output to standard error: %s\n",
				g.o.cmd[0], strerror(err));
			child_fail(e[1], err, 126);
		}
		if ((rc = privs__become(&g.user))) {
			err = -rc;
			fprintf(stderr, "spancap: cannot run %s as %s: %s\n", g.o.cmd[0],
				g.user.set ? g.user.name : "the invoking user", strerror(err));
			child_fail(e[1], err, 126);
		}
		execvp(g.o.cmd[0], g.o.cmd);
		err = errno;
		fprintf(stderr, "spancap: cannot run %s: %s\n", g.o.cmd[0], strerror(err));
		child_fail(e[1], err, err == ENOENT ? 127 : 126); /* as env(1), timeout(1) */
	}
	close(p[0]);
	close(e[1]);
	*go_fd = p[1];
	*exec_fd = e[0];
	return 0;
}

/*
 * Waits for the released command's exec. Returns 0 once it runs CMD, or the errno with which
 * it failed (its message is printed already).
 */
static int wait_exec(int exec_fd)
{
	ssize_t n;
	int err;

	do
		n = read(exec_fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(exec_fd);
	return n == (ssize_t)sizeof(err) ? err : 0;
}

/* The status spancap passes on for a command that ended by itself, as strace does. */
static int cmd_exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAILURE;
}

/* -p: whether no observed process is left (the kernel deletes a process's entry at its exit,
 * the sweep those whose exit was lost). */
static bool targets_gone(void)
{
	uint32_t key;

	return kernel__next_pid(g.k, NULL, &key) == 0;
}

/* -c: whether the capture has written as many syscalls as asked for. */
static bool at_max_count(void)
{
	struct recorder_totals tot;

	recorder__totals(g.r, &tot);
	return tot.syscalls >= g.o.max_count;
}

int main(int argc, char **argv)
{
	struct kernel_opts ko = {0};
	char err[SCF_ERRMSG_MAX] = "";
	uint64_t t0, deadline = 0;
	uint8_t stop = SCF_STOP_SIGNAL;
	bool clean = true, write_error = false;
	int go_fd = -1, exec_fd = -1, rc;
	struct sigaction sa = {.sa_handler = on_signal};

	if (parse_args(argc, argv))
		return EXIT_USAGE;
	if (privs__check_start(err, sizeof(err))) {
		fprintf(stderr, "spancap: %s\n", err);
		return EXIT_FAILURE;
	}
	if (g.o.user && privs__lookup_user(g.o.user, &g.user, err, sizeof(err))) {
		fprintf(stderr, "spancap: %s\n", err);
		return EXIT_FAILURE;
	}
	g.ptab = ptab__new(PTAB_SLOTS);
	if (!g.ptab) {
		fprintf(stderr, "spancap: out of memory\n");
		return EXIT_FAILURE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (g.o.cmd && (rc = start_child(&go_fd, &exec_fd))) {
		fprintf(stderr, "spancap: cannot start %s: %s\n", g.o.cmd[0], strerror(-rc));
		return EXIT_FAILURE;
	}
	/* After the fork of CMD (which keeps the policy spancap was started with), before any
	 * other thread exists: threads inherit their creator's policy. */
	set_sched_policy();
	if (output__init(&g.out, &g.o, err, sizeof(err))) {
		fprintf(stderr, "spancap: %s\n", err);
		goto fail_child;
	}
	g.fr.fd = -1;
	if (g.o.ring_s > 0) {
		/* --ring: nothing is written until a trigger; the capture goes into memory */
		struct sigaction su = {.sa_handler = on_usr1};
		uint64_t win = (uint64_t)(g.o.ring_s * 1e9);
		int fd;

		g.fr.ring = fring__new(g.o.ring_bytes, win);
		fd = g.fr.ring ? fring__start(g.fr.ring, mono_ns()) : -ENOMEM;
		if (fd < 0) {
			fprintf(stderr, "spancap: flight recorder: %s\n", strerror(-fd));
			goto fail_child;
		}
		g.fr.period_ns = win / 4 < RING_PERIOD_MIN_NS   ? RING_PERIOD_MIN_NS
				 : win / 4 > RING_PERIOD_MAX_NS ? RING_PERIOD_MAX_NS
								 : win / 4;
		g.fr.seg_bytes = g.o.ring_bytes / 4;
		g.fr.next_seg_ns = mono_ns() + g.fr.period_ns;
		sigaction(SIGUSR1, &su, NULL);
		g.r = recorder__open_fd(&g.o, &recorder_hooks, RING_NAME, fd, argc, argv, err,
					 sizeof(err));
		if (g.r)
			recorder__set_trigger(g.r, &g.fr.trig);
	} else {
		g.r = recorder__open(&g.o, &recorder_hooks, g.out.path, argc, argv, err,
				     sizeof(err));
	}
	if (!g.r) {
		fprintf(stderr, "spancap: %s\n", err);
		goto fail_child;
	}
	ko.self = getpid();
	ko.trace_all = g.o.all;
	if (g.cgroup_on) {
		ko.cgroup_id = g.cg.id;
		ko.cgroup_level = g.cg.level;
	}
	ko.ringbuf_bytes = g.o.ringbuf_bytes;
	ko.sel_on = g.o.sel_on;
	ko.sel_bits = g.o.sel_bits;
	ko.only_in_span = g.o.only_in_span;
	ko.snaplen = g.o.snaplen;
	ko.sample_mode = g.o.sample_mode;
	ko.sample_threshold = g.o.sample_threshold;
	g.k = kernel__open(&ko, on_event, NULL, err, sizeof(err));
	if (!g.k) {
		fprintf(stderr, "spancap: %s\n", err);
		recorder__close(g.r, SCF_STOP_ERROR, false, NULL, 0);
		goto fail_child;
	}
	/* Loaded, attached, maps created: from here on only /proc and target memory. */
	if (privs__drop(privs__kept(g.user.set && g.user.uid != getuid()), err, sizeof(err))) {
		fprintf(stderr, "spancap: dropping privileges: %s\n", err);
		goto fail_all;
	}
	/* After the drop: the compressor thread gets the capabilities left. */
	if (!g.o.compress_inline && recorder__compress_thread(g.r) && g.o.verbose)
		fprintf(stderr, "spancap: compressing on a second thread\n");
	/* Rotation creates and removes files with the privileges left: check that now, not at
	 * the first rotation. */
	if (output__check_dir(&g.out, err, sizeof(err))) {
		fprintf(stderr, "spancap: %s\n", err);
		goto fail_all;
	}
	g.ncpus = kernel__ncpus(g.k);
	g.cnt = calloc((size_t)g.ncpus * SC_CNT_MAX, sizeof(uint64_t));
	if (!g.cnt) {
		fprintf(stderr, "spancap: out of memory\n");
		goto fail_all;
	}

	if (g.o.cmd) {
		/* observed before it runs a single instruction of CMD; resolved again at exec */
		struct sc_proc_cfg none = {.generation = 1};
		rc = kernel__observe(g.k, g.child, &none);
		if (!rc)
			remember_proc(g.child, SCF_CTX_NONE, &none);
		if (rc) {
			fprintf(stderr, "spancap: cannot observe pid %d: %s\n", g.child,
				strerror(-rc));
			goto fail_all;
		}
		scan_write_process(g.r, g.child, getpid(), SCF_ORIGIN_SCAN, NULL, NULL);
		scan_write_threads(g.r, g.child);
		scan_write_fds(g.r, g.child);
		if (write(go_fd, "g", 1) != 1) {
			fprintf(stderr, "spancap: cannot release %s: %s\n", g.o.cmd[0],
				strerror(errno));
			goto fail_all;
		}
		close(go_fd);
		go_fd = -1;
		rc = wait_exec(exec_fd);
		exec_fd = -1;
		if (rc) {
			/* Nothing of CMD was recorded: no capture file is left to look like one. */
			recorder__close(g.r, SCF_STOP_ERROR, false, NULL, 0);
			if (strcmp(g.out.path, "-") && !g.fr.ring)
				unlink(g.out.path);
			kernel__close(g.k);
			free(g.cnt);
			waitpid(g.child, NULL, 0);
			return rc == ENOENT ? 127 : 126;
		}
	} else if (g.o.all) {
		scan_pids(scan_one, NULL);
	} else {
		for (size_t i = 0; i < g.o.n_pids; i++) {
			if (observe(g.o.pids[i], SCF_ORIGIN_SCAN, 0, true, NULL) == -ESRCH) {
				fprintf(stderr, "spancap: no process %d\n", g.o.pids[i]);
				goto fail_all;
			}
			scan_write_threads(g.r, g.o.pids[i]);
			scan_write_fds(g.r, g.o.pids[i]);
		}
	}
	poll_counters();

	t0 = mono_ns();
	output__started(&g.out, t0);
	stats__init(&g.stats, g.o.stats_s, t0);
	g.next_reclaim_ns = t0 + RECLAIM_PERIOD_NS;
	g.next_recheck_ns = t0 + RECHECK_PERIOD_NS;
	if (g.o.duration_s > 0)
		deadline = t0 + (uint64_t)(g.o.duration_s * 1e9);
	while (!g.stop_signal) {
		g.fr.cut_batch = g.fr.ring != NULL;
		rc = kernel__poll(g.k, g.o.tick_ms);
		g.fr.cut_batch = false;
		if (rc < 0 && rc != -EINTR && rc != BATCH_CUT) {
			fprintf(stderr, "spancap: ring buffer: %s\n", strerror(-rc));
			stop = SCF_STOP_ERROR;
			clean = false;
			break;
		}
		run_pending();
		poll_counters();
		recorder__tick(g.r);
		if (write_failed()) {
			write_error = true;
			stop = SCF_STOP_ERROR;
			clean = false;
			break;
		}
		if (g.fr.ring && ring_tick(err, sizeof(err))) {
			fprintf(stderr, "spancap: %s\n", err);
			stop = SCF_STOP_ERROR;
			clean = false;
			break;
		}
		if (output__due(&g.out, recorder__file_bytes(g.r), mono_ns()) && !g.fr.ring &&
		    rotate(err, sizeof(err))) {
			fprintf(stderr, "spancap: %s\n", err);
			stop = SCF_STOP_ERROR;
			clean = false;
			break;
		}
		housekeeping(mono_ns());
		if (g.o.n_pids && targets_gone()) {
			stop = SCF_STOP_TARGETS_EXITED;
			break;
		}
		if (g.o.max_count && at_max_count()) {
			stop = SCF_STOP_COUNT;
			break;
		}
		if (deadline && mono_ns() >= deadline) {
			stop = SCF_STOP_DURATION;
			break;
		}
		if (g.o.cmd && !g.child_done && waitpid(g.child, &g.child_status, WNOHANG) == g.child) {
			g.child_done = true;
			stop = SCF_STOP_COMMAND;
			break;
		}
	}
	/*
	 * Drain what the kernel handed over before now. Observed processes keep producing, so
	 * the drain is bounded in time, and a second SIGINT/SIGTERM cuts it short. After -c the
	 * count is reached: what follows in the ring buffer is past it.
	 */
	if (stop != SCF_STOP_COUNT) {
		uint64_t drain_end = mono_ns() + DRAIN_MAX_NS;
		sig_atomic_t signals = g.n_signals;
		const char *msg;

		while (kernel__consume(g.k) > 0 && mono_ns() < drain_end && g.n_signals == signals &&
		       !recorder__error(g.r, &msg))
			;
	}
	run_pending();
	poll_counters();
	/*
	 * Every fork child the BPF program listed without task storage leaves the list at its
	 * exec or exit: once the observed processes are gone, a count above zero is a leak, which
	 * would cost each syscall of the host without storage a look at the list.
	 */
	if (g.o.verbose && g.o.sample_mode)
		fprintf(stderr, "spancap: fork children still read without task storage: %u\n",
			kernel__deferred(g.k));
	if (g.o.stats_s > 0) {
		recorder__flush(g.r); /* bytes as the END record will count them */
		stats__print(&g.stats, stderr, g.r, g.ptab, mono_ns(), true);
	}
	recorder__flush(g.r); /* "written" counts the events of ended frames only */
	{
		struct recorder_totals tot;
		uint64_t written, lost, sampled_out;

		recorder__totals(g.r, &tot);
		written = tot.written;
		lost = tot.lost;
		sampled_out = recorder__counter(g.r, SCF_CNT_SAMPLED_OUT);

		if (g.fr.ring)
			ring_counters();
		rc = recorder__close(g.r, stop, clean, err, sizeof(err));
		g.r = NULL;
		if (rc && !write_error) /* else said already */
			fprintf(stderr, "spancap: %s\n", err);
		if (g.fr.ring) {
			/* a trigger file being written ends with the capture's END record */
			ring_copy(true);
			ring_end_file();
		}
		if (!g.o.quiet && !g.fr.ring && g.o.sample_mode) /* left out by choice: not lost */
			fprintf(stderr, "%llu event%s written, %llu lost, %llu syscall%s sampled out\n",
				(unsigned long long)written, written == 1 ? "" : "s",
				(unsigned long long)lost, (unsigned long long)sampled_out,
				sampled_out == 1 ? "" : "s");
		else if (!g.o.quiet && !g.fr.ring)
			fprintf(stderr, "%llu event%s written, %llu lost\n",
				(unsigned long long)written, written == 1 ? "" : "s",
				(unsigned long long)lost);
		if (!g.o.quiet && g.fr.ring)
			fprintf(stderr,
				"%llu event%s recorded in memory, %llu lost; %llu trigger%s, %llu "
				"file%s written\n",
				(unsigned long long)written, written == 1 ? "" : "s",
				(unsigned long long)lost, (unsigned long long)g.fr.triggers,
				g.fr.triggers == 1 ? "" : "s", (unsigned long long)g.fr.files,
				g.fr.files == 1 ? "" : "s");
	}
	fring__free(g.fr.ring);
	kernel__close(g.k);
	free(g.cnt);
	ptab__free(g.ptab);
	if (g.o.cmd && !g.child_done) {
		kill(g.child, SIGTERM);
		waitpid(g.child, &g.child_status, 0);
	}
	/* a trigger file that could not be written fails the run, as a write error does */
	if (rc || !clean || g.fr.file_errors)
		return EXIT_FAILURE;
	/* CMD ended by itself: its status is spancap's, as strace passes it on. */
	return stop == SCF_STOP_COMMAND ? cmd_exit_status(g.child_status) : EXIT_SUCCESS;

fail_all:
	recorder__close(g.r, SCF_STOP_ERROR, false, NULL, 0);
	kernel__close(g.k);
	free(g.cnt);
fail_child:
	if (g.child > 0) {
		if (go_fd >= 0)
			close(go_fd); /* the child reads EOF and exits 127 */
		if (exec_fd >= 0)
			close(exec_fd);
		waitpid(g.child, NULL, 0);
	}
	return EXIT_FAILURE;
}
