#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
check_sampled_children.py CAPTURE TRUTH ANALYZE --sample-traces F

The processes a sampled capture's service starts inside its spans, against the service's truth
log (spancap-demo-service --truth): the demo's /api/report spans fork a child that execs
/bin/true or the service itself; the truth log names each child (the clone's result) and the
trace it was started in. A process started in a trace belongs to it (formats/FORMAT.md 4.4):

  - a child of a trace the sampling rule leaves out (in_sample(), written from FORMAT.md 4.4 in
    check_capture_truth.py) has a PROCESS description (the analyzer lists it, with its exit), and
    every syscall record of its pid is flagged SAMPLED_OUT without a context: only the fork,
    exec and exit syscalls and the re-resolution triggers, which are recorded whatever the
    sample;
  - a child of a trace the rule keeps is recorded whole: at least MIN_KEPT syscall records of
    its pid are not flagged SAMPLED_OUT, among them syscalls that are neither lifecycle nor
    trigger (the dynamic loader's openat, read and close).

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


def main():
    args = sys.argv[1:]
    i = args.index("--sample-traces")
    threshold = sample_threshold(float(args[i + 1]))
    del args[i:i + 2]
    cap_path, truth_path, analyze = args
    tap = Tap(max_detail=10)

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

    recs = defaultdict(list)  # pid -> [(nr, flags)]
    for _ts, rtype, flags, body, _items in records(cap_path):
        if rtype == REC_SYSCALL:
            pid, nr = int.from_bytes(body[68:72], "little"), int.from_bytes(body[72:74], "little")
            if pid in started:
                recs[pid].append((nr, flags))

    listed = json.loads(subprocess.run([analyze, "processes", "--json", cap_path],
                                       capture_output=True, check=True, text=True).stdout)
    described = {p["pid"]: p for p in listed["processes"]}
    bad = ["pid %d: %s" % (p, "not listed" if p not in described else
                           "no exit" if described[p].get("exit_status") is None else "")
           for p in out if p not in described or described[p].get("exit_status") is None]
    tap.report(not bad, "each of the %d processes started in a trace left out is described, with "
               "its exit" % len(out), "\n".join(bad))

    bad = []
    n_out = 0
    for p in out:
        for nr, flags in recs[p]:
            n_out += 1
            if not flags & F_SAMPLED_OUT or flags & F_CTX:
                bad.append("pid %d: syscall %d flags 0x%04x" % (p, nr, flags))
    tap.report(not bad, "their %d syscall records (%.1f per process: fork, exec, exit, triggers) "
               "are all flagged SAMPLED_OUT, none with a context" %
               (n_out, n_out / max(1, len(out))), "\n".join(bad))

    bad = []
    for p in kept:
        mine = [nr for nr, flags in recs[p] if not flags & F_SAMPLED_OUT]
        if len(mine) < MIN_KEPT or not LOADER_NRS & set(mine):
            bad.append("pid %d: %d records not sampled out (%s)" %
                       (p, len(mine), sorted(set(mine))))
    tap.report(not bad, "each of the %d processes started in a kept trace is recorded whole "
               "(at least %d syscalls not sampled out, the loader's openat/read/close among them)"
               % (len(kept), MIN_KEPT), "\n".join(bad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
