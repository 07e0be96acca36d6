#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap under load, each workload run as `spancap -- tests/load_workload MODE` so that only it
# is observed, and the workload counts from the inside what it did. Each is bounded by a count,
# so that a faster machine does and records no more; its time bound is only a safety net:
#   flood     LOAD_FLOOD_CALLS getppid() (default 2000000) from one thread per online CPU, as
#             fast as they go, at the default ring buffer size (at most LOAD_FLOOD_SECONDS, 30):
#             getppid records + events reported lost == getppid calls counted
#   churn     LOAD_CHURN_THREADS threads (20000) created and exited as fast as possible (at most
#             LOAD_CHURN_SECONDS, 10)
#   exec      LOAD_EXEC_COUNT fork + exec (1500) as fast as possible (at most LOAD_EXEC_SECONDS, 10)
#   pidreuse  a publishing process (spancap-hostile-writer --swap) exits, and its pid is given
#             to a process that does not publish but keeps a valid-looking record where the old
#             resolution would look: none of its syscalls may carry a context
# Every run: spancap exits 0 with an END record, and its peak resident memory (VmHWM, polled from
# /proc while it runs) stays under LOAD_MAX_HWM_KB (default 262144). Prints TAP.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/suite_lib.sh"
suite_tmpdir
wl=$(cd "$BUILD/tests" && pwd)/load_workload
FLOOD_CALLS=${LOAD_FLOOD_CALLS:-2000000}
FLOOD=${LOAD_FLOOD_SECONDS:-30}
CHURN_THREADS=${LOAD_CHURN_THREADS:-20000}
CHURN=${LOAD_CHURN_SECONDS:-10}
EXEC_COUNT=${LOAD_EXEC_COUNT:-1500}
EXEC=${LOAD_EXEC_SECONDS:-10}
MAX_HWM=${LOAD_MAX_HWM_KB:-262144}

# run NAME CMD...: spancap -- CMD, polling spancap's VmHWM into $tmp/NAME.hwm.
run() {
	local name=$1
	shift
	"$BUILD/spancap" -w "$tmp/$name.pcapng.zst" -- "$@" >"$tmp/$name.out" 2>&1 &
	local cap=$! hwm=0 v
	while kill -0 "$cap" 2>/dev/null; do
		v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$cap/status 2>/dev/null)
		[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
		sleep 0.5
	done
	wait "$cap"
	echo $? >"$tmp/$name.rc"
	echo "$hwm" >"$tmp/$name.hwm"
}

run flood nice -n 5 "$wl" flood "$FLOOD_CALLS" "$FLOOD" "$tmp/flood.counts"
run churn "$wl" churn "$CHURN_THREADS" "$CHURN" "$tmp/churn.counts"
run exec "$wl" exec "$EXEC_COUNT" "$EXEC" "$tmp/exec.counts"
# The publisher runs one second (its stdin stays open: the pipe from sleep).
sleep 3 | run pidreuse "$wl" pidreuse "$tmp/pidreuse.counts" \
	"$(cd "$BUILD/samples" && pwd)/spancap-hostile-writer" --swap --duration 1 --max-ops 100000 \
	--truth "$tmp/pidreuse.truth"

# The check streams each capture and keeps counters (and, for pidreuse, the bounded records of
# one pid): 51 MB peak for the whole suite's largest process (2026-12-06).
python3 - "$tmp" "$here" "$MAX_HWM" <<'PY'
import json
import struct
import sys

tmp, here, max_hwm = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, here)
from tap_report import Tap
import check_capture_truth as capture_file  # the independent FORMAT.md decoder

NR_GETPPID = 110
F_CTX = 0x1
tap = Tap()
report = tap.report


def counts(path):
    try:
        return {k: float(v) for k, v in (l.split() for l in open(path))}
    except (OSError, ValueError):
        return {}


