#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
check_sampled_children.py demo CAPTURE TRUTH ANALYZE --sample-traces F
check_sampled_children.py tree CAPTURE SPAWN_LOG ANALYZE in|out fork|posix-spawn
check_sampled_children.py own CAPTURE SPAWN_LOG ANALYZE in|out
check_sampled_children.py forked CAPTURE SPAWN_LOG ANALYZE in|out

The processes a sampled capture's programs start, and the trace they were started in. A
process belongs to the trace it was started in (formats/FORMAT.md 4.4):

  - one started in a trace the sample leaves out is described (the analyzer lists it, with
    its exit), and every syscall record of its pid is flagged SAMPLED_OUT without a context:
    only the fork, exec and exit syscalls and the re-resolution triggers, which are recorded
    whatever the sample while spancap reads the process's context (none at all for a process
    it gives no task storage: a child of a thread in a trace left out, until it has a context
    of its own, and a child of a process with no context to read);
  - one started in a kept trace, or outside any span, is recorded whole: at least MIN_KEPT
    syscall records of its pid are not flagged SAMPLED_OUT, among them syscalls that are
    neither lifecycle nor trigger (the dynamic loader's openat, read and close).

demo: spancap-demo-service's /api/report spans fork a child that execs /bin/true or the
service itself; its truth log (--truth) names each child (the clone's result) and the trace it
was started in, which in_sample() (check_capture_truth.py, written from FORMAT.md 4.4) decides.

tree: tests/span_spawn ran a command (a shell that runs cat) in a span whose trace the sample
keeps (in) or leaves out (out), then outside any span; SPAWN_LOG holds what it printed (the
two pids, on lines "in-span PID" and "outside PID", among spancap's own lines). The shell and
the cat it starts are judged together: left out with the trace, or whole. Left out, neither
has a syscall record at all (docs/BPF_EVENT_PATH.md section 2): the shell reads its starter's
context until its exec (as a vfork child without task storage, or as a fork child read from
where its starter's context is, also without storage), then has none of its own to read, nor
has the cat it starts: no task storage.

own: the same, where the command is a shell that runs two programs in turn, each outside any
context when it starts and then attaching a context of its own in a trace every sample keeps:
`span_spawn own` (its executable's static TLS block holds the context: spancap applies the rule
it found for span_spawn at the exec), tests/late_writer (it loads a writer library and
publishes the process context: spancap finds the context by re-resolving it) and
`late_writer -d` (it only loads the writer, from a process with two threads). Their own
contexts decide for themselves, even in a process started in a trace left out: each (its pid
on a line "own PID", "late PID" or "late-d PID" of SPAWN_LOG, once per run of the command) has
at least OWN_SYSCALLS getppid records per thread (two for late-d, each thread's) carrying its
context, with its trace id, and no record with another context.
The shell itself is judged as in tree: left out with the trace (out), or whole (in, outside).

forked: span_spawn --fork-own: the command is a fork child that does not exec (its pid on the
lines "forked PID", one for the run in the span and one for the run outside). It makes
OWN_SYSCALLS getppid in the context it inherited, runs /bin/true with posix_spawn (its pid on a
line "forked-spawn PID"), then makes OWN_SYSCALLS getppid in a context of its own in a trace
every sample keeps. The own ones are recorded with their trace whatever the run; the inherited
ones are recorded with the span's trace when kept (in), not at all when left out (out: the
child is read without task storage until it spawns), and without a context outside any span.
The /bin/true it spawns belongs to the inherited context: no syscall record when left out (a
vfork child of a trace left out), recorded whole otherwise.
Prints TAP lines (without the plan).
"""
import json
import subprocess
import sys
from collections import defaultdict

from check_capture_truth import REC_SYSCALL, F_CTX, records, in_sample, sample_threshold
from tap_report import Tap

F_SAMPLED_OUT = 0x0040
MIN_KEPT = 10
# openat, read, close: what ld.so does for any dynamically linked program.
LOADER_NRS = {257, 0, 3}
# own: the getppid() syscalls (x86_64) each program makes in its context, and its trace id.
NR_GETPPID = 110
OWN_SYSCALLS = 30
OWN_TRACE = {"own": bytes([0x6b] * 9 + [0xff] * 7), "late": bytes([0x1a] * 9 + [0xff] * 7),
             "late-d": bytes([0x2d] * 9 + [0xff] * 7)}
OWN_THREADS = {"own": 1, "late": 1, "late-d": 2}


def syscalls_of(cap_path, pids):
    """pid -> [(nr, flags)] of the SYSCALL records of pids."""
    recs = defaultdict(list)
    for _ts, rtype, flags, body, _items in records(cap_path):
        if rtype == REC_SYSCALL:
            pid, nr = int.from_bytes(body[68:72], "little"), int.from_bytes(body[72:74], "little")
            if pid in pids:
                recs[pid].append((nr, flags))
    return recs


def processes(analyze, cap_path):
    listed = json.loads(subprocess.run([analyze, "processes", "--json", cap_path],
                                       capture_output=True, check=True, text=True).stdout)
    return {p["pid"]: p for p in listed["processes"]}


def check_left_out(tap, what, pids, described, recs):
    bad = ["pid %d: %s" % (p, "not listed" if p not in described else "no exit")
           for p in pids if p not in described or described[p].get("exit_status") is None]
    tap.report(not bad, "%s: each of the %d processes is described, with its exit" %
               (what, len(pids)), "\n".join(bad))
    bad, n = [], 0
    for p in pids:
        for nr, flags in recs.get(p, []):
            n += 1
            if not flags & F_SAMPLED_OUT or flags & F_CTX:
                bad.append("pid %d: syscall %d flags 0x%04x" % (p, nr, flags))
    tap.report(not bad, "%s: their %d syscall records (%.1f per process: at most fork, exec, "
               "exit, triggers) are all flagged SAMPLED_OUT, none with a context" %
               (what, n, n / max(1, len(pids))), "\n".join(bad))


def check_whole(tap, what, pids, recs):
    bad = []
    for p in pids:
        mine = [nr for nr, flags in recs.get(p, []) if not flags & F_SAMPLED_OUT]
        if len(mine) < MIN_KEPT or not LOADER_NRS & set(mine):
            bad.append("pid %d: %d records not sampled out (%s)" %
                       (p, len(mine), sorted(set(mine))))
    tap.report(bool(pids) and not bad, "%s: each of the %d processes is recorded whole (at "
               "least %d syscalls not sampled out, the loader's openat/read/close among them)"
               % (what, len(pids), MIN_KEPT), "\n".join(bad))


def demo(tap, args):
    i = args.index("--sample-traces")
    threshold = sample_threshold(float(args[i + 1]))
    del args[i:i + 2]
    cap_path, truth_path, analyze = args
    truth = [json.loads(line) for line in open(truth_path) if line.strip()]
    span_flags = {t["span_id"]: t["trace_flags"] for t in truth if t["type"] == "span"}
    started = {}  # child pid -> kept
    for t in truth:
        if t["type"] == "op" and t["syscall"] == "clone" and t["trace_id"] and t["ret"] > 0:
            started[t["ret"]] = in_sample(t["trace_id"], span_flags[t["span_id"]], threshold,
                                          False)
    kept = sorted(p for p, k in started.items() if k)
    out = sorted(p for p, k in started.items() if not k)
    tap.report(bool(kept) and bool(out),
               "the service started %d processes in traces the rule keeps and %d in traces it "
               "leaves out" % (len(kept), len(out)))
    recs = syscalls_of(cap_path, set(started))
    check_left_out(tap, "started in a trace left out", out, processes(analyze, cap_path), recs)
    check_whole(tap, "started in a kept trace", kept, recs)


def spawn_pids(spawn_log, keys):
    """key -> [pid] of the SPAWN_LOG lines "KEY PID" whose key is in keys."""
    pids = defaultdict(list)
    for line in open(spawn_log):
        k, _, v = line.partition(" ")
        if k in keys:
            pids[k].append(int(v))
    return pids


def family_of(described, root):
    """root and the processes it started, and those they started in turn, as listed."""
    pids, grew = {root}, True
    while grew:
        more = {p for p, d in described.items() if d.get("ppid") in pids} - pids
        grew = bool(more)
        pids |= more
    return sorted(pids)


def check_unstored(tap, what, pids, recs):
    bad = ["pid %d: %d records" % (p, len(recs.get(p, []))) for p in pids if recs.get(p)]
    tap.report(bool(pids) and not bad, "%s: the %d processes (%s) have no syscall record (no "
               "task storage)" % (what, len(pids), " ".join(map(str, pids))), "\n".join(bad))


def tree(tap, args):
    cap_path, spawn_log, analyze, which, how = args
    roots = {k: v[0] for k, v in spawn_pids(spawn_log, ("in-span", "outside")).items()}
    described = processes(analyze, cap_path)
    in_span = family_of(described, roots["in-span"])
    outside = family_of(described, roots["outside"])
    tap.report(len(in_span) >= 2 and len(outside) >= 2,
               "the command run in the span is %d processes (%s), the one run outside %d (%s)" %
               (len(in_span), " ".join(described[p]["comm"] for p in in_span if p in described),
                len(outside), " ".join(described[p]["comm"] for p in outside if p in described)))
    recs = syscalls_of(cap_path, set(in_span) | set(outside))
    if which == "out":
        check_left_out(tap, "started in a trace left out, with the processes it started",
                       in_span, described, recs)
        check_unstored(tap, "started in a trace left out, with nothing of their own to read",
                       in_span, recs)
    else:
        check_whole(tap, "started in a kept trace, with the processes it started", in_span, recs)
    check_whole(tap, "started outside any span, with the processes it started", outside, recs)


def own(tap, args):
    cap_path, spawn_log, analyze, which = args
    logged = spawn_pids(spawn_log, ("in-span", "outside") + tuple(OWN_TRACE))
    described = processes(analyze, cap_path)
    shells = {k: logged[k][0] for k in ("in-span", "outside") if logged[k]}
    families = {k: family_of(described, p) for k, p in shells.items()}
    # Each run of the command ran both programs, as the shell's children.
    bad = ["%s of the %s run: %s" % (prog, run, [p for p in logged[prog] if p in fam])
           for prog in OWN_TRACE for run, fam in families.items()
           if len([p for p in logged[prog] if p in fam]) != 1]
    if len(shells) != 2 or any(len(logged[prog]) != 2 for prog in OWN_TRACE):
        bad.append("in-span %s, outside %s, %s" % (
            logged["in-span"], logged["outside"],
            ", ".join("%s %s" % (prog, logged[prog]) for prog in OWN_TRACE)))
    tap.report(not bad, "each run of the command (shells %s) started one span_spawn own, one "
               "late_writer and one late_writer -d (%s)" % (
                   sorted(shells.values()),
                   ", ".join("%s %s" % (prog, logged[prog]) for prog in OWN_TRACE)),
               "\n".join(bad))
    progs = {p: prog for prog in OWN_TRACE for p in logged[prog]}
    every = set(progs) | {p for fam in families.values() for p in fam}
    recs = defaultdict(list)
    for _ts, rtype, flags, body, _items in records(cap_path):
        if rtype == REC_SYSCALL:
            pid, nr = int.from_bytes(body[68:72], "little"), int.from_bytes(body[72:74], "little")
            if pid in every:
                recs[pid].append((nr, flags, bytes(body[80:96]),
                                  int.from_bytes(body[64:68], "little")))
    for prog, trace in OWN_TRACE.items():
        bad, counts = [], []
        want = OWN_SYSCALLS * OWN_THREADS[prog]
        for p in logged[prog]:
            mine = [tid for nr, flags, t, tid in recs[p]
                    if nr == NR_GETPPID and flags & F_CTX and t == trace]
            other = sorted({t.hex() for _nr, flags, t, _tid in recs[p]
                            if flags & F_CTX and t != trace})
            counts.append(len(mine))
            if len(mine) < want or len(set(mine)) < OWN_THREADS[prog] or other:
                bad.append("pid %d: %d getppid records in trace %s from %d threads, %d records "
                           "of the pid, other contexts %s, flags seen %s" % (
                               p, len(mine), trace.hex(), len(set(mine)), len(recs[p]), other,
                               sorted({"0x%04x" % f for _nr, f, _t, _tid in recs[p]})))
        tap.report(len(logged[prog]) == 2 and not bad,
                   "%s: in each run its own context's syscalls are recorded with it (getppid "
                   "records in trace %s: %s, at least %d each from %d thread(s); no other "
                   "context)" % (prog, trace.hex(), counts, want, OWN_THREADS[prog]),
                   "\n".join(bad))
    two = {p: [(nr, flags) for nr, flags, _t, _tid in r] for p, r in recs.items()}
    shell = {k: [p for p in fam if p not in progs] for k, fam in families.items()}
    if which == "out":
        check_left_out(tap, "the shell started in a trace left out", shell.get("in-span", []),
                       described, two)
    else:
        check_whole(tap, "the shell started in a kept trace", shell.get("in-span", []), two)
    check_whole(tap, "the shell started outside any span", shell.get("outside", []), two)


FORK_OWN_TRACE = bytes([0x6c] * 9 + [0xff] * 7)
SPAN_TRACE_IN = bytes([0x5a] * 9 + [0xff] * 7)


def forked(tap, args):
    cap_path, spawn_log, analyze, which = args
    logged = spawn_pids(spawn_log, ("in-span", "outside", "forked", "forked-spawn"))
    runs = {k: logged[k][0] for k in ("in-span", "outside") if logged[k]}
    spawned = logged["forked-spawn"]
    tap.report(len(runs) == 2 and sorted(logged["forked"]) == sorted(runs.values()) and
               len(spawned) == 2,
               "each run forked one child that did not exec and spawned one /bin/true "
               "(in-span %s, outside %s, forked %s, spawned %s)"
               % (logged["in-span"], logged["outside"], logged["forked"], spawned))
    recs = defaultdict(list)
    for _ts, rtype, flags, body, _items in records(cap_path):
        if rtype == REC_SYSCALL:
            pid, nr = int.from_bytes(body[68:72], "little"), int.from_bytes(body[72:74], "little")
            if pid in runs.values() or pid in spawned:
                recs[pid].append((nr, flags, bytes(body[80:96])))
    if len(spawned) == 2:
        two = {p: [(nr, flags) for nr, flags, _t in recs[p]] for p in spawned}
        if which == "out":
            check_unstored(tap, "in-span: the /bin/true it spawned in the trace left out",
                           spawned[:1], two)
        else:
            check_whole(tap, "in-span: the /bin/true it spawned in the kept trace", spawned[:1],
                        two)
        check_whole(tap, "outside: the /bin/true it spawned outside any span", spawned[1:], two)
    inherited = {"in-span": SPAN_TRACE_IN if which == "in" else None, "outside": b"\0" * 16}
    for run, pid in sorted(runs.items()):
        calls = [(flags, t) for nr, flags, t in recs[pid] if nr == NR_GETPPID]
        own_n = sum(1 for f, t in calls if f & F_CTX and t == FORK_OWN_TRACE)
        want_inh = inherited[run]
        if want_inh is None:
            inh_n = len(calls) - own_n
        elif want_inh == b"\0" * 16:
            inh_n = sum(1 for f, t in calls if not f & (F_CTX | F_SAMPLED_OUT))
        else:
            inh_n = sum(1 for f, t in calls if f & F_CTX and t == want_inh)
        want = (OWN_SYSCALLS, 0 if want_inh is None else OWN_SYSCALLS)
        tap.report((own_n, inh_n) == want and len(calls) == sum(want),
                   "%s: the fork child %d has %d getppid records in its own context's trace and "
                   "%d in the one it inherited (%s); want %d and %d, no other" % (
                       run, pid, own_n, inh_n,
                       "left out" if want_inh is None else
                       "none" if run == "outside" else "kept", want[0], want[1]),
                   "getppid records (flags, trace): %s" %
                   sorted({("0x%04x" % f, t.hex()) for f, t in calls}))
        if run == "in-span" and which == "out":
            bad = ["syscall %d flags 0x%04x" % (nr, f) for nr, f, t in recs[pid]
                   if not (f & F_CTX and t == FORK_OWN_TRACE) and
                   (not f & F_SAMPLED_OUT or f & F_CTX)]
            tap.report(not bad, "in-span: its other records are flagged SAMPLED_OUT, without a "
                       "context", "\n".join(bad))


if __name__ == "__main__":
    tap = Tap(max_detail=10)
    {"demo": demo, "tree": tree, "own": own, "forked": forked}[sys.argv[1]](tap, sys.argv[2:])
    sys.exit(0)
