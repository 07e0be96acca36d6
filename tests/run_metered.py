#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Run one test suite within a budget, and say what it cost.

    run_metered.py REPORT SECONDS MEGABYTES COMMAND [ARGS...]

Runs COMMAND in a session (and process group) of its own. When it has run SECONDS seconds, the
whole group gets SIGTERM, then SIGKILL 10 s later: a suite that hangs or grew with the machine's
speed ends here instead of running into CI's own limit. Writes one line to REPORT:

    <exit status> <wall seconds> <peak RSS in kB> <budget verdict>

where the peak RSS is the largest resident set of any single process of the suite: the kernel
keeps, for each process, the maximum of its own peak and that of every descendant it reaped
(getrusage(2), ru_maxrss), so wait4() on the suite gives the largest process of its whole tree,
as long as each process was reaped by its parent (a daemon that escapes the tree is not counted).
The verdict is "ok", "time" (killed at SECONDS) or "memory" (a process exceeded MEGABYTES).
COMMAND's own exit status is kept; a killed suite reports 128 + the signal. Standard input,
output and error are COMMAND's.
"""
import os
import signal
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 5:
        sys.stderr.write("usage: run_metered.py REPORT SECONDS MEGABYTES COMMAND [ARGS...]\n")
        return 2
    report, seconds, megabytes, cmd = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, start_new_session=True)
    verdict = "ok"
    killed_at = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        now = time.monotonic()
        if killed_at is None and now - t0 > seconds:
            verdict = "time"
            killed_at = now
            os.killpg(proc.pid, signal.SIGTERM)
        elif killed_at is not None and now - killed_at > 10:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.05 if now - t0 < 2 else 0.2)
    wall = time.monotonic() - t0
    if killed_at is not None:
        try:  # what the group left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    rc = os.waitstatus_to_exitcode(status)
    if rc < 0:
        rc = 128 - rc
    if verdict == "ok" and rusage.ru_maxrss > megabytes * 1024:
        verdict = "memory"
    with open(report, "w") as f:
        f.write("%d %.1f %d %s\n" % (rc, wall, rusage.ru_maxrss, verdict))
    return rc


if __name__ == "__main__":
    sys.exit(main())
