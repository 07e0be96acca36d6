#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks a capture of the demo service run in its own pid namespace against its ground truth.

usage: check_namespaces.py ANALYZE CAPTURE TRUTH HOST_PIDNS_INODE [ROOT SERVICE_EXE]

The truth log is written inside the namespace: its pids (the process, the clone results) are
namespace pids. The analyzer must list exactly the real processes: inside, the service (the
demo process with the most syscalls) and one child per successful clone, each with its host
pid, its namespace pid and the namespace's inode; outside, the launchers (unshare, sh, mount),
in the host's namespace. Each child must be under the span that cloned it, by host pid. With ROOT
(the service ran chrooted there, in its own mount namespace), executable paths must be as the
processes saw them, the service's SERVICE_EXE, and its host-side path ROOT + SERVICE_EXE.
Prints TAP.
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
    demo = [p for p in procs if (p["comm"] or "").startswith("spancap-demo")]
    top = max(demo, key=lambda p: p["stats"]["syscalls"]) if demo else {"pid": -1}
    # Inside: the service, its children, and processes in its namespace (a child described
    # after it exited can have lost its ppid: capture's describe-late path).
    ino = top.get("pidns_inode")
    inside = [p for p in procs if p["pid"] == top["pid"] or p["ppid"] == top["pid"] or
              (ino and p.get("pidns_inode") == ino)]
    launcher = [p for p in procs if p not in inside]
    listing = "\n".join("pid %s ns_pid %s ppid %s %s threads %s syscalls %s" % (
        p["pid"], p.get("ns_pid"), p["ppid"], p["comm"], p["threads"],
        p["stats"]["syscalls"]) for p in procs)

    tap(launcher and len(inside) == len(want_ns) and
        all(p["comm"] in ("unshare", "sh", "mount", "chroot") for p in launcher),
        "exactly the real processes: launchers, the service and its %d children (%d listed)" %
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
    tap(len(svc) == 1 and svc[0]["pid"] != proc["pid"] and
        svc[0]["ppid"] in [p["pid"] for p in launcher if p["comm"] == "unshare"],
        "the service is ns pid %d with its own host pid, child of unshare" % proc["pid"], listing)
    inos = {p.get("pidns_inode") for p in inside}
    tap(len(inos) == 1 and None not in inos and 0 not in inos and host_ino not in inos,
        "every process inside has the namespace's inode, not the host's (%d)" % host_ino,
        "inodes inside: %s" % inos)
    tap(all(p.get("ns_level") == 1 for p in inside) and
        all(p.get("ns_level") == 0 and p.get("ns_pid") == p["pid"] and
            p.get("pidns_inode") == host_ino for p in launcher),
        "namespace levels: 1 inside, 0 (host pid = ns pid, host inode) for the launchers",
        "\n".join("%s level %s ns_pid %s inode %s" % (p["pid"], p.get("ns_level"),
                  p.get("ns_pid"), p.get("pidns_inode")) for p in procs))

    host_of = {p.get("ns_pid"): p["pid"] for p in inside}
    text = analyze(ana, "processes", cap)
    tap(svc and any(l.split()[1:3] == [str(svc[0]["pid"]), str(proc["pid"])]
                    for l in text.splitlines()[1:] if len(l.split()) > 3),
        "processes (text) shows the host pid and the namespace pid side by side", text)
    info = analyze(ana, "info", cap)
    rows = info[info.find("\nprocesses:\n"):].splitlines()[2:]
    tap(svc and any(l.split()[1:3] == [str(svc[0]["pid"]), str(proc["pid"])] for l in rows),
        "info shows the host pid and the namespace pid side by side", info)

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
    if len(sys.argv) > 6:
        root, exe = sys.argv[5], sys.argv[6]
        paths = "\n".join("%s exe %s exe_host %s" % (p["pid"], p["exe"], p.get("exe_host"))
                          for p in procs)
        tap(not [p for p in inside if (p["exe"] or "").startswith(root + "/")],
            "executables inside are named as the processes see them, not under %s" % root,
            paths)
        tap(svc and svc[0]["exe"] == exe and svc[0].get("exe_host") == root + exe,
            "the service's exe is %s, read through %s" % (exe, root + exe), paths)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
