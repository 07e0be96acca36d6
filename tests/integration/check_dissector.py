#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Helpers of it_dissector.sh (the Wireshark Lua dissector, dissector/spancap.lua).

    check_dissector.py compare FIELDS INFO.json TIMELINE.json TRACES.json
        FIELDS is `tshark -T fields -e spancap.type -e spancap.trace_id -e spancap.syscall
        -e spancap.flags -e spancap.thread_ctx.valid` of a capture; the JSON files are
        spancap-analyze's info, timeline and traces of the same file. Checks that the
        dissector sees the records the analyzer counts per type, the same syscalls with the
        same trace ids (as a multiset), and the same set of trace ids. Prints TAP lines.

    check_dissector.py sweep OUT.pcapng
        Writes a plain pcapng with a SECTION record and one x86_64 SYSCALL record for every
        number from 0 to 519, for the dissector's syscall names to be compared with the
        analyzer's on every number.

    check_dissector.py craft OUT.pcapng
        Writes a plain pcapng (LINKTYPE_USER0) of hand-made records, encoded here from
        formats/FORMAT.md: a valid SYSCALL with PATH and SOCKADDR items, a record whose item
        overruns it, a record of an unknown type 99 with an unknown item tag, a SYSCALL with a
        body shorter than 104 bytes. Prints one line per record: what the dissector must say.
Memory: FIELDS is read line by line into counters; the JSON documents follow the count-bounded
demo run of it_dissector.sh (15 MB peak measured, 2026-12-06).
"""
import collections
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_report import Tap  # noqa: E402


def compare(fields_path, info_path, timeline_path, traces_path):
    tap = Tap()
    report = tap.report

    names = {1: "section", 2: "process", 3: "thread", 4: "fd", 5: "thread_ctx", 6: "syscall",
             7: "proc_event", 8: "loss", 9: "end", 11: "clock"}
    counts = collections.Counter()
    syscalls = collections.Counter()
    traces = set()
    zero = "0" * 32
    for line in open(fields_path):
        cols = line.rstrip("\n").split("\t")
        cols += [""] * (5 - len(cols))
        rtype, trace_id, syscall, flags, valid = cols[:5]
        trace_id = trace_id.replace(":", "")
        if not rtype:
            counts["undissected"] += 1
            continue
        counts[names.get(int(rtype), "unknown")] += 1
        ctx = rtype == "6" and int(flags, 16) & 1 and trace_id != zero
        if rtype == "6":
            syscalls[(syscall, trace_id if ctx else "")] += 1
        if ctx or (rtype == "5" and valid == "1" and trace_id != zero):
            traces.add(trace_id)

    want = {k: v for k, v in json.load(open(info_path))["records"].items() if v}
    got = dict(counts)
    report(got == want, "record counts per type match spancap-analyze info (%s)" % ", ".join(
        "%s %d" % kv for kv in sorted(want.items())), ["tshark %r" % got, "info   %r" % want])

    tl = collections.Counter()
    for ev in json.load(open(timeline_path))["events"]:
        if ev["kind"] == "syscall":
            tl[(ev["syscall"], ev.get("trace_id", ""))] += 1
    diff = (syscalls - tl) + (tl - syscalls)
    report(syscalls == tl and sum(tl.values()) > 0,
           "syscall names and trace ids match spancap-analyze timeline (%d syscalls)"
           % sum(tl.values()), ["%s: %d" % (k, v) for k, v in list(diff.items())[:10]])

    want_traces = {t["trace_id"] for t in json.load(open(traces_path))["traces"]}
    report(traces == want_traces and want_traces,
           "trace ids match spancap-analyze traces (%d)" % len(want_traces),
           sorted(traces ^ want_traces)[:10])
    return 1 if tap.failed else 0


def block(btype, body):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack("<II", btype, total) + body + b"\0" * pad + struct.pack("<I", total)


def record(rtype, flags, body, items=b""):
    return struct.pack("<HHHH", rtype, 8 + len(body) + len(items), len(body), flags) + body + items


def item(tag, data):
    return struct.pack("<HH", tag, len(data)) + data


def write_pcapng(out, recs):
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(1, struct.pack("<HHI", 147, 0, 65535) + struct.pack("<HHB3x", 9, 1, 9) +
                struct.pack("<HH", 0, 0))
    data = shb + idb
    for i, r in enumerate(recs):
        ts = 1790000000000000000 + i
        data += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(r), len(r)) + r)
    with open(out, "wb") as f:
        f.write(data)
    return 0


SECTION = struct.pack("<HHIQQqII16s16sB7x", 1, 0, 0, 1, 1, 0, 1, 4096, b"\1" * 16, b"\2" * 16, 1)
TRACE = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
SPAN = bytes.fromhex("00f067aa0ba902b7")


def syscall_body(nr, ret, tid=43, pid=42):
    return struct.pack("<Qq6QIIHHBBH16s8s", 1500, ret, 0, 0, 0, 0, 0, 0, tid, pid, nr, 0, 1, 1,
                       0, TRACE, SPAN)


def sweep(out):
    return write_pcapng(out, [record(1, 0, SECTION)] +
                        [record(6, 1, syscall_body(nr, 0)) for nr in range(520)])


def craft(out):
    section, sc = SECTION, syscall_body(257, -2)
    recs = [
        record(1, 0, section, item(15, b"crafted")),
        record(6, 1, sc, item(1, b"/etc/missing") +
               item(3, struct.pack("<HH", 2, 5432) + bytes([127, 0, 0, 1]))),
        record(6, 1, sc, struct.pack("<HH", 1, 200) + b"short"),
        record(99, 0, b"\0" * 12, item(4242, b"xyz")),
        record(6, 0, sc[:60]),
        # SYSCALL_PACKED, the example of FORMAT.md 5.10: read() of thread 300 = -3, args[2] 4096
        record(10, 0x7001, bytes.fromhex("050501ac0200ac0201048040") + TRACE + b"\1" + SPAN),
        # the same thread's next read, pid and ids by reference
        record(10, 0x0001, bytes.fromhex("050501ac0200048040")),
        # thread 301 was never seen: its pid cannot be taken by reference
        record(10, 0x0001, bytes.fromhex("050501ad0200048040")),
        # a new section empties the table: thread 300 is unknown again
        record(1, 0, section),
        record(10, 0x0001, bytes.fromhex("050501ac0200048040")),
    ]
    return write_pcapng(out, recs)


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        sys.exit(compare(*sys.argv[2:6]))
    sys.exit(sweep(sys.argv[2]) if sys.argv[1] == "sweep" else craft(sys.argv[2]))
