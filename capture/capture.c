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
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "syscall_select.h"

#define PENDING_MAX 256
#define DRAIN_MAX_NS 2000000000ull

static uint64_t mono_ns(void);

static struct {
	struct capture_opts o;
	struct kernel *k;
	struct recorder *r;
	pid_t child;
	int child_status;
	bool child_done;
	volatile sig_atomic_t stop_signal;
	volatile sig_atomic_t n_signals;
	struct output out;
	struct {
		uint32_t pid;
		uint8_t why;
	} pending[PENDING_MAX];
	size_t n_pending;
	uint64_t resolve_overflow;
	uint64_t *cnt;
	int ncpus;
	struct proc_table *ptab;
	struct privs_user user; /* -Z USER, resolved before the fork */
	struct stats stats;
	uint64_t next_reclaim_ns;
} g;

/* Slots of the process table: twice the kernel map, so probe runs stay short. */
#define PTAB_SLOTS (2u * SC_PROCS_MAX)

static void ptab_set(uint32_t pid, uint8_t status, const struct sc_proc_cfg *cfg)
{
	struct ptab_entry *e = ptab__insert(g.ptab, pid);

	if (e) {
		e->status = status;
		e->cfg = *cfg;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: spancap -w FILE [OPTIONS] (-p PID[,PID...] | --all | -- CMD [ARGS...])\n"
		"\n"
		"Records the syscalls of processes, each with the OpenTelemetry trace and span\n"
		"active on its thread (OTEP 4947 thread context, OTEP 4719 process context), into\n"
		"a spancap file: pcapng, zstd-compressed unless -u. spancap-analyze reads it.\n"
		"\n"
		"Process selection (exactly one of -p, --all, -- CMD):\n"
		"  -p, --pid PID[,PID...]   these processes (at most %d) and those they fork\n"
		"      --all                every process on the host but spancap itself\n"
		"  -- CMD [ARGS...]         start CMD once the probes are attached, record it and\n"
		"                           its descendants, stop when it exits\n"
		"  -Z, --user USER          run CMD as USER (a name or a uid) with USER's groups;\n"
		"                           default: the invoking user (see Privileges)\n"
		"\n"
		"Which syscalls (filtered in the kernel):\n"
		"  -e, --events SEL[,SEL]   only these syscalls (repeatable): x86_64 syscall\n"
		"                           names or classes: %s;\n"
		"                           fork, exec and exit are always recorded, and so are\n"
		"                           executable mmaps and prctl(PR_SET_VMA)\n"
		"      --only-in-span       only syscalls made while the thread has a valid context\n"
		"                           (and those whose context could not be read)\n"
		"  -s, --snaplen N          keep at most N bytes (1..%d) of each path, argv string\n"
		"                           and exec argument block; longer ones are flagged\n"
		"                           truncated\n"
		"\n"
		"Output:\n"
		"  -w, --write FILE         the capture file, created mode 0600, never through a\n"
		"                           symbolic link; - is standard output (not a terminal)\n"
		"  -u, --uncompressed       plain pcapng instead of zstd-compressed\n"
		"      --compress-level N   zstd level: 1 (the default) to 19 for smaller files,\n"
		"                           -7 to -1 for less CPU\n"
		"  -C, --file-size SIZE     rotate: a new file once the current one holds SIZE\n"
		"                           bytes (k, M, G suffixes; at least 4k)\n"
		"  -G, --rotate-seconds S   rotate: a new file every S seconds (a decimal number)\n"
		"  -W, --file-count N       with -C or -G: keep only the last N files, removing\n"
		"                           the oldest\n"
		"  With -C or -G the files are named FILE with a sequence number before its\n"
		"  extension: -w app.pcapng.zst writes app-000001.pcapng.zst, app-000002...,\n"
		"  so that names sort in time order. Each file starts with the host, every\n"
		"  recorded process (its resolution, resource attributes and key map), its\n"
		"  threads and open fds: spancap-analyze reads any one of them alone. Counters in\n"
		"  a file's END record are the capture's totals so far; records and bytes are the\n"
		"  file's.\n"
		"\n"
		"Limits (the first one reached stops the capture; default: none):\n"
		"  -c, --count N            stop after N syscall records\n"
		"      --duration SECONDS   stop after SECONDS (a decimal number)\n"
		"\n"
		"Reporting (on standard error):\n"
		"  -q, --quiet              errors only: no summary line (--stats still prints)\n"
		"      --stats[=SECONDS]    live counters every SECONDS (default 1), then a line\n"
		"                           starting \"spancap: stats final\"; counters are named\n"
		"                           as in the file's END record (records, bytes, events,\n"
		"                           ringbuf_drops, map_full, write_drops, arg_faults,\n"
		"                           ctx_faults, ctx_invalid, unmatched), plus syscalls,\n"
		"                           events/s, procs (processes with an installed\n"
		"                           configuration) and resolved (their context located)\n"
		"  -v, --verbose            report each resolution and re-resolution\n"
		"  -h, --help               this text\n"
		"      --version            the version of spancap and of its file format\n"
		"\n"
		"Tuning:\n"
		"      --tick-ms MS         ring-buffer polling period, 1 to 1000 (default 20)\n"
		"      --ringbuf-size BYTES kernel ring buffer, a power of 2 >= 4096\n"
		"                           (default %u)\n"
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
		"\n"
		"Exit status:\n"
		"  0  the capture ended cleanly (signal, limit, or the end of CMD)\n"
		"  1  bad usage, a missing capability, or an error while capturing, such as a\n"
		"     full disk (the message names the file; it stays readable up to the error)\n"
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
		"  spancap -w - -- ./my-service | spancap-analyze traces -\n"
		"\n"
		"See spancap(8).\n",
		CAP_MAX_PIDS, syscall_select_classes(), SC_STR_MAX - 1, SC_RINGBUF_DEFAULT);
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

/* -q, --stats[=SECONDS], -Z USER */
static int parse_report_opt(int c, const char *arg)
{
	char *end;

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
		g.o.stats_s = strtod(arg, &end);
		if (end == arg || *end || !(g.o.stats_s >= 0.01 && g.o.stats_s <= 86400)) {
			fprintf(stderr,
				"spancap: bad --stats interval '%s' (0.01 to 86400 s)\n", arg);
			return -1;
		}
	}
	return 0;
}

