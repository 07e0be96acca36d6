#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Run as pid 1 of a new pid namespace whose /proc is still the host's (unshare --pid --fork,
without --mount-proc): calls getpid, forks a child, kills it and waits for it, and writes the
truth to the file named by argv[1], as JSON: its own and the child's NSpid lines of
/proc/self/status ([host pid, namespace pid]: the host's /proc names both), what getpid
returned, and the child's pid as fork() and waitpid() returned it (namespace pids). Then the
same for a second child that exits at once ("quick"), gone before spancap reads its /proc.
"""
import json
import os
import signal
import sys
import time


def nspid():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    return []


def main():
    me = nspid()
    got = os.getpid()
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(w, (json.dumps(nspid()) + "\n").encode())
        time.sleep(60)
        os._exit(0)
    kid = json.loads(os.read(r, 200))
    time.sleep(1)  # spancap describes the child while it runs: its record has its ns pid
    os.kill(child, signal.SIGTERM)
    waited, status = os.waitpid(child, 0)
    # A child gone at once, before spancap can read its /proc: its ns pid comes from clone().
    quick = os.fork()
    if quick == 0:
        os.write(w, (json.dumps(nspid()) + "\n").encode())
        os._exit(0)
    quick_ns = json.loads(os.read(r, 200))
    quick_waited, _ = os.waitpid(quick, 0)
    with open(sys.argv[1], "w") as f:
        json.dump({"nspid": me, "getpid": got, "child_nspid": kid, "fork": child,
                   "waited": waited, "status": status, "quick_nspid": quick_ns,
                   "quick_fork": quick, "quick_waited": quick_waited}, f)


if __name__ == "__main__":
    main()
