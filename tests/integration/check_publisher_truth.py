#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Compare a spancap capture of spancap-ctx-publisher with the publisher's ground-truth log.

    check_publisher_truth.py CAPTURE TRUTH

The capture is decoded by check_capture_truth.py's independent FORMAT.md reader, streaming
(one block at a time). Checks, for the publisher's pid:

- the process context of each publication is recorded: a PROCESS record whose RESOURCE_ATTRS
  equal the publication's resource, whose EXTRA_ATTRS hold its extra attributes, and whose
  KEY_MAP is its key map (an update without a key map: a record with no KEY_MAP item);
- an unpublish is recorded: a later PROCESS record with ctx_status 0, ctx_version 0, no
  attributes and a REASON saying "unpublished";
- the last PROCESS record gives the latest state (resolved without a REASON, or unpublished);
- named attributes: in each phase, each thread's THREAD_CTX record carries its ids and, named
  through the key map then in force (the last PROCESS record of the pid before it, in file
  order), exactly its attribute values; after a key-map-less update or an unpublish no key map
  is in force any more;
- no context on the wrong thread: every valid THREAD_CTX record and every getppid record with
  a context of a thread carries that thread's ids of that phase and that thread's values.

Prints TAP lines; exits 1 on any failure.
"""
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_capture_truth import records  # noqa: E402
from tap_report import Tap  # noqa: E402

REC_PROCESS, REC_THREAD_CTX, REC_SYSCALL = 2, 5, 6
ITEM_RESOURCE, ITEM_EXTRA, ITEM_KEY_MAP, ITEM_REASON, ITEM_ATTRS_RAW = 10, 11, 13, 14, 21
CTX_NONE, CTX_RESOLVED = 0, 1
NR_GETPPID = 110
F_CTX = 0x0001


def attr_list(b, depth=0):
    """FORMAT.md 4.2 attribute list -> dict (arrays and kvlists nested)."""
    out, o = {}, 0
    while o < len(b):
        if o + 6 > len(b):
            raise ValueError("attribute list: entry header at %d past %d bytes" % (o, len(b)))
        typ, _res, klen, vlen = struct.unpack_from("<BBHH", b, o)
        o += 6
        if o + klen + vlen > len(b):
            raise ValueError("attribute list: entry at %d overruns" % (o - 6))
        key = b[o:o + klen].decode("utf-8", "replace")
        v = b[o + klen:o + klen + vlen]
        o += klen + vlen
        if typ == 1:
            out[key] = v.decode("utf-8", "replace")
        elif typ == 2:
            out[key] = bool(v[0])
        elif typ == 3:
            out[key] = struct.unpack("<q", v)[0]
        elif typ == 4:
            out[key] = struct.unpack("<d", v)[0]
        elif typ in (5, 6) and depth < 4:
            out[key] = attr_list(v, depth + 1)
        else:
            out[key] = bytes(v)
    return out


def str_list(b):
    out, o = [], 0
    while o + 2 <= len(b):
        n = struct.unpack_from("<H", b, o)[0]
        if o + 2 + n > len(b):
            raise ValueError("string list: string at %d overruns" % o)
        out.append(b[o + 2:o + 2 + n].decode("utf-8", "replace"))
        o += 2 + n
    return out


def thread_attrs(raw, key_map):
    """OTEP 4947 entries {u8 key, u8 len, bytes}, the last of a key winning, named through
    key_map; None when no key map is in force."""
    vals, o = {}, 0
    while o + 2 <= len(raw) and o + 2 + raw[o + 1] <= len(raw):
        vals[raw[o]] = raw[o + 2:o + 2 + raw[o + 1]].decode("utf-8", "replace")
        o += 2 + raw[o + 1]
    if key_map is None:
        return None
    return {key_map[k] if k < len(key_map) else "#%d" % k: v for k, v in vals.items()}


def main():
    cap_path, truth_path = sys.argv[1:3]
    tap = Tap(max_detail=12)
    report = tap.report
    truth = [json.loads(line) for line in open(truth_path) if line.strip()]
    proc = next(t for t in truth if t["type"] == "process")
    pid, variant = proc["pid"], proc["variant"]
    pubs = [t for t in truth if t["type"] == "publish"]
    unpub = next((t for t in truth if t["type"] == "unpublish"), None)
    spans = [t for t in truth if t["type"] == "span"]
    by_tid = {}
    for s in spans:
        by_tid.setdefault(s["tid"], {})[s["phase"]] = s

    procs = []         # PROCESS records of pid, in file order
    key_map = None     # the key map in force (last PROCESS record of pid)
    seen_ctx = {}      # (tid, phase) -> list of (named attrs or None)
    wrong = []
    ctx_syscalls = 0
    try:
        for ts, rtype, flags, body, items in records(cap_path):
            if rtype == REC_PROCESS and struct.unpack_from("<I", body, 0)[0] == pid:
                rec = {
                    "ts": ts, "status": body[25], "version": struct.unpack_from(
                        "<I", body, 28)[0],
                    "resource": attr_list(items[ITEM_RESOURCE])
                    if ITEM_RESOURCE in items else None,
                    "extra": attr_list(items[ITEM_EXTRA]) if ITEM_EXTRA in items else None,
                    "key_map": str_list(items[ITEM_KEY_MAP])
                    if ITEM_KEY_MAP in items else None,
                    "reason": items[ITEM_REASON].decode("utf-8", "replace")
                    if ITEM_REASON in items else None}
                procs.append(rec)
                key_map = rec["key_map"]
            elif rtype == REC_THREAD_CTX:
                cpid, tid = struct.unpack_from("<II", body, 0)
                if cpid != pid or not body[33]:
                    continue
                trace, span = body[8:24].hex(), body[24:32].hex()
                named = thread_attrs(items.get(ITEM_ATTRS_RAW, b""), key_map)
                mine = [s for s in by_tid.get(tid, {}).values()
                        if s["trace_id"] == trace and s["span_id"] == span]
                if not mine:
                    wrong.append("THREAD_CTX of tid %d carries %s/%s, none of its spans" %
                                 (tid, trace, span))
                    continue
                if named is not None and named != mine[0]["attrs"]:
                    wrong.append("THREAD_CTX of tid %d phase %d: attributes %s, want %s" %
                                 (tid, mine[0]["phase"], named, mine[0]["attrs"]))
                seen_ctx.setdefault((tid, mine[0]["phase"]), []).append(named)
            elif rtype == REC_SYSCALL:
                tid, rpid, nr = struct.unpack_from("<IIH", body, 64)
                if rpid != pid or nr != NR_GETPPID or not flags & F_CTX:
                    continue
                ctx_syscalls += 1
                trace, span = body[80:96].hex(), body[96:104].hex()
                if not any((trace, span) == (s["trace_id"], s["span_id"])
                           for s in by_tid.get(tid, {}).values()):
                    wrong.append("getppid of tid %d at %d carries %s/%s" %
                                 (tid, ts, trace, span))
    except (ValueError, KeyError, struct.error, subprocess.CalledProcessError) as e:
        report(False, "%s: the capture decodes per FORMAT.md" % variant, e)
        print("1..%d" % tap.n)
        return 1
    report(bool(procs), "%s: the capture has PROCESS records of pid %d (%d)" %
           (variant, pid, len(procs)))

    def has_pub(p, with_key_map):
        want_extra = p["extra"].items()
        return [r for r in procs if r["version"] and r["resource"] == p["resource"] and
                r["extra"] is not None and all(r["extra"].get(k) == v for k, v in want_extra) and
                (r["key_map"] == p["key_map"] if with_key_map else r["key_map"] is None)]

    desc = "\n".join("status %d version %d resource %s extra %s key_map %s reason %s" % (
        r["status"], r["version"], r["resource"], r["extra"], r["key_map"], r["reason"])
        for r in procs)
    for i, p in enumerate(pubs):
        km = p["key_map"] is not None
        report(bool(has_pub(p, km)),
               "%s: publication %d recorded: resource, %d extra attribute(s) and %s" %
               (variant, i + 1, len(p["extra"]), "its key map" if km else "no key map"), desc)
    if unpub is not None:
        ok = [r for r in procs if r["status"] == CTX_NONE and r["version"] == 0 and
              r["resource"] is None and r["key_map"] is None and r["reason"] and
              "unpublished" in r["reason"]]
        report(bool(ok), "%s: the unpublish is recorded (ctx_status 0, no attributes, "
               "REASON says unpublished)" % variant, desc)
    last = procs[-1] if procs else None
    if unpub is not None:
        report(last is not None and last["status"] == CTX_NONE and last["reason"] and
               "unpublished" in last["reason"], "%s: the last PROCESS record says unpublished"
               % variant, desc)
    else:
        report(last is not None and last["status"] == CTX_RESOLVED and not last["reason"],
               "%s: the last PROCESS record is resolved, without a stale REASON" % variant,
               desc)
    missing = []
    for s in spans:
        got = seen_ctx.get((s["tid"], s["phase"]), [])
        gone = s["phase"] == 2 and (unpub is not None or variant == "update-nokeymap")
        if not got:
            missing.append("tid %d phase %d: no THREAD_CTX record" % (s["tid"], s["phase"]))
        elif gone and any(a is not None for a in got):
            missing.append("tid %d phase %d: a key map was still in force: %s" %
                           (s["tid"], s["phase"], got))
        elif not gone and not any(a == s["attrs"] for a in got):
            missing.append("tid %d phase %d: attributes %s, want %s" %
                           (s["tid"], s["phase"], got, s["attrs"]))
    report(not missing, "%s: each thread's context in each of %d spans, its attributes named "
           "(none after the key map went away)" % (variant, len(spans)), missing)
    report(not wrong and ctx_syscalls > 0, "%s: no context on the wrong thread (%d getppid "
           "records with a context checked)" % (variant, ctx_syscalls), wrong)
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