/* SIZE with an optional k, M or G suffix (powers of 1024). */
static int parse_size(const char *arg, uint64_t *v)
{
	char *end;
	unsigned long long n = strtoull(arg, &end, 10);
	unsigned shift = 0;

	if (end == arg || arg[0] == '-')
		return -1;
	if (*end && strchr("kKmMgG", *end)) {
		shift = *end == 'k' || *end == 'K' ? 10 : *end == 'm' || *end == 'M' ? 20 : 30;
		end++;
	}
	if (*end || !n || n > (UINT64_MAX >> shift))
		return -1;
	*v = (uint64_t)n << shift;
	return 0;
}

/* -C SIZE, -G SECONDS, -W COUNT, --compress-level N */
static int parse_output_opt(int c, const char *arg)
{
	char *end;
	long v;

	switch (c) {
	case 'C':
		if (parse_size(arg, &g.o.rotate_bytes) || g.o.rotate_bytes < 4096) {
			fprintf(stderr, "spancap: bad -C size '%s' (bytes, k/M/G suffix, at least 4k)\n",
				arg);
			return -1;
		}
		return 0;
	case 'G':
		g.o.rotate_seconds = strtod(arg, &end);
		if (end == arg || *end || !(g.o.rotate_seconds >= 0.1 && g.o.rotate_seconds <= 1e7)) {
			fprintf(stderr, "spancap: bad -G period '%s' (0.1 to 10000000 seconds)\n", arg);
			return -1;
		}
		return 0;
	case 'W':
		v = strtol(arg, &end, 10);
		if (end == arg || *end || v < 1 || v > 1000000) {
			fprintf(stderr, "spancap: bad -W count '%s' (1 to 1000000 files)\n", arg);
			return -1;
		}
		g.o.rotate_files = v;
		return 0;
	}
	v = strtol(arg, &end, 10);
	if (end == arg || *end || v < -7 || v > 19 || v == 0) {
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
	OPT_VERSION,
	OPT_STATS,
	OPT_LEVEL,
	OPT_ONLY_IN_SPAN,
};

/* ---- kernel-side selection options (-e, --only-in-span, -s) -------------------------------- */

static int parse_selection_opt(int c, const char *arg)
{
	char err[256];
	char *end;

	switch (c) {
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
		g.o.snaplen = strtoul(arg, &end, 10);
		if (*end || !g.o.snaplen || g.o.snaplen > SC_STR_MAX - 1) {
			fprintf(stderr, "spancap: bad snaplen '%s' (1..%d bytes)\n", arg,
				SC_STR_MAX - 1);
			return -1;
		}
		return 0;
	}
	return -1;
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
		{"events", required_argument, NULL, 'e'},
		{"only-in-span", no_argument, NULL, OPT_ONLY_IN_SPAN},
		{"snaplen", required_argument, NULL, 's'},
		{0},
	};
	char *end;
	int c;

	g.o.tick_ms = 20;
	while ((c = getopt_long(argc, argv, "+w:p:c:uvhqZ:C:G:W:e:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
		case 's':
		case OPT_ONLY_IN_SPAN:
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
		case 'c':
			g.o.max_count = strtoull(optarg, &end, 10);
			if (*end || !g.o.max_count) {
				fprintf(stderr, "spancap: bad count '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_DURATION:
			g.o.duration_s = strtod(optarg, &end);
			if (*end || g.o.duration_s <= 0) {
				fprintf(stderr, "spancap: bad duration '%s' (seconds)\n", optarg);
				return -1;
			}
			break;
		case 'u':
			g.o.uncompressed = true;
			break;
		case OPT_TICK:
			g.o.tick_ms = strtoul(optarg, &end, 10);
			if (*end || !g.o.tick_ms || g.o.tick_ms > 1000) {
				fprintf(stderr, "spancap: bad tick '%s' (1..1000 ms)\n", optarg);
				return -1;
			}
			break;
		case OPT_RINGBUF:
			g.o.ringbuf_bytes = strtoul(optarg, &end, 0);
			if (*end || g.o.ringbuf_bytes < 4096 ||
			    (g.o.ringbuf_bytes & (g.o.ringbuf_bytes - 1))) {
				fprintf(stderr, "spancap: bad ring buffer size '%s' (power of 2)\n",
					optarg);
				return -1;
			}
			break;
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
	if (!!g.o.n_pids + !!g.o.all + !!g.o.cmd != 1) {
		fprintf(stderr, "spancap: give exactly one of -p PID, --all, -- CMD; see --help\n");
		return -1;
	}
	if (g.o.quiet && g.o.verbose) {
		fprintf(stderr, "spancap: -q and -v contradict each other\n");
		return -1;
	}
	if (g.o.rotate_files && !g.o.rotate_bytes && !g.o.rotate_seconds) {
		fprintf(stderr, "spancap: -W COUNT keeps a ring of rotated files: give -C or -G too\n");
		return -1;
	}
	if (g.o.compress_level && g.o.uncompressed) {
		fprintf(stderr, "spancap: --compress-level and -u contradict each other\n");
		return -1;
	}
	if (g.o.user && !g.o.cmd) {
		fprintf(stderr, "spancap: -Z USER applies to -- CMD only\n");
		return -1;
	}
	return 0;
}

/* ---- capabilities -------------------------------------------------------------------------- */

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

static int check_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};
	bool load, ptrace;

	if (syscall(SYS_capget, &h, d)) {
		fprintf(stderr, "spancap: capget: %s\n", strerror(errno));
		return -1;
	}
	load = has_cap(d, CAP_SYS_ADMIN) || (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON));
	ptrace = has_cap(d, CAP_SYS_PTRACE);
	if (load && ptrace)
		return 0;
	fprintf(stderr,
		"spancap: missing capabilities:%s%s; run as root or grant them "
		"(setcap cap_bpf,cap_perfmon,cap_sys_ptrace+ep spancap)\n",
		load ? "" : " CAP_BPF+CAP_PERFMON (or CAP_SYS_ADMIN) to load the probes",
		ptrace ? "" : load ? " CAP_SYS_PTRACE to read target memory"
				   : ", CAP_SYS_PTRACE to read target memory");
	return -1;
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
	/* Removed after the walks: a deletion would move entries under the iterators. */
	for (size_t i = 0; i < n; i++)
		forget(dead[i]);
}

/* Once per loop turn: --stats lines and the periodic sweep. */
static void housekeeping(uint64_t now)
{
	if (stats__due(&g.stats, now))
		stats__print(&g.stats, stderr, g.r, g.ptab, now, false);
	if (now >= g.next_reclaim_ns) {
		reclaim_dead();
		g.next_reclaim_ns = now + RECLAIM_PERIOD_NS;
	}
}

/* ---- processes ----------------------------------------------------------------------------- */

static const char *why_name(uint8_t why)
{
	switch (why) {
	case RESOLVE_EXEC:
		return "exec";
	case RESOLVE_MMAP_EXEC:
		return "executable mapping";
	case RESOLVE_PRCTL_VMA:
		return "process context published";
	case RESOLVE_FORK:
		return "forked before its parent was resolved";
	}
	return "scan";
}

/*
 * Resolves pid, installs its configuration, writes a PROCESS record when something changed
 * (always for origin SCAN and EXEC). Returns 0 or -ESRCH.
 */
static int observe(pid_t pid, uint8_t origin, uint8_t why, bool force_observe)
{
	struct ctxsrc_result *res = malloc(sizeof(*res));
	struct sc_proc_cfg old;
	bool was = false;
	int rc;

	if (!res)
		return -ENOMEM;
	rc = ctxsrc_resolve(pid, res);
	if (rc) {
		free(res);
		return rc;
	}
	was = kernel__lookup(g.k, pid, &old) == 0;
	res->cfg.generation = was ? old.generation + 1 : 1;
	/* A re-resolution that finds the same layout says nothing new, unless the process
	 * context itself was republished. */
	if (origin == SCF_ORIGIN_CTX_UPDATE && was && why != RESOLVE_PRCTL_VMA &&
	    old.kind == res->cfg.kind && old.tp_offset == res->cfg.tp_offset &&
	    old.module_id == res->cfg.module_id && old.offset == res->cfg.offset)
		goto out;
	/*
	 * The same program is still running (exec resets the kernel's entry itself): a
	 * re-resolution that finds nothing usable (a transient read failure, a loader half-way
	 * through a dlopen) must not take away a layout that works.
	 */
	if (origin == SCF_ORIGIN_CTX_UPDATE && was && old.kind != SC_TLS_NONE &&
	    res->status != SCF_CTX_RESOLVED) {
		if (g.o.verbose)
			fprintf(stderr, "spancap: pid %d (%s): keeping its resolution: %s: %s\n", pid,
				why_name(why), scf_ctx_status_name(res->status), res->reason);
		goto out;
	}
	if (was || force_observe || res->status == SCF_CTX_RESOLVED) {
		rc = kernel__observe(g.k, pid, &res->cfg);
		if (rc)
			fprintf(stderr, "spancap: pid %d: cannot install its configuration: %s\n",
				pid, strerror(-rc));
		else
			ptab_set(pid, res->status, &res->cfg);
		/* Exited while being resolved: the kernel deleted nothing, the entry is stale. */
		if (!rc && pid_gone(pid))
			forget(pid);
	}
	if (g.o.verbose) {
		if (res->status == SCF_CTX_RESOLVED)
			fprintf(stderr, "spancap: pid %d (%s): resolved via %s in %s\n", pid,
				why_name(why), scf_tls_model_name(res->tls_model), res->tls_module);
		else
			fprintf(stderr, "spancap: pid %d (%s): %s: %s\n", pid, why_name(why),
				scf_ctx_status_name(res->status), res->reason);
	}
	scan_write_process(g.r, pid, 0, origin, res);
out:
	ctxsrc_result_release(res);
	free(res);
	return 0;
}

void capture_request_resolve(uint32_t pid, enum resolve_why why)
{
	for (size_t i = 0; i < g.n_pending; i++) {
		if (g.pending[i].pid == pid) {
			if (why == RESOLVE_EXEC)
				g.pending[i].why = why;
			return;
		}
	}
	if (g.n_pending == PENDING_MAX) {
		g.resolve_overflow++;
		return;
	}
	g.pending[g.n_pending].pid = pid;
	g.pending[g.n_pending].why = why;
	g.n_pending++;
}

void capture_on_fork(uint32_t pid, uint32_t ppid, bool inherited, bool no_route)
{
	struct ctxsrc_result res;
	struct sc_proc_cfg cfg;

	const struct ptab_entry *parent = ptab__find(g.ptab, ppid);

	memset(&res, 0, sizeof(res));
	/*
	 * The parent forked before its resolution reached the kernel (the fork event is read
	 * later than it happened): the child's copy has no route. Say so, and resolve the child.
	 */
	if (inherited && parent && no_route && parent->cfg.kind != SC_TLS_NONE) {
		cfg = parent->cfg;
		cfg.kind = SC_TLS_NONE;
		res.cfg = cfg;
		res.status = SCF_CTX_NONE;
		snprintf(res.reason, sizeof(res.reason),
			 "forked before the resolution of %u reached the kernel", ppid);
		ptab_set(pid, res.status, &cfg);
		scan_write_process(g.r, pid, ppid, SCF_ORIGIN_FORK, &res);
		capture_request_resolve(pid, RESOLVE_FORK);
		return;
	}
	/* The kernel copied the parent's entry; the child may be gone already, so the copy is
	 * taken from what user space installed for the parent. */
	if (inherited && parent) {
		cfg = parent->cfg;
		res.cfg = cfg;
		res.status = cfg.kind != SC_TLS_NONE ? SCF_CTX_INHERITED : parent->status;
		ptab_set(pid, res.status, &cfg);
	}
	scan_write_process(g.r, pid, ppid, SCF_ORIGIN_FORK, &res);
}

void capture_process_gone(uint32_t pid)
{
	ptab__remove(g.ptab, pid);
	for (size_t i = 0; i < g.n_pending; i++) {
		if (g.pending[i].pid == pid) {
			g.pending[i] = g.pending[--g.n_pending];
			return;
		}
	}
}

static void run_pending(void)
{
	while (g.n_pending) {
		uint32_t pid = g.pending[g.n_pending - 1].pid;
		uint8_t why = g.pending[g.n_pending - 1].why;
		g.n_pending--;
		observe(pid, why == RESOLVE_EXEC ? SCF_ORIGIN_EXEC : SCF_ORIGIN_CTX_UPDATE, why,
			false);
	}
}

static void scan_one(void *ctx, pid_t pid)
{
	(void)ctx;
	if (observe(pid, SCF_ORIGIN_SCAN, 0, false) == 0) {
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
	if (ctxsrc_resolve(pid, res)) {
		free(res);
		return; /* gone: its exit is in the ring buffer or was counted as lost */
	}
	if (e) {
		res->status = e->status;
		res->cfg = e->cfg;
	}
	scan_write_process(g.r, pid, 0, SCF_ORIGIN_SCAN, res);
	ctxsrc_result_release(res);
	free(res);
	scan_write_threads(g.r, pid);
	scan_write_fds(g.r, pid);
}

static int rotate(char *err, size_t errlen)
{
	const struct ptab_entry *e;
	uint32_t pos = 0, n = 0, cap = ptab__count(g.ptab);
	pid_t *pids;
	int rc;

	rc = output__advance(&g.out);
	if (!rc)
		rc = recorder__rotate(g.r, g.out.path, err, errlen);
	if (rc)
		return rc;
	output__started(&g.out, mono_ns());
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
	if (g.o.verbose)
		fprintf(stderr, "spancap: now writing %s\n", g.out.path);
	return output__prune(&g.out, err, errlen);
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

static int on_event(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	return recorder__event(g.r, data, len);
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

/* Forks the command; it waits on a pipe until the probes are attached. */
static int start_child(int *go_fd)
{
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	g.child = fork();
	if (g.child < 0)
		return -errno;
	if (g.child == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127); /* the capture gave up */
		close(p[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL); /* an ignored disposition would survive the exec */
		if ((rc = privs__become(&g.user))) {
			fprintf(stderr, "spancap: cannot run %s as %s: %s\n", g.o.cmd[0],
				g.user.set ? g.user.name : "the invoking user", strerror(-rc));
			_exit(127);
		}
		execvp(g.o.cmd[0], g.o.cmd);
		fprintf(stderr, "spancap: cannot run %s: %s\n", g.o.cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	return 0;
}

int main(int argc, char **argv)
{
	struct kernel_opts ko = {0};
	char err[SCF_ERRMSG_MAX] = "";
	uint64_t t0, deadline = 0;
	uint8_t stop = SCF_STOP_SIGNAL;
	bool clean = true, write_error = false;
	int go_fd = -1, rc;
	struct sigaction sa = {.sa_handler = on_signal};

	if (parse_args(argc, argv))
		return EXIT_FAILURE;
	if (check_caps())
		return EXIT_FAILURE;
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

	if (g.o.cmd && (rc = start_child(&go_fd))) {
		fprintf(stderr, "spancap: cannot start %s: %s\n", g.o.cmd[0], strerror(-rc));
		return EXIT_FAILURE;
	}
	if (output__init(&g.out, &g.o, err, sizeof(err))) {
		fprintf(stderr, "spancap: %s\n", err);
		goto fail_child;
	}
	g.r = recorder__open(&g.o, g.out.path, argc, argv, err, sizeof(err));
	if (!g.r) {
		fprintf(stderr, "spancap: %s\n", err);
		goto fail_child;
	}
	ko.self = getpid();
	ko.trace_all = g.o.all;
	ko.ringbuf_bytes = g.o.ringbuf_bytes;
	ko.sel_on = g.o.sel_on;
	ko.sel_bits = g.o.sel_bits;
	ko.only_in_span = g.o.only_in_span;
	ko.snaplen = g.o.snaplen;
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
			ptab_set(g.child, SCF_CTX_NONE, &none);
		if (rc) {
			fprintf(stderr, "spancap: cannot observe pid %d: %s\n", g.child,
				strerror(-rc));
			goto fail_all;
		}
		scan_write_process(g.r, g.child, getpid(), SCF_ORIGIN_SCAN, NULL);
		scan_write_threads(g.r, g.child);
		scan_write_fds(g.r, g.child);
		if (write(go_fd, "g", 1) != 1) {
			fprintf(stderr, "spancap: cannot release %s: %s\n", g.o.cmd[0],
				strerror(errno));
			goto fail_all;
		}
		close(go_fd);
		go_fd = -1;
	} else if (g.o.all) {
		scan_pids(scan_one, NULL);
	} else {
		for (size_t i = 0; i < g.o.n_pids; i++) {
			if (observe(g.o.pids[i], SCF_ORIGIN_SCAN, 0, true) == -ESRCH) {
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
	if (g.o.duration_s > 0)
		deadline = t0 + (uint64_t)(g.o.duration_s * 1e9);
	while (!g.stop_signal) {
		rc = kernel__poll(g.k, g.o.tick_ms);
		if (rc < 0 && rc != -EINTR) {
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
		if (output__due(&g.out, recorder__file_bytes(g.r), mono_ns()) &&
		    rotate(err, sizeof(err))) {
			fprintf(stderr, "spancap: %s\n", err);
			stop = SCF_STOP_ERROR;
			clean = false;
			break;
		}
		housekeeping(mono_ns());
		if (g.o.max_count && recorder__syscalls(g.r) >= g.o.max_count) {
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
	 * the drain is bounded in time, and a second SIGINT/SIGTERM cuts it short.
	 */
	{
		uint64_t drain_end = mono_ns() + DRAIN_MAX_NS;
		sig_atomic_t signals = g.n_signals;
		const char *msg;

		while (kernel__consume(g.k) > 0 && mono_ns() < drain_end && g.n_signals == signals &&
		       !recorder__error(g.r, &msg))
			;
	}
	run_pending();
	poll_counters();
	if (g.o.stats_s > 0) {
		recorder__flush(g.r); /* bytes as the END record will count them */
		stats__print(&g.stats, stderr, g.r, g.ptab, mono_ns(), true);
	}
	recorder__flush(g.r); /* "written" counts the events of ended frames only */
	{
		uint64_t written = recorder__written(g.r), lost = recorder__lost(g.r);
		rc = recorder__close(g.r, stop, clean, err, sizeof(err));
		g.r = NULL;
		if (rc && !write_error) /* else said already */
			fprintf(stderr, "spancap: %s\n", err);
		if (!g.o.quiet)
			fprintf(stderr, "%llu events written, %llu lost\n",
				(unsigned long long)written, (unsigned long long)lost);
	}
	kernel__close(g.k);
	free(g.cnt);
	ptab__free(g.ptab);
	if (g.o.cmd && !g.child_done) {
		kill(g.child, SIGTERM);
		waitpid(g.child, &g.child_status, 0);
	}
	return rc || !clean ? EXIT_FAILURE : EXIT_SUCCESS;

fail_all:
	recorder__close(g.r, SCF_STOP_ERROR, false, NULL, 0);
	kernel__close(g.k);
	free(g.cnt);
fail_child:
	if (g.child > 0) {
		if (go_fd >= 0)
			close(go_fd); /* the child reads EOF and exits 127 */
		waitpid(g.child, NULL, 0);
	}
	return EXIT_FAILURE;
}
