#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check the fork children of spancap-fork-ctx in a capture.

    check_fork_ctx.py CAPTURE TRUTH_JSON [--max-faults N]

TRUTH_JSON is the line spancap-fork-ctx prints: its pid, the ids of the span it forked in and
its children's pids. Each child's first syscall (getppid, made inside that span) must carry
exactly those ids; a record flagged CTX_FAULT (the context read failed, counted in the END
record) is counted and reported, and at most --max-faults (default: a tenth of the children)
may be; a record with any other context, or none without the flag, fails. Reuses the
independent FORMAT.md decoder of check_capture_truth.py. Prints TAP lines; exits 1 on failure.
Memory: the capture is streamed (check_capture_truth.records), and one entry is kept per child;
16 MB peak measured (2026-12-06).
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_capture_truth as cct  # noqa: E402
from tap_report import Tap  # noqa: E402

NR_GETPPID = 110


def main():
    args = sys.argv[1:]
    max_faults = None
    if "--max-faults" in args:
        i = args.index("--max-faults")
        max_faults = int(args[i + 1])
        del args[i:i + 2]
    cap_path, truth_path = args
    tap = Tap(max_detail=15)
    report = tap.report
    truth = json.loads(open(truth_path).read())
    kids = set(truth["children"])
    if max_faults is None:
        max_faults = len(kids) // 10
    first = {}
    try:
        for ts, rtype, flags, body, items in cct.records(cap_path):
            if rtype != cct.REC_SYSCALL:
                continue
            tid, pid, nr = struct.unpack_from("<IIH", body, 64)
            if pid in kids and pid not in first:
                first[pid] = (nr, flags, body[80:96].hex(), body[96:104].hex())
    except (ValueError, struct.error) as e:
        report(False, "the capture decodes per FORMAT.md", e)
        print("1..%d" % tap.n)
        return 1
    report(len(kids) > 0 and set(first) == kids, "every child (%d) has syscall records" %
           len(kids), "missing: %s" % sorted(kids - set(first))[:10])
    wrong, faulted, exact = [], 0, 0
    for pid in sorted(first):
        nr, flags, trace, span = first[pid]
        if nr != NR_GETPPID:
            wrong.append("child %d: first syscall %d, want getppid" % (pid, nr))
        elif flags & cct.F_CTX and trace == truth["trace_id"] and span == truth["span_id"]:
            exact += 1
        elif not flags & cct.F_CTX and flags & cct.F_CTX_FAULT:
            faulted += 1
        else:
            wrong.append("child %d: %s %s/%s, want %s/%s" % (
                pid, "ctx" if flags & cct.F_CTX else "no ctx", trace, span,
                truth["trace_id"], truth["span_id"]))
    report(not wrong, "no child's first syscall carries a wrong context or none unflagged "
           "(%d exact, %d flagged CTX_FAULT)" % (exact, faulted), "\n".join(wrong))
    report(faulted <= max_faults, "children whose DTV is not mapped read the context from "
           "the parent's slot: %d of %d failed the read (at most %d)" %
           (faulted, len(first), max_faults))
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
