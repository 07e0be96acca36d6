#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check a Chrome trace-event JSON file written by `spancap-analyze export --format chrome`.

    check_chrome_trace.py TRACE.json SYSCALLS ERRORS

SYSCALLS and ERRORS are what `spancap-analyze syscalls --json` counts for the same input and
filters. Checks, with exact decimal arithmetic on the microsecond times:
- the file is one JSON object with a traceEvents array; every event has the fields its phase
  needs (X: name, cat, ts, dur >= 0, pid, tid; M: process_name or thread_name with args.name);
- on every thread the X events nest: sorted by start (longer first), none starts inside
  another and ends after it;
- every syscall that ran in a span lies inside a slice of that span on its thread;
- the syscall events number SYSCALLS, those marked failed (args.error) ERRORS;
- every thread and process with events has its thread_name / process_name.
Prints TAP lines; exits 1 on any failure.
Memory: the whole Chrome JSON document, which follows the count-bounded demo run of
it_export.sh (15 MB peak measured, 2026-12-06).
"""
import collections
import decimal
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_report import Tap  # noqa: E402


def main():
    path, want_syscalls, want_errors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    tap = Tap()
    report = tap.report

    try:
        doc = json.load(open(path), parse_float=decimal.Decimal)
        events = doc["traceEvents"]
        ok = isinstance(events, list)
    except (ValueError, KeyError, TypeError) as e:
        report(False, "chrome: valid JSON with traceEvents", [str(e)])
        return 1
    report(ok, "chrome: valid JSON with traceEvents (%d events)" % len(events))

    bad = []
    xs = collections.defaultdict(list)
    names = set()
    pnames = set()
    for i, e in enumerate(events):
        ph = e.get("ph")
        if ph == "X":
            if not (isinstance(e.get("name"), str) and e.get("cat") in ("syscall", "span")
                    and isinstance(e.get("ts"), (int, decimal.Decimal))
                    and isinstance(e.get("dur"), (int, decimal.Decimal)) and e["dur"] >= 0
                    and isinstance(e.get("pid"), int) and isinstance(e.get("tid"), int)):
                bad.append("event %d: %r" % (i, e))
                continue
            xs[(e["pid"], e["tid"])].append(e)
        elif ph == "M":
            if e.get("name") == "thread_name" and isinstance(e.get("args", {}).get("name"), str):
                names.add((e["pid"], e["tid"]))
            elif e.get("name") == "process_name" and isinstance(e.get("args", {}).get("name"),
                                                                  str):
                pnames.add(e["pid"])
            else:
                bad.append("event %d: %r" % (i, e))
        else:
            bad.append("event %d: phase %r" % (i, ph))
    report(not bad, "chrome: every event has the fields of its phase", bad)

    crossing, outside = [], []
    for (pid, tid), evs in xs.items():
        evs.sort(key=lambda e: (e["ts"], -e["dur"], e["cat"] != "span"))
        stack = []
        for e in evs:
            end = e["ts"] + e["dur"]
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
                stack.pop()
            if stack and end > stack[-1]["ts"] + stack[-1]["dur"]:
                crossing.append("%d/%d: %s [%s, %s] crosses %s [%s, %s]" % (
                    pid, tid, e["name"], e["ts"], end, stack[-1]["name"], stack[-1]["ts"],
                    stack[-1]["ts"] + stack[-1]["dur"]))
            stack.append(e)
        slices = collections.defaultdict(list)
        for e in evs:
            if e["cat"] == "span":
                slices[e["args"]["span_id"]].append((e["ts"], e["ts"] + e["dur"]))
        for e in evs:
            sid = e["args"].get("span_id") if e["cat"] == "syscall" else None
            if sid and not any(a <= e["ts"] and e["ts"] + e["dur"] <= b for a, b in slices[sid]):
                outside.append("%d/%d: %s at %s outside span %s" % (pid, tid, e["name"],
                                                                   e["ts"], sid))
    report(not crossing, "chrome: X events nest on every thread (%d threads)" % len(xs),
           crossing)
    report(not outside, "chrome: every syscall of a span lies inside that span's slice",
           outside)

    sc = [e for evs in xs.values() for e in evs if e["cat"] == "syscall"]
    errs = [e for e in sc if "error" in e["args"]]
    report(len(sc) == want_syscalls and len(errs) == want_errors,
           "chrome: %d syscall events, %d failed (analyzer: %d, %d)" % (
               len(sc), len(errs), want_syscalls, want_errors))
    report(set(xs) <= names and {p for p, _ in xs} <= pnames,
           "chrome: every thread and process has its name",
           ["%d/%d" % k for k in set(xs) - names])
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
