#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks a capture of the demo service run in its own pid namespace against its ground truth.

usage: check_namespaces.py ANALYZE CAPTURE TRUTH HOST_PIDNS_INODE [ROOT SERVICE_EXE]
       check_namespaces.py --pids ANALYZE CAPTURE TRUTH FILTERED FILTERED_CHILD

The truth log is written inside the namespace: its pids (the process, the clone results) are
namespace pids. The analyzer must list exactly the real processes: inside, the service (the
demo process with the most syscalls) and one child per successful clone, each with its host
pid, its namespace pid and the namespace's inode; outside, the launchers (unshare, sh, mount),
in the host's namespace. Each child must be under the span that cloned it, by host pid. With ROOT
(the service ran chrooted there, in its own mount namespace), executable paths must be as the
processes saw them, the service's SERVICE_EXE, and its host-side path ROOT + SERVICE_EXE.

With --pids, TRUTH is ns_pid_workload.py's: the pids its getpid, fork, kill and wait4 returned or
took are namespace pids, and it read its own and its child's host pids from the host's /proc.
The analyzer must show each with the host pid it names, in the timeline (text and JSON), the
row export and the OTLP export, and the same in FILTERED, `filter --pid --syscall kill` of the
workload's host pid; FILTERED_CHILD, `filter --pid` of the child's host pid, keeps the
workload's calls that name the child (clone, kill, wait4). A child that exits at once has its namespace pid or none, never another.
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


