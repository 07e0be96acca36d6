/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - the capture core's internal interfaces:
 *   capture_kernel.c   the BPF skeleton: load, attach, process map, counters, ring buffer
 *   capture_records.c  kernel events -> formats/ records, section / loss / end records
 *   capture_scan.c     /proc: processes, threads, fd snapshots
 *   capture.c          command line, run loop, signals, the traced command
 */
#ifndef SPANCAP_CAPTURE_H
#define SPANCAP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
	unsigned tick_ms;
	uint32_t ringbuf_bytes;
	bool verbose;
	/* kernel-side selection (-e, --only-in-span, -s) */
	bool sel_on;
	uint64_t sel_bits[SC_SEL_WORDS];
	bool only_in_span;
	uint32_t snaplen; /* 0: the defaults (SC_STR_MAX, SC_ARGV_STR_MAX) */
};

struct kernel;

/* ---- capture_kernel.c ------------------------------------------------------------------------ */

struct kernel_opts {
	pid_t self;
	bool trace_all;
	uint32_t ringbuf_bytes;
	bool sel_on;
	const uint64_t *sel_bits; /* SC_SEL_WORDS words when sel_on */
	bool only_in_span;
	uint32_t snaplen;
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
void kernel__close(struct kernel *k);

/* ---- capture_records.c ----------------------------------------------------------------------- */

struct recorder;

struct recorder *recorder__open(const struct capture_opts *o, int argc, char **argv, char *err,
				size_t errlen);
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
uint64_t recorder__syscalls(const struct recorder *r);
uint64_t recorder__events(const struct recorder *r);
/* kernel events received and written */
uint64_t recorder__written(const struct recorder *r);
/* events dropped: in the kernel (ring buffer, map full) and in user space (write errors) */
uint64_t recorder__lost(const struct recorder *r);

/* Hooks the records layer calls back into capture.c (re-resolution triggers). */
enum resolve_why {
	RESOLVE_EXEC = 1,
	RESOLVE_MMAP_EXEC = 2,
	RESOLVE_PRCTL_VMA = 3,
	RESOLVE_FORK = 4, /* forked before its parent's resolution reached the kernel */
};
void capture_request_resolve(uint32_t pid, enum resolve_why why);
void capture_process_gone(uint32_t pid);
/* inherited: the kernel copied the parent's entry; no_route: that copy had no TLS route */
void capture_on_fork(uint32_t pid, uint32_t ppid, bool inherited, bool no_route);

/* ---- capture_scan.c -------------------------------------------------------------------------- */

/* Writes a PROCESS record for pid with its resolution (res may be NULL); origin is enum
 * scf_proc_origin; ppid is used when /proc no longer has the process (0: unknown). */
int scan_write_process(struct recorder *r, pid_t pid, pid_t ppid, uint8_t origin,
		       const struct ctxsrc_result *res);
/* Writes THREAD (SEEN) records for every thread of pid. */
int scan_write_threads(struct recorder *r, pid_t pid);
/* Writes FD records for every open descriptor of pid (socket addresses from /proc/net). */
int scan_write_fds(struct recorder *r, pid_t pid);
/* Calls fn for every live process (numeric /proc entries but the caller's own). */
int scan_pids(void (*fn)(void *ctx, pid_t pid), void *ctx);

#endif /* SPANCAP_CAPTURE_H */