def scan(name):
    f = {"end": None, "getppid": 0, "execs": 0, "recs": []}
    for ts, rtype, flags, body, items in capture_file.records(
            "%s/%s.pcapng.zst" % (tmp, name)):
        if rtype == 9:
            f["end"] = {"lost": struct.unpack_from("<Q", body, 16)[0],
                        "syscalls": struct.unpack_from("<Q", body, 24)[0],
                        "clean": body[33]}
        elif rtype == 6:
            tid, pid, nr = struct.unpack_from("<IIH", body, 64)
            f["getppid"] += nr == NR_GETPPID
            if name == "pidreuse":
                f["recs"].append((ts, pid, nr, flags, body[80:96].hex(), body[96:104].hex()))
        elif rtype == 7 and body[12] == 2:
            f["execs"] += 1
            if name == "pidreuse":
                f["recs"].append((ts, struct.unpack_from("<I", body, 0)[0], -1, 0, "", ""))
    return f


def common(name):
    rc = open("%s/%s.rc" % (tmp, name)).read().strip()
    hwm = int(open("%s/%s.hwm" % (tmp, name)).read())
    out = open("%s/%s.out" % (tmp, name)).read()
    f = scan(name)
    report(rc == "0" and f["end"] is not None and f["end"]["clean"] == 1,
           "%s: spancap exits 0 with a clean END record" % name, out[-600:])
    report(0 < hwm < max_hwm, "%s: spancap's peak resident memory %d kB < %d kB" %
           (name, hwm, max_hwm))
    return f


f = common("flood")
c = counts("%s/flood.counts" % tmp)
want = int(c.get("getppid", -1))
lost = f["end"]["lost"] if f["end"] else -1
report(want > 0 and f["getppid"] + lost == want,
       "flood: %d getppid records + %d events reported lost == %d calls counted by the "
       "workload (%d threads, one per CPU)" % (f["getppid"], lost, want, c.get("threads", 0)))

f = common("churn")
c = counts("%s/churn.counts" % tmp)
want = int(c.get("getppid", -1))
lost = f["end"]["lost"] if f["end"] else -1
report(want > 0 and f["getppid"] <= want <= f["getppid"] + lost,
       "churn: %d threads (%d/s); %d getppid records <= %d counted <= records + %d lost" %
       (c.get("threads", 0), c.get("per_second", 0), f["getppid"], want, lost))

f = common("exec")
c = counts("%s/exec.counts" % tmp)
want = int(c.get("execs", -1))
lost = f["end"]["lost"] if f["end"] else -1
report(want > 0 and f["getppid"] <= want <= f["getppid"] + lost and
       want <= f["execs"] <= want + 1 + lost,
       "exec: %d execs (%d/s, %d failed); %d exec events, %d getppid records, %d lost" %
       (want, c.get("per_second", 0), c.get("failed", 0), f["execs"], f["getppid"], lost))

f = common("pidreuse")
c = counts("%s/pidreuse.counts" % tmp)
d = counts("%s/pidreuse.counts.decoy" % tmp)
truth = [json.loads(l) for l in open("%s/pidreuse.truth" % tmp)]
published = {(t["trace"], t["span"]) for t in truth if t["type"] == "published"}
pub_off = next((t["tls_offset"] for t in truth if t["type"] == "thread"), None)
pid = int(c.get("publisher_pid", -1))
report(pid > 0 and c.get("reuse_pid") == pid and d.get("decoy_pid") == pid and
       d.get("decoy_tls_offset") == pub_off,
       "pidreuse: pid %d published, then went to a non-publishing process whose TLS at "
       "TP%+d holds a valid-looking record (the publisher's variable was at TP%+d; %d forks)" %
       (pid, d.get("decoy_tls_offset", 0), pub_off or 0, c.get("reuse_attempts", 0)))
recs = sorted(r for r in f["recs"] if r[1] == pid)
execs = [i for i, r in enumerate(recs) if r[2] == -1]
before = recs[:execs[-1]] if len(execs) >= 2 else []
after = recs[execs[-1] + 1:] if len(execs) >= 2 else []
ctx_before = sum(1 for r in before if r[3] & F_CTX and (r[4], r[5]) in published)
ctx_after = [r for r in after if r[3] & F_CTX]
report(ctx_before > 0 and sum(1 for r in after if r[2] == NR_GETPPID) > 0 and not ctx_after,
       "pidreuse: the publisher's syscalls carry its contexts (%d), the new owner's %d syscalls "
       "carry none (%d do)" % (ctx_before, len(after), len(ctx_after)), ctx_after[:5])
print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
PY
