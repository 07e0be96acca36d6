// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture.c - spancap: records the syscalls of processes that publish OpenTelemetry thread
 * context, each with the trace and span active on its thread, into a spancap file.
 *
 * Flow: options and capabilities; the file and its SECTION record; the BPF programs; the
 * processes to observe (given pids, every process, or a command started here and held until
 * the programs are attached); then a loop that consumes the ring buffer on a short timer,
 * re-resolves processes when they exec, map executable code or publish a process context, and
 * turns counter increases into LOSS records; on stop, a drain, the END record and one summary
 * line on stderr.
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

static struct {
	struct capture_opts o;
	struct kernel *k;
	struct recorder *r;
	pid_t child;
	int child_status;
	bool child_done;
	volatile sig_atomic_t stop_signal;
	struct {
		uint32_t pid;
		uint8_t why;
	} pending[PENDING_MAX];
	size_t n_pending;
	uint64_t resolve_overflow;
	uint64_t *cnt;
	int ncpus;
} g;

/*
 * What user space last installed per process (the kernel map may have dropped an entry by the
 * time an event about it is read): open addressing on the pid, tombstones on removal.
 */
#define PTAB_SLOTS 32768u /* a power of 2, twice SC_PROCS_MAX */
#define PTAB_EMPTY 0u
#define PTAB_GONE 0xffffffffu

struct ptab_entry {
	uint32_t pid;
	uint8_t status;
	struct sc_proc_cfg cfg;
};
static struct ptab_entry ptab[PTAB_SLOTS];

static struct ptab_entry *ptab_find(uint32_t pid, bool insert)
{
	struct ptab_entry *tomb = NULL;

	for (uint32_t i = 0, h = pid * 2654435761u; i < PTAB_SLOTS; i++) {
		struct ptab_entry *e = &ptab[(h + i) & (PTAB_SLOTS - 1)];
		if (e->pid == pid)
			return e;
		if (e->pid == PTAB_GONE && !tomb)
			tomb = e;
		if (e->pid == PTAB_EMPTY) {
			if (!insert)
				return NULL;
			e = tomb ? tomb : e;
			memset(e, 0, sizeof(*e));
			e->pid = pid;
			return e;
		}
	}
	if (insert && tomb) {
		memset(tomb, 0, sizeof(*tomb));
		tomb->pid = pid;
		return tomb;
	}
	return NULL;
}

static void ptab_set(uint32_t pid, uint8_t status, const struct sc_proc_cfg *cfg)
{
	struct ptab_entry *e = ptab_find(pid, true);

	if (e) {
		e->status = status;
		e->cfg = *cfg;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: spancap -w FILE [options] (-p PID[,PID...] | --all | -- CMD [ARGS...])\n"
		"\n"
		"Records the syscalls of processes, each with the OpenTelemetry trace and span\n"
		"active on its thread (OTEP 4947 thread context), into a spancap file (pcapng,\n"
		"zstd-compressed unless -u).\n"
		"\n"
		"What to record:\n"
		"  -p, --pid PID[,PID...]  processes to record (and the processes they fork)\n"
		"      --all               every process on the host (but spancap itself)\n"
		"  -- CMD [ARGS...]        start CMD once the probes are attached, record it and its\n"
		"                          descendants, stop when it exits\n"
		"\n"
		"Which syscalls (filtered in the kernel):\n"
		"  -e, --events SEL[,SEL]  only these syscalls (repeatable): x86_64 syscall names or\n"
		"                          classes: %s;\n"
		"                          fork, exec and exit are always recorded, and so are\n"
		"                          executable mmaps and prctl(PR_SET_VMA)\n"
		"      --only-in-span      only syscalls made while the thread has a valid context\n"
		"                          (and those whose context could not be read)\n"
		"  -s, --snaplen N         keep at most N bytes (1..%d) of each path, argv string\n"
		"                          and exec argument block; longer ones are flagged truncated\n"
		"\n"
		"Output and limits:\n"
		"  -w, --write FILE        the capture file (created 0600; never follows a symlink);\n"
		"                          - writes to standard output (a pipe or a file, not a tty)\n"
		"  -u, --uncompressed      plain pcapng instead of zstd\n"
		"  -c, --count N           stop after N syscall records\n"
		"      --duration SECONDS  stop after this long\n"
		"\n"
		"Tuning:\n"
		"      --tick-ms MS        ring-buffer polling period (default 20)\n"
		"      --ringbuf-size B    kernel ring buffer bytes, a power of 2 (default %u)\n"
		"  -v, --verbose           report resolutions and re-resolutions on stderr\n"
		"  -h, --help              this text\n"
		"      --version           print the version and exit\n"
		"\n"
		"Needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load the probes and\n"
		"CAP_SYS_PTRACE to read the target processes' memory. SIGINT/SIGTERM stop cleanly.\n",
		syscall_select_classes(), SC_STR_MAX - 1, SC_RINGBUF_DEFAULT);
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

enum {
	OPT_ALL = 256,
	OPT_DURATION,
	OPT_TICK,
	OPT_RINGBUF,
	OPT_VERSION,
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
		{"events", required_argument, NULL, 'e'},
		{"only-in-span", no_argument, NULL, OPT_ONLY_IN_SPAN},
		{"snaplen", required_argument, NULL, 's'},
		{0},
	};
	char *end;
	int c;

	g.o.tick_ms = 20;
	while ((c = getopt_long(argc, argv, "+w:p:c:uvhe:s:", longopts, NULL)) != -1) {
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
		default:
			usage(stderr);
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

	struct ptab_entry *parent = ptab_find(ppid, false);

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
	struct ptab_entry *e = ptab_find(pid, false);

	if (e)
		e->pid = PTAB_GONE;
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

/* ---- the run loop -------------------------------------------------------------------------- */

static int on_event(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	return recorder__event(g.r, data, len);
}

static void on_signal(int sig)
{
	g.stop_signal = sig;
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
	int p[2];

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
	bool clean = true;
	int go_fd = -1, rc;
	struct sigaction sa = {.sa_handler = on_signal};

	if (parse_args(argc, argv))
		return EXIT_FAILURE;
	if (check_caps())
		return EXIT_FAILURE;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (g.o.cmd && (rc = start_child(&go_fd))) {
		fprintf(stderr, "spancap: cannot start %s: %s\n", g.o.cmd[0], strerror(-rc));
		return EXIT_FAILURE;
	}
	g.r = recorder__open(&g.o, argc, argv, err, sizeof(err));
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
	/* Drain: everything the kernel handed over before now. */
	while (kernel__consume(g.k) > 0)
		;
	run_pending();
	poll_counters();
	{
		uint64_t written = recorder__written(g.r), lost = recorder__lost(g.r);
		rc = recorder__close(g.r, stop, clean, err, sizeof(err));
		g.r = NULL;
		if (rc)
			fprintf(stderr, "spancap: %s\n", err);
		fprintf(stderr, "%llu events written, %llu lost\n",
			(unsigned long long)written,
			(unsigned long long)lost);
	}
	kernel__close(g.k);
	free(g.cnt);
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
