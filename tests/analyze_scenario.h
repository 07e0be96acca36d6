/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analyze_scenario.h - a known capture for the analyzer's tests, written through formats/.
 *
 * Host "scenario-host": process 100 "svc" (service.name "checkout", key map http.route,
 * http.method, user_id) with threads 101 "worker-1" and 102 "worker-2", and process 300
 * "noctx" whose context could not be resolved.
 *
 * Trace A (0a0a...), span A1 on thread 101 (attributes http.route=/api/orders,
 * http.method=POST after an earlier GET): openat /etc/hosts = 3, read 120 + read 0, close,
 * openat /etc/missing.conf = ENOENT, write 64 on fd 1 (/var/log/svc.log from the FD snapshot),
 * dup(1) = 4, write 10 on 4, fcntl(4, F_DUPFD_CLOEXEC, 10) = 10, close(4), write 5 on 10,
 * write on 4 = EBADF.
 * Span A2 on thread 102: socket = 8, connect to 127.0.0.1:5432, sendto 100, recvfrom 250,
 * clone = 200 (a child, which execs /bin/sh -c true and exits 0), close(8).
 * Child 200 (no context): after exec, write 4 on fd 1 (inherited: /var/log/svc.log) and write
 * on fd 7 (/srv/data.db was close-on-exec: unknown after exec).
 * Trace B (0b0b...), span B1 on thread 101: openat /etc/hosts = 3, read 500, close; a LOSS
 * record (17 events, ring buffer full, cpu 0) overlaps its read: B is incomplete, A is not.
 *
 * Variant 1 is a second host "scenario-host-2" whose process 400 "db" (service "orders-db")
 * has span A3 of trace A: one read of 42 bytes on a socket from the FD snapshot.
 *
 * Variant 2 is host "ctx-host", where process contexts change (trace 0c0c..., one read of 1
 * byte per syscall). Process 500 "pub" is first unresolved (REASON SCEN_CTX_STALE_REASON), then
 * publishes service.name "pub-svc", the attribute deployment.region "eu" and the key map
 * http.route, user_id (KEY_MAP item, and threadlocal.* entries in its EXTRA_ATTRS as a
 * publisher writes them). Its threads 501 and 502 both run span C1 (c1c1...), with
 * http.route=/a user_id=alice on 501 (two reads) and http.route=/b user_id=bob on 502 (one
 * read). At 100 us it updates its context without a key map (deployment.region "us"); span C3
 * on 501 then records key 0 = "/c", which no key map names. Process 600 "gone" publishes
 * service.name "gone-svc", team "core" and the key map; its span D1 (one read) has
 * http.route=/c; at 300 us it unpublishes (status none, REASON SCEN_GONE_REASON) and span D2
 * (one read) runs without a context.
 */
/*
 * Variant 4 is variant 1's records under variant 0's host name "scenario-host": another boot
 * (b2b2...) of the same host name.
 *
 * Variant 3 is host "late-host": process 800 is described as "spancap" (thread 800 too), then
 * execs /bin/sh ("sh"); it forks 801, which execs /bin/ls with argv "ls /" (execve record),
 * makes one getpid, is re-described after it is gone (ppid 0, empty NAME and ARGV items), exits,
 * and only then come the record of 800's clone that made it and the PROCESS record of its fork
 * (ppid 800, no start time, empty items).
 * Process 802 makes a syscall in span B1 (trace 0b0b...) and dies of SIGSEGV, core dumped;
 * process 803 makes one in span A1 (trace 0a0a...), one outside any span, and dies of SIGKILL.
 */
#ifndef ANALYZE_SCENARIO_H
#define ANALYZE_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spancap_file.h"

#define SCEN_T0 1790000000000000000ull
#define SCEN_PID 100
#define SCEN_TID1 101
#define SCEN_TID2 102
#define SCEN_CHILD 200
#define SCEN_NOCTX_PID 300
#define SCEN_PID2 400

#define SCEN_TRACE_A "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
#define SCEN_TRACE_B "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define SCEN_SPAN_A1 "a1a1a1a1a1a1a1a1"
#define SCEN_SPAN_A2 "a2a2a2a2a2a2a2a2"
#define SCEN_SPAN_A3 "a3a3a3a3a3a3a3a3"
#define SCEN_SPAN_B1 "b1b1b1b1b1b1b1b1"

