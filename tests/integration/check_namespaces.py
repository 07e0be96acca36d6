#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks a capture of the demo service run in its own pid namespace against its ground truth.

usage: check_namespaces.py ANALYZE CAPTURE TRUTH HOST_PIDNS_INODE

The truth log is written inside the namespace: its pids (the process, the clone results) are
namespace pids. The analyzer must list exactly the real processes (the unshare launcher, the
service, one child per successful clone), each with its host pid and its namespace pid and
namespace inode, and put each child under the span that cloned it, by host pid. Prints TAP.
"""
import json
import subprocess
import sys

n = 0
failed = 0


def tap(ok, name, detail=None):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok and detail:
        for line in str(detail).splitlines()[:30]:
            print("#   " + line)


def analyze(ana, *args):
    out = subprocess.run([ana, *args], check=True, capture_output=True, text=True).stdout
    return out


def main():
    ana, cap, truth_path, host_ino = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    truth = [json.loads(l) for l in open(truth_path) if l.strip()]
    proc = [t for t in truth if t["type"] == "process"][0]
    clones = [t for t in truth if t["type"] == "op" and t["syscall"] == "clone" and t["ret"] > 0]
    want_ns = {proc["pid"]} | {c["ret"] for c in clones}

    procs = json.loads(analyze(ana, "processes", "--json", cap))["processes"]
    launcher = [p for p in procs if p["comm"] == "unshare"]
    inside = [p for p in procs if p["comm"] != "unshare"]
    listing = "\n".join("pid %s ns_pid %s ppid %s %s threads %s syscalls %s" % (
        p["pid"], p.get("ns_pid"), p["ppid"], p["comm"], p["threads"],
        p["stats"]["syscalls"]) for p in procs)

    tap(len(launcher) == 1 and len(inside) == len(want_ns),
        "exactly the real processes: unshare, the service and its %d children (%d listed)" %
        (len(clones), len(procs)), listing)
    phantom = [p for p in procs if p["threads"] == 0 and p["stats"]["syscalls"] == 0]
    tap(not phantom, "no process made from a syscall result (no thread, no syscall)",
        listing)
    tap(not [p for p in procs if p["pid"] in (1, 2)],
        "neither host pid 1 nor host pid 2 is listed", listing)

    got_ns = {p.get("ns_pid") for p in inside}
    tap(got_ns == want_ns, "namespace pids are the service's own (%s)" % sorted(want_ns),
        "got %s\n%s" % (sorted(got_ns, key=str), listing))
    svc = [p for p in inside if p.get("ns_pid") == proc["pid"]]
    tap(len(svc) == 1 and svc[0]["pid"] != proc["pid"] and svc[0]["comm"] != "unshare" and
        launcher and svc[0]["ppid"] == launcher[0]["pid"],
        "the service is ns pid %d with its own host pid, child of unshare" % proc["pid"], listing)
    inos = {p.get("pidns_inode") for p in inside}
    tap(len(inos) == 1 and None not in inos and 0 not in inos and host_ino not in inos,
        "every process inside has the namespace's inode, not the host's (%d)" % host_ino,
        "inodes inside: %s" % inos)
    tap(all(p.get("ns_level") == 1 for p in inside) and
        all(p.get("ns_level") == 0 and p.get("ns_pid") == p["pid"] and
            p.get("pidns_inode") == host_ino for p in launcher),
        "namespace levels: 1 inside, 0 (host pid = ns pid, host inode) for unshare",
        "\n".join("%s level %s ns_pid %s inode %s" % (p["pid"], p.get("ns_level"),
                  p.get("ns_pid"), p.get("pidns_inode")) for p in procs))

    host_of = {p.get("ns_pid"): p["pid"] for p in inside}
    text = analyze(ana, "processes", cap)
    tap(svc and any(l.split()[1:3] == [str(svc[0]["pid"]), str(proc["pid"])]
                    for l in text.splitlines()[1:] if len(l.split()) > 3),
        "processes (text) shows the host pid and the namespace pid side by side", text)

    bad = []
    for c in clones:
        tr = json.loads(analyze(ana, "trace", c["trace_id"], "--json", cap))["trace"]
        span = [s for s in tr["spans"] if s["span_id"] == c["span_id"]]
        if not span:
            bad.append("%s: span %s missing" % (c["trace_id"][:8], c["span_id"]))
            continue
        kids = sorted(k["pid"] for k in span[0]["children"])
        want = [host_of.get(c["ret"])]
        if kids != want:
            bad.append("%s/%s: children %s, want host pid %s (ns pid %d)" % (
                c["trace_id"][:8], c["span_id"], kids, want, c["ret"]))
    tap(clones and not bad, "trace: each cloning span lists exactly its child, by host pid "
        "(%d clones)" % len(clones), "\n".join(bad))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
