#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check spancap-analyze's reconstruction of a real capture against the demo service's truth.

    check_analyze_truth.py SPANCAP_ANALYZE CAPTURE TRUTH

For every request (trace) of the ground-truth log, `spancap-analyze trace ID --json` must show:
  - every file the request touched, with exactly the bytes it read and wrote, the opens and
    the failures the truth logs for that path;
  - every peer it connected to, with exactly the bytes read from and written to it;
  - every failed syscall the truth logs, with its errno name;
  - every child process it forked and exec'ed, with its exit status.
The analyzer may show more (libc's own syscalls inside a span); it must not show less or other
numbers. Requests that began before the capture resolved the service's context (see
check_capture_truth.py: their first syscalls carry no context), and requests the analyzer marks
incomplete (a loss or a failed context read during them), are left out and counted.
Prints TAP lines; exits 1 on any failure.
Memory: the truth log and one `trace --json` document at a time, both bounded by the suite's
count-bounded demo run (--requests); 17 MB peak measured (it_capture_samples, 2026-12-06). The
capture itself is streamed (check_capture_truth.records).
"""
import collections
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_report import Tap  # noqa: E402
import check_capture_truth as capture_file  # noqa: E402  (the independent FORMAT.md decoder)


def resolved_at(capture, pid):
    """Time of the first PROCESS record saying the service's context was resolved."""
    for ts, rtype, _flags, body, _items in capture_file.records(capture):
        if rtype == capture_file.REC_PROCESS and struct.unpack_from("<I", body, 0)[0] == pid \
                and body[25] == capture_file.CTX_RESOLVED:
            return ts
    return 1 << 63


def main():
    analyze, capture, truth_path = sys.argv[1:4]
    truth = [json.loads(line) for line in open(truth_path) if line.strip()]
    ops = [t for t in truth if t["type"] == "op" and t["trace_id"]]
    tap = Tap(max_detail=15)
    report = tap.report

    # Expected facts per trace, from the truth log alone.
    files = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    peers = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    errors = collections.defaultdict(collections.Counter)
    children = collections.defaultdict(dict)
    sock_peer = {}  # (tid, fd) -> peer of a connected socket
    for op in ops:
        tr, sc, ret = op["trace_id"], op["syscall"], op["ret"]
        if sc == "connect" and op["peer"] and ret == 0:
            sock_peer[(op["tid"], op["fd"])] = op["peer"]
            peers[tr][op["peer"]]["connects"] += 1
        if op["errno"]:
            errors[tr][(sc, op["errno_name"])] += 1
        peer = sock_peer.get((op["tid"], op["fd"])) if op["fd"] >= 0 else None
        if sc in ("read", "recvfrom", "pread64") and ret > 0:
            if peer:
                peers[tr][peer]["bytes_read"] += ret
            elif op["path"]:
                files[tr][op["path"]]["bytes_read"] += ret
        if sc in ("write", "sendto", "pwrite64") and ret > 0:
            if peer:
                peers[tr][peer]["bytes_written"] += ret
            elif op["path"]:
                files[tr][op["path"]]["bytes_written"] += ret
        if sc == "openat" and op["path"]:
            files[tr][op["path"]]["opens"] += 1
            if op["errno"]:
                files[tr][op["path"]]["errors"] += 1
        if sc == "close" and peer:
            del sock_peer[(op["tid"], op["fd"])]
        if sc == "execve" and ret == 0:
            children[tr][op["tid"]] = None
        if sc == "wait4" and ret > 0 and op["detail"].startswith("exit="):
            children[tr][ret] = int(op["detail"][5:]) << 8
    pid = next(t["pid"] for t in truth if t["type"] == "process")
    resolved = resolved_at(capture, pid)
    first = {}
    for op in ops:
        first[op["trace_id"]] = min(first.get(op["trace_id"], 1 << 63), op["start_ns"])
    early = {tr for tr, t in first.items() if t < resolved}
    traces = sorted(tr for tr in first if tr not in early)
    report(len(traces) > 0, "the truth log holds %d requests with operations in spans (%d more "
           "began before the context was resolved and are left out)" % (len(traces), len(early)))

    bad = collections.defaultdict(list)
    incomplete = []
    for tr in traces:
        out = subprocess.run([analyze, "trace", tr, "--json", capture], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            bad["trace"].append("%s: exit %d: %s" % (tr, out.returncode, out.stderr.strip()))
            continue
        doc = json.loads(out.stdout)["trace"]
        if doc["incomplete"]:
            incomplete.append(tr)  # the analyzer says events may be missing: not comparable
            continue
        got_files = collections.defaultdict(collections.Counter)
        got_peers = collections.defaultdict(collections.Counter)
        got_errors = collections.Counter()
        got_children = {}
        for s in doc["spans"]:
            for f in s["files"]:
                for k in ("bytes_read", "bytes_written", "opens", "errors"):
                    got_files[f["path"]][k] += f[k]
            for p in s["network"]:
                for k in ("bytes_read", "bytes_written", "connects"):
                    got_peers[p["peer"]][k] += p[k]
            for e in s["errors"]:
                got_errors[(e["syscall"], e["errno_name"])] += 1
            for c in s["children"]:
                got_children[c["pid"]] = c.get("exit_status")
        for path, want in files[tr].items():
            # The analyzer names a file by the path it resolved (dirfd included); the truth
            # by the name the service passed to openat.
            match = [p for p in got_files if p == path or p.endswith("/" + path)]
            got = collections.Counter()
            for p in match:
                got.update(got_files[p])
            for k, v in want.items():
                if got[k] != v:
                    bad["files"].append("%s %s: %s %d, truth %d" % (tr[:8], path, k, got[k], v))
        for peer, want in peers[tr].items():
            for k, v in want.items():
                if got_peers[peer][k] != v:
                    bad["peers"].append("%s %s: %s %d, truth %d" % (tr[:8], peer, k,
                                                                    got_peers[peer][k], v))
        for key, v in errors[tr].items():
            if got_errors[key] < v:
                bad["errors"].append("%s %s %s: %d shown, truth %d" % (tr[:8], key[0], key[1],
                                                                       got_errors[key], v))
        for pid, status in children[tr].items():
            if pid not in got_children:
                bad["children"].append("%s: child %d missing" % (tr[:8], pid))
            elif status is not None and got_children[pid] != status:
                bad["children"].append("%s: child %d exit status %s, truth %d" % (
                    tr[:8], pid, got_children[pid], status))

    report(not bad["trace"], "spancap-analyze trace ID --json answers for every request",
           bad["trace"])
    report(len(incomplete) < len(traces), "%d of %d requests are compared; %d are marked "
           "incomplete by the analyzer (losses or failed context reads during them)" %
           (len(traces) - len(incomplete), len(traces), len(incomplete)), incomplete)
    report(not bad["files"], "files: opens, failures, bytes read and written per path match "
           "(%d paths)" % sum(len(v) for v in files.values()), bad["files"])
    report(not bad["peers"], "network: connects and bytes per peer match (%d peers)" %
           sum(len(v) for v in peers.values()), bad["peers"])
    report(not bad["errors"], "every failed syscall is shown with its errno (%d)" %
           sum(sum(v.values()) for v in errors.values()), bad["errors"])
    report(not bad["children"], "child processes appear with their exit status (%d)" %
           sum(len(v) for v in children.values()), bad["children"])
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
