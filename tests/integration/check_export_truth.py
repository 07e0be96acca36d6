#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check `spancap-analyze export --format otlp-json` of a real capture against the truth log.

    check_export_truth.py SPANS.jsonl GROUPS.jsonl CAPTURE TRUTH

SPANS.jsonl and GROUPS.jsonl are the spans of the syscall and span granularity exports, as
decoded from protobuf by check_otlp_json.js. The truth log of spancap-demo-service says which
spans the application had (trace id, span id) and which syscalls it made inside each.

- every exported span hangs under a span of the truth: (traceId, parentSpanId) is one of its
  (trace_id, span_id) pairs; its name is a syscall name; ids are unique;
- every syscall of the truth made inside a span, after the capture resolved the service's
  context, is exported as a span under that span, with that syscall's name, a time inside the
  truth's window, file.path, the peer or the pipe it worked on, its bytes, and error.type and
  status ERROR exactly when it failed;
- the span granularity has one span per application span that made syscalls, under it, whose
  syscall count is the number of syscall spans exported under it.
Prints TAP lines; exits 1 on any failure.
Memory: the truth log and the decoded export, both bounded by the suite's count-bounded demo
run (--requests); 17 MB peak measured (it_export.sh, 2026-12-06).
"""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_report import Tap  # noqa: E402
from check_analyze_truth import resolved_at  # noqa: E402


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def main():
    spans_path, groups_path, capture, truth_path = sys.argv[1:5]
    spans, groups, truth = load(spans_path), load(groups_path), load(truth_path)
    tap = Tap()
    report = tap.report

    app_spans = {(t["trace_id"], t["span_id"]) for t in truth if t["type"] == "span"}
    pid = next(t["pid"] for t in truth if t["type"] == "process")
    since = resolved_at(capture, pid)
    ops = [t for t in truth if t["type"] == "op" and t["trace_id"] and t["start_ns"] > since]

    report(len(spans) > 0 and len(ops) > 0,
           "the export has spans (%d) and the truth has syscalls in spans after resolution (%d)"
           % (len(spans), len(ops)))
    orphans = [s for s in spans if (s["trace_id"], s["parent_span_id"]) not in app_spans]
    report(not orphans, "every exported span's traceId/parentSpanId is a span of the truth",
           ["%s %s/%s" % (s["name"], s["trace_id"], s["parent_span_id"]) for s in orphans])
    ids = collections.Counter(s["span_id"] for s in spans)
    report(all(v == 1 for v in ids.values()), "span ids are unique",
           [k for k, v in ids.items() if v > 1])

    by_parent = collections.defaultdict(list)
    for s in spans:
        by_parent[(s["trace_id"], s["parent_span_id"])].append(s)
    missing, wrong = [], []
    for op in ops:
        # a child's execve is timed by its parent ("times are bounds seen by the parent"):
        # only approximately, so it is matched by name under its span
        timed = "seen by the parent" not in op["detail"]
        cands = [s for s in by_parent[(op["trace_id"], op["span_id"])]
                 if s["name"] == op["syscall"]
                 and (not timed or op["start_ns"] <= int(s["start_ns"]) <= op["end_ns"])]
        if not cands:
            missing.append("%s at %d in %s/%s" % (op["syscall"], op["start_ns"],
                                                  op["trace_id"], op["span_id"]))
            continue
        s, a = cands[0], cands[0]["attrs"]
        if timed and int(s["end_ns"]) > op["end_ns"]:
            wrong.append("%s ends after the truth's window" % op["syscall"])
        if op["errno"]:
            if a.get("error.type") != op["errno_name"] or s["status_code"] != 2:
                wrong.append("%s: error.type %s status %s, truth %s" % (
                    op["syscall"], a.get("error.type"), s["status_code"], op["errno_name"]))
        elif "error.type" in a or s["status_code"] == 2:
            wrong.append("%s succeeded but is marked failed" % op["syscall"])
        # The truth names a socket "tcp", a pipe "pipe", and a file by the path the service
        # passed (relative to its directory descriptor); the export resolves the directory.
        path, fp = op["path"], a.get("file.path") or ""
        if path == "tcp":
            if "network.peer.address" not in a:
                wrong.append("%s on a socket: no network.peer.address (span attributes: %s)"
                             % (op["syscall"], ", ".join("%s=%s" % kv for kv in sorted(a.items()))))
        elif path == "pipe":
            if not str(a.get("spancap.fd.target", "")).startswith("pipe:"):
                wrong.append("%s on a pipe: spancap.fd.target %r" % (
                    op["syscall"], a.get("spancap.fd.target")))
        elif path and fp != path and not fp.endswith("/" + path):
            wrong.append("%s: file.path %r, truth %r" % (op["syscall"], fp, path))
        if op["peer"]:
            addr, port = op["peer"].rsplit(":", 1)
            if a.get("network.peer.address") != addr or a.get("network.peer.port") != port:
                wrong.append("%s: peer %r:%r, truth %s" % (
                    op["syscall"], a.get("network.peer.address"),
                    a.get("network.peer.port"), op["peer"]))
        if op["syscall"] in ("read", "write") and op["ret"] > 0:
            key = "spancap.bytes_read" if op["syscall"] == "read" else "spancap.bytes_written"
            if a.get(key) != str(op["ret"]):
                wrong.append("%s: %s %r, truth %d" % (op["syscall"], key, a.get(key), op["ret"]))
    report(not missing, "every truth syscall in a span is exported under that span (%d)"
           % len(ops), missing)
    report(not wrong, "their names, times, paths, peers, bytes and errors match the truth",
           wrong)

    counts = collections.Counter((s["trace_id"], s["parent_span_id"]) for s in spans)
    gbad = []
    for g in groups:
        key = (g["trace_id"], g["parent_span_id"])
        if key not in app_spans:
            gbad.append("group under unknown span %s/%s" % key)
        elif int(g["attrs"].get("spancap.syscalls.count", -1)) != counts[key]:
            gbad.append("%s/%s: count %s, %d syscall spans" % (
                key[0], key[1], g["attrs"].get("spancap.syscalls.count"), counts[key]))
    gkeys = collections.Counter((g["trace_id"], g["parent_span_id"]) for g in groups)
    report(not gbad and set(gkeys) == set(counts) and all(v == 1 for v in gkeys.values()),
           "--granularity span: one span per application span, counting its syscalls (%d)"
           % len(groups), gbad)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