#define SCEN_CTX_PID 500
#define SCEN_CTX_TID1 501
#define SCEN_CTX_TID2 502
#define SCEN_GONE_PID 600
#define SCEN_LATE_PID 800
#define SCEN_LATE_CHILD 801
#define SCEN_KILLED_PID 802 /* and 803 */
#define SCEN_TRACE_C "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"
#define SCEN_SPILL_PID 900
#define SCEN_SPAN_C1 "c1c1c1c1c1c1c1c1"
#define SCEN_SPAN_C3 "c3c3c3c3c3c3c3c3"
#define SCEN_SPAN_D1 "d1d1d1d1d1d1d1d1"
#define SCEN_SPAN_D2 "d2d2d2d2d2d2d2d2"
#define SCEN_CTX_STALE_REASON "none of 3 modules defines otel_thread_ctx_v1"
#define SCEN_GONE_REASON "process context unpublished"

/*
 * Variant 5 is host "spill-host", for the merge of spilled partials (test_trace_spill.c):
 * process 900 "spill" (service "spill-svc", key map http.route, user_id) with thread 901, in
 * trace 0c0c...: span E1 (e1e1...) has only two context records, 10 us apart; span E2 records
 * http.route=/x (key 0), then the process replaces its key map by user_id, http.route (and
 * its service by "spill-svc-2") and E2 records key 1 = eve; span E3 has one read in each of processes 910 "crash" and 920 "quit",
 * which die by SIGSEGV and then SIGKILL while in it. Span E4 (trace 0d0d..., e4e4...) on
 * thread 901 has a read failing with EAGAIN, then (after a read outside any span) reads
 * failing with EINTR, EIO, ENOENT, EBADF and EAGAIN: syscalls --by span shows EAGAIN:2 and
 * the three next, EBADF among the others, however E4's parts were spilled.
 */

/*
 * Variant 6 is host "filter-host", for the spill under filters that deselect syscalls (a
 * selected syscall is a read failing with EAGAIN, another a write): process 950 "filt" with
 * threads 951-953, and processes 960 "view", 970 "watch", 980 "late", 990 "peer", 1000
 * "seek". 951 makes span F1 (trace 6161..., span f1f1...); 953 runs spans of other traces
 * (64.. to 6c..) in between; 952 and view find F1 by unselected syscalls, 952 then adds to
 * it, and 951 again. 952 looks for F2 (62..., f2), late and seek for F3 (63..., f3) before
 * 951 makes them; 952 then adds to F2, seek finds F3 again, watch finds F2, peer adds to F2
 * and seek to F3. view dies of SIGKILL (in F1), watch of SIGKILL (in F2), late of SIGSEGV
 * (in no span), peer of SIGABRT (in F2, after watch).
 */
#define SCEN_FILTER_PID 950

/*
 * Variant 7 is host "hold-host", for a pending hold that finds a live span (test_trace_spill.c):
 * process 1100 "hold" with threads 1101-1103. 1103 runs a span of trace 7171... and moves to
 * one of 7272...; 1102 then looks for span G1 (trace 7070..., span 9191...) by an unselected
 * syscall (a write) before it exists, 1101 makes G1, and 1102 gets it by a selected one (a read
 * failing with EAGAIN): without a budget G1 was got by two threads (multi_thread). With a
 * budget that spills trace 7171... before 1102's find, that find leaves 1102's hold pending
 * and its read finds the live G1 (trace_index.c calls the spill's hold_found).
 */
#define SCEN_HOLD_PID 1100

/* What the scenario must reconstruct to (counted from the definition above). */
#define SCEN_A1_SYSCALLS 12
#define SCEN_A2_SYSCALLS 6
#define SCEN_A_SYSCALLS (SCEN_A1_SYSCALLS + SCEN_A2_SYSCALLS)
#define SCEN_A_ERRORS 2
#define SCEN_A_BYTES_READ (120 + 250)
#define SCEN_A_BYTES_WRITTEN (64 + 10 + 5 + 100)
#define SCEN_B_SYSCALLS 3
#define SCEN_B_BYTES_READ 500
#define SCEN_TOTAL_SYSCALLS (SCEN_A_SYSCALLS + SCEN_B_SYSCALLS + 3 + 1) /* child, noctx */
#define SCEN_LOSS_COUNT 17
#define SCEN_ARG_FAULT_COUNT 3 /* argument read faults during span A1: nothing lost */
#define SCEN_SVC_LOG_BYTES_WRITTEN (64 + 10 + 5 + 4) /* trace A and the child */

/* Writes the scenario (variant 0 to 7) through w. Returns 0 or a negative errno. */
int scen_write(struct scf_writer *w, int variant);
/* Writes it to path. Returns 0 or a negative errno with a message in err. */
int scen_write_file(const char *path, int variant, bool uncompressed, char *err, size_t errlen);

#endif /* ANALYZE_SCENARIO_H */