def check_pids():
    ana, cap, truth_path, filtered = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    filtered_child = sys.argv[6]
    t = json.load(open(truth_path))
    host, ns = t["nspid"][0], t["nspid"][-1]
    kid_host, kid_ns = t["child_nspid"][0], t["child_nspid"][-1]
    tap(len(t["nspid"]) == 2 and ns == 1 and t["getpid"] == 1 and t["fork"] == kid_ns and
        t["waited"] == kid_ns and kid_host != kid_ns,
        "the workload ran as pid 1 of its namespace, its child as %d (host %d)" %
        (kid_ns, kid_host), t)

    procs = json.loads(analyze(ana, "processes", "--json", cap))["processes"]
    mine = [p for p in procs if p["pid"] == host]
    kid = [p for p in procs if p["pid"] == kid_host]
    tap(len(mine) == 1 and mine[0].get("ns_pid") == 1 and len(kid) == 1 and
        kid[0].get("ns_pid") == kid_ns,
        "PROCESS records: host pid %d is ns pid 1, host pid %d ns pid %d" %
        (host, kid_host, kid_ns), "\n".join("%s %s %s" % (p["pid"], p.get("ns_pid"),
                                                           p["comm"]) for p in procs))

    ev = json.loads(analyze(ana, "timeline", "--json", "--pid", str(host), cap))["events"]
    sc = [e for e in ev if e.get("kind") == "syscall"]
    getpid = [e for e in sc if e["syscall"] == "getpid"]
    tap(getpid and all(e["ret"] == "1 [host %d]" % host and e.get("ret_host_pid") == host
                       for e in getpid),
        "getpid() = 1 shows host pid %d, the PROCESS record's pid (%d calls)" %
        (host, len(getpid)), "\n".join("%s = %s" % (e["call"], e["ret"]) for e in getpid))
    forks = [e for e in sc if e["syscall"] == "clone" and e["ret"].split()[0] == str(kid_ns)]
    tap(len(forks) == 1 and forks[0].get("ret_host_pid") == kid_host,
        "clone() = %d shows the child's host pid %d" % (kid_ns, kid_host),
        "\n".join("%s = %s" % (e["call"], e["ret"]) for e in sc if e["syscall"] == "clone"))
    kills = [e for e in sc if e["syscall"] == "kill"]
    tap(len(kills) == 1 and kills[0]["call"] == "kill(%d [host %d], 15)" % (kid_ns, kid_host)
        and kills[0].get("arg_host_pid") == [{"arg": 0, "host_pid": kid_host}],
        "kill's target %d shows host pid %d" % (kid_ns, kid_host),
        "\n".join(json.dumps(e) for e in kills))
    waits = [e for e in sc if e["syscall"] == "wait4" and e["ret"].split()[0] == str(kid_ns)]
    tap(len(waits) == 1 and waits[0].get("ret_host_pid") == kid_host and
        waits[0].get("arg_host_pid") == [{"arg": 0, "host_pid": kid_host}],
        "wait4(%d) = %d: argument and result show host pid %d" % (kid_ns, kid_ns, kid_host),
        "\n".join(json.dumps(e) for e in sc if e["syscall"] == "wait4"))
    text = analyze(ana, "timeline", "--pid", str(host), cap)
    tap(" getpid() = 1 [host %d] " % host in text and
        " kill(%d [host %d], 15) = 0 " % (kid_ns, kid_host) in text,
        "timeline text: getpid() = 1 [host %d], kill(%d [host %d], 15)" %
        (host, kid_ns, kid_host), "\n".join(l for l in text.splitlines()
                                             if "getpid" in l or "kill" in l))

    rows = [json.loads(l) for l in analyze(ana, "export", "--format", "jsonl", "--pid",
                                           str(host), cap).splitlines() if l.strip()]
    rg = [r for r in rows if r["syscall"] == "getpid"]
    other = [r for r in rows if r["syscall"] in ("read", "openat", "close", "mmap")]
    tap(rg and all(r.get("ret_host_pid") == host and r["result"] == 1 for r in rg) and
        other and all(r.get("ret_host_pid") is None for r in other),
        "row export: ret_host_pid %d for getpid, null for calls that return no pid" % host,
        "\n".join(json.dumps(r) for r in rg[:3]))
    otlp = analyze(ana, "export", "--format", "otlp-jsonl", "--orphans", "--pid", str(host),
                   cap)
    tap('"spancap.syscall.ret_host_pid"' in otlp and
        '"spancap.syscall.arg_host_pid.0"' in otlp and
        ('"intValue": "%d"' % kid_host in otlp or '"intValue":"%d"' % kid_host in otlp),
        "OTLP export: spancap.syscall.ret_host_pid and arg_host_pid.0 attributes")

    q_host, q_ns = t["quick_nspid"][0], t["quick_nspid"][-1]
    q = [p for p in procs if p["pid"] == q_host]
    qw = [e for e in sc if e["syscall"] == "wait4" and e["ret"].split()[0] == str(q_ns)]
    tap(len(q) == 1 and q[0].get("ns_pid") in (q_ns, None) and
        not [p for p in procs if p["pid"] == q_ns] and len(qw) == 1 and
        qw[0].get("ret_host_pid") == q_host,
        "a child gone at once: host pid %d, ns pid %d or unknown, never another; "
        "wait4 = %d [host %d]" % (q_host, q_ns, q_ns, q_host),
        "%s\n%s" % (q, qw))

    # FILTERED holds only the workload's kill: the process it names comes along, described
    ev = json.loads(analyze(ana, "timeline", "--json", filtered))["events"]
    kills = [e for e in ev if e.get("syscall") == "kill"]
    fp = [p["pid"] for p in json.loads(analyze(ana, "processes", "--json",
                                                filtered))["processes"]]
    tap(len(kills) == 1 and kills[0]["call"] == "kill(%d [host %d], 15)" % (kid_ns, kid_host)
        and kid_host in fp and not [p for p in fp if p <= kid_ns],
        "filter --pid %d --syscall kill keeps the description of the process kill names" %
        host, "processes %s\n%s" % (fp, "\n".join(json.dumps(e) for e in kills)))

    ev = json.loads(analyze(ana, "timeline", "--json", filtered_child))["events"]
    named = sorted((e["syscall"], e["call"], e["ret"]) for e in ev
                   if e.get("kind") == "syscall" and e["pid"] == host)
    want = sorted([("clone", forks[0]["call"] if forks else "?", "%d [host %d]" %
                    (kid_ns, kid_host)),
                   ("kill", "kill(%d [host %d], 15)" % (kid_ns, kid_host), "0"),
                   ("wait4", waits[0]["call"] if waits else "?", "%d [host %d]" %
                    (kid_ns, kid_host))])
    tap(named == want, "filter --pid %d (the child) keeps its parent's clone, kill and wait4 "
        "that name it as %d" % (kid_host, kid_ns), "got %s\nwant %s" % (named, want))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--pids"]:
        check_pids()
        sys.exit(1 if failed else 0)
    sys.exit(main())
