#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks the PROCESS records spancap writes from fork and exec events against /proc.

usage: check_process_facts.py CGROUP DUMP...

Each DUMP is capture_check's listing of one file of a rotated capture, in order. A record of
origin fork (2) or exec (3) is written from what the kernel told spancap at that moment (no
/proc file but the executable and root links); the records of origin scan (1) that start the
next files are read from /proc/PID/{stat,status,ns/pid,exe,root,cmdline,cgroup} while the
processes still run. For each process described both ways, the last record from an event
before its first scan record must say what the scan says: parent, ids, namespace pid, depth and
inode, command name, executable (and its host path), cgroup and argument list, and a start time
within 50 ms (the files convert boot time to wall time with offsets measured apart). The
workload's processes must be among them: one in the cgroup CGROUP, one in a pid namespace of
its own, one run as uid 65534, one whose argument block is longer than a fork or exec event
carries, one whose argument block's last byte was overwritten (its command line then reads as
its first string, as the kernel shows a title written over the arguments). A fork record
describes the child as forked: the executable of the forking process and its argument list.
Prints TAP.
"""
import re
import sys

n = 0
failed = 0


def ok(cond, desc, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {desc}")
    else:
        failed += 1
        print(f"not ok {n} - {desc}")
        for line in str(detail).splitlines()[:20]:
            print(f"#   {line}")


KEYS = ("pid", "ppid", "origin", "ns_pid", "ns_level", "pidns", "name", "exe", "start", "uid",
        "gid", "exe_host", "cgroup", "argv")
COMPARED = ("ppid", "uid", "gid", "ns_pid", "ns_level", "pidns", "name", "exe", "exe_host",
            "cgroup", "argv")


def parse(line):
    """A PROCESS line: key=value fields, values up to the next known key."""
    pat = re.compile(r" (%s)=" % "|".join(
        ("pid", "ppid", "origin", "status", "model", "tp_offset", "modid", "ns_pid",
         "ns_level", "pidns", "name", "exe", "module", "schema", "keys", "reason", "start",
         "uid", "gid", "exe_host", "cgroup", "argv")))
    marks = list(pat.finditer(line))
    rec = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(line)
        rec[m.group(1)] = line[m.end():end]
    return rec


def main():
    cgroup = sys.argv[1]
    files = []
    procs = []  # fork events: (file, child, forking tgid)
    for path in sys.argv[2:]:
        recs = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("PROCESS "):
                    recs.append(parse(line))
                elif line.startswith("PROC kind=fork "):
                    m = re.search(r" pid=(\d+) tid=\d+ ppid=(\d+)", line)
                    if m:
                        procs.append((len(files), m.group(1), m.group(2)))
                    recs.append({"fork_of": m.group(1) if m else ""})
        files.append(recs)
    ok(len(files) >= 2, f"the capture rotated ({len(files)} files)")
    if len(files) < 2:
        return

    # the first scan record of each pid, after the first file
    scans = {}
    for recs in files[1:]:
        for r in recs:
            if r.get("origin") == "1" and r["pid"] not in scans:
                scans[r["pid"]] = r
    # the last record from an event of each pid before the rotation
    events = {}
    for r in files[0]:
        if r.get("origin") in ("2", "3"):
            events[r["pid"]] = r
    # the title writer changed its command line after its exec: its child is the case
    both = sorted((p for p in set(scans) & set(events)
                   if "marker-title" not in events[p].get("argv", "")), key=int)
    ok(len(both) >= 8, f"{len(both)} processes are described from events and from /proc")
    bad = []
    for pid in both:
        e, s = events[pid], scans[pid]
        for k in COMPARED:
            if e.get(k, "") != s.get(k, ""):
                bad.append(f"pid {pid} {k}: event {e.get(k, '')!r}, /proc {s.get(k, '')!r}")
        try:
            if abs(int(e["start"]) - int(s["start"])) > 50_000_000:
                bad.append(f"pid {pid} start: event {e['start']}, /proc {s['start']}")
        except (KeyError, ValueError):
            bad.append(f"pid {pid}: no start")
    ok(not bad, "each says what /proc says (parent, ids, namespace, name, exe, cgroup, argv, "
       "start)", "\n".join(bad))

    def some(desc, pred):
        hits = [p for p in both if pred(events[p])]
        ok(hits, f"among them: {desc}", f"none of {len(both)}")

    some(f"one in cgroup {cgroup}", lambda r: r.get("cgroup") == cgroup)
    some("one in a pid namespace of its own", lambda r: r.get("ns_level") == "1"
         and r.get("ns_pid") != r.get("pid"))
    some("one run as uid 65534", lambda r: r.get("uid") == "65534" and r.get("gid") == "65534")
    some("one with an argument block over 1024 bytes",
         lambda r: "marker-long" in r.get("argv", "") and len(r.get("argv", "")) > 1100)
    some("one whose title was written over its arguments",
         lambda r: r.get("name", "").startswith("python") and "marker-title" not in
         r.get("argv", "x") and "|" not in r.get("argv", "|"))

    # fork records: the child as forked, with the forking process's executable, arguments and
    # cgroup: those /proc shows for the parent (it waits for its children, unchanged since it
    # forked them)
    bad = []
    checked = 0
    for r in files[0]:
        if r.get("origin") != "2" or r["pid"] not in both or r["ppid"] not in scans:
            continue
        parent = scans[r["ppid"]]
        checked += 1
        for k in ("exe", "argv", "cgroup"):
            if parent.get(k, "") != r.get(k, ""):
                bad.append(f"child {r['pid']} of {r['ppid']} {k}: {r.get(k, '')!r}, its "
                           f"parent's {parent.get(k, '')!r}")
    ok(checked >= 5 and not bad,
       f"{checked} fork records have the executable, arguments and cgroup of the forking "
       "process", "\n".join(bad))


main()
print(f"1..{n}")
sys.exit(1 if failed else 0)
