#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
check_sampled_children.py demo CAPTURE TRUTH ANALYZE --sample-traces F
check_sampled_children.py tree CAPTURE SPAWN_LOG ANALYZE in|out

The processes a sampled capture's programs start, and the trace they were started in. A
process belongs to the trace it was started in (formats/FORMAT.md 4.4):

  - one started in a trace the sample leaves out is described (the analyzer lists it, with
    its exit), and every syscall record of its pid is flagged SAMPLED_OUT without a context:
    only the fork, exec and exit syscalls and the re-resolution triggers, which are recorded
    whatever the sample;
  - one started in a kept trace, or outside any span, is recorded whole: at least MIN_KEPT
    syscall records of its pid are not flagged SAMPLED_OUT, among them syscalls that are
    neither lifecycle nor trigger (the dynamic loader's openat, read and close).

demo: spancap-demo-service's /api/report spans fork a child that execs /bin/true or the
service itself; its truth log (--truth) names each child (the clone's result) and the trace it
was started in, which in_sample() (check_capture_truth.py, written from FORMAT.md 4.4) decides.

tree: tests/span_spawn ran a command (a shell that runs cat) in a span whose trace the sample
keeps (in) or leaves out (out), then outside any span; SPAWN_LOG holds what it printed (the
two pids, on lines "in-span PID" and "outside PID", among spancap's own lines). The shell and
the cat it starts are judged together: left out with the trace, or whole.

Prints TAP lines (without the plan).
"""
import json
import subprocess
import sys
from collections import defaultdict

from check_capture_truth import REC_SYSCALL, F_CTX, records, in_sample, sample_threshold
from tap_report import Tap

F_SAMPLED_OUT = 0x0040
MIN_KEPT = 10
# openat, read, close: what ld.so does for any dynamically linked program.
LOADER_NRS = {257, 0, 3}


def syscalls_of(cap_path, pids):
    """pid -> [(nr, flags)] of the SYSCALL records of pids."""
    recs = defaultdict(list)
    for _ts, rtype, flags, body, _items in records(cap_path):
        if rtype == REC_SYSCALL:
            pid, nr = int.from_bytes(body[68:72], "little"), int.from_bytes(body[72:74], "little")
            if pid in pids:
                recs[pid].append((nr, flags))
    return recs


def processes(analyze, cap_path):
    listed = json.loads(subprocess.run([analyze, "processes", "--json", cap_path],
                                       capture_output=True, check=True, text=True).stdout)
    return {p["pid"]: p for p in listed["processes"]}


def check_left_out(tap, what, pids, described, recs):
    bad = ["pid %d: %s" % (p, "not listed" if p not in described else "no exit")
           for p in pids if p not in described or described[p].get("exit_status") is None]
    tap.report(not bad, "%s: each of the %d processes is described, with its exit" %
               (what, len(pids)), "\n".join(bad))
    bad, n = [], 0
    for p in pids:
        for nr, flags in recs[p]:
            n += 1
            if not flags & F_SAMPLED_OUT or flags & F_CTX:
                bad.append("pid %d: syscall %d flags 0x%04x" % (p, nr, flags))
    tap.report(not bad, "%s: their %d syscall records (%.1f per process: fork, exec, exit, "
               "triggers) are all flagged SAMPLED_OUT, none with a context" %
               (what, n, n / max(1, len(pids))), "\n".join(bad))


def check_whole(tap, what, pids, recs):
    bad = []
    for p in pids:
        mine = [nr for nr, flags in recs[p] if not flags & F_SAMPLED_OUT]
        if len(mine) < MIN_KEPT or not LOADER_NRS & set(mine):
            bad.append("pid %d: %d records not sampled out (%s)" %
                       (p, len(mine), sorted(set(mine))))
    tap.report(bool(pids) and not bad, "%s: each of the %d processes is recorded whole (at "
               "least %d syscalls not sampled out, the loader's openat/read/close among them)"
               % (what, len(pids), MIN_KEPT), "\n".join(bad))


def demo(tap, args):
    i = args.index("--sample-traces")
    threshold = sample_threshold(float(args[i + 1]))
    del args[i:i + 2]
    cap_path, truth_path, analyze = args
    truth = [json.loads(line) for line in open(truth_path) if line.strip()]
    span_flags = {t["span_id"]: t["trace_flags"] for t in truth if t["type"] == "span"}
    started = {}  # child pid -> kept
    for t in truth:
        if t["type"] == "op" and t["syscall"] == "clone" and t["trace_id"] and t["ret"] > 0:
            started[t["ret"]] = in_sample(t["trace_id"], span_flags[t["span_id"]], threshold,
                                          False)
    kept = sorted(p for p, k in started.items() if k)
    out = sorted(p for p, k in started.items() if not k)
    tap.report(bool(kept) and bool(out),
               "the service started %d processes in traces the rule keeps and %d in traces it "
               "leaves out" % (len(kept), len(out)))
    recs = syscalls_of(cap_path, set(started))
    check_left_out(tap, "started in a trace left out", out, processes(analyze, cap_path), recs)
    check_whole(tap, "started in a kept trace", kept, recs)


def tree(tap, args):
    cap_path, spawn_log, analyze, which = args
    roots = {}
    for line in open(spawn_log):
        k, _, v = line.partition(" ")
        if k in ("in-span", "outside"):
            roots[k] = int(v)
    described = processes(analyze, cap_path)

    def family(root):
        pids, grew = {root}, True
        while grew:
            more = {p for p, d in described.items() if d.get("ppid") in pids} - pids
            grew = bool(more)
            pids |= more
        return sorted(pids)

    in_span, outside = family(roots["in-span"]), family(roots["outside"])
    tap.report(len(in_span) >= 2 and len(outside) >= 2,
               "the command run in the span is %d processes (%s), the one run outside %d (%s)" %
               (len(in_span), " ".join(described[p]["comm"] for p in in_span if p in described),
                len(outside), " ".join(described[p]["comm"] for p in outside if p in described)))
    recs = syscalls_of(cap_path, set(in_span) | set(outside))
    if which == "out":
        check_left_out(tap, "started in a trace left out, with the processes it started",
                       in_span, described, recs)
    else:
        check_whole(tap, "started in a kept trace, with the processes it started", in_span, recs)
    check_whole(tap, "started outside any span, with the processes it started", outside, recs)


if __name__ == "__main__":
    tap = Tap(max_detail=10)
    {"demo": demo, "tree": tree}[sys.argv[1]](tap, sys.argv[2:])
    sys.exit(0)
