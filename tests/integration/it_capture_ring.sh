#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The flight recorder (spancap --ring), with real BPF and a real workload (tests/ring_workload,
# which runs the commands this suite sends it, each inside a span):
#   - SIGUSR1 during a running workload writes one file (named as rotation names them, mode
#     0600) holding about the last --ring seconds before the signal and the --after seconds
#     that follow it; the activity before the window is absent; the file reads alone;
#   - --trigger-error ENOENT: a missing file opened inside a span writes the file; the same
#     failure outside any span does not;
#   - --trigger-slow 500: a 1 s nanosleep inside a span writes the file, a 100 ms one does not;
#   - a trigger while the ring overflows (a 256 KiB ring, a getppid flood, --after 0): the
#     file reads without warnings, its process is known (comm, resolved context), it holds no
#     more than the ring, and the overflow is counted;
#   - a symbolic link at a trigger file's name is refused, the next trigger writes the next
#     name, and the run exits 1;
#   - two triggers give two files, which share no section (the second starts where the first
#     ended when the windows overlap) and read together; no trigger, no file;
#   - option errors.
# Workloads are bounded by counts or durations of the workload's own commands. Prints TAP.
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
ANALYZE="$BUILD/spancap-analyze"
WL="$BUILD/tests/ring_workload"
. "$(dirname "$0")/suite_lib.sh"
TAP_DETAIL_FROM=tail
TAP_DETAIL_LINES=20
need_built "$SPANCAP" "$ANALYZE" "$WL"
suite_tmpdir
suite_cleanup() {
	[ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null
}
py() { python3 -c "$@"; }
now_ns() { date +%s%N; }

# ---- option errors -------------------------------------------------------------------------
refused() { # description, expected message part, spancap args...
	local d=$1 msg=$2; shift 2
	if "$SPANCAP" "$@" >"$tmp/out" 2>&1; then
		not_ok "$d (accepted)" "$tmp/out"
	elif grep -q -- "$msg" "$tmp/out"; then
		ok "$d"
	else
		not_ok "$d (message)" "$tmp/out"
	fi
}
refused "--after without --ring is refused" "apply to --ring only" -w "$tmp/x" --after 1 -- true
refused "--trigger-error without --ring is refused" "apply to --ring only" -w "$tmp/x" \
	--trigger-error ENOENT -- true
refused "--ring with -C is refused" "cannot rotate" -w "$tmp/x" --ring 5 -C 1M -- true
refused "--ring to standard output is refused" "not standard output" -w - --ring 5 -- true
refused "an unknown errno name is refused" "bad --trigger-error 'ENOPE'" -w "$tmp/x" --ring 5 \
	--trigger-error ENOENT,ENOPE -- true
refused "a --ring-size below 256k is refused" "bad --ring-size" -w "$tmp/x" --ring 5 \
	--ring-size 100k -- true

# ---- a run: spancap --ring over the workload, driven through a fifo --------------------------
# start_ring DIR SPANCAP-ARGS...: starts it; $d is DIR, fd 3 the workload's commands.
start_ring() {
	d=$1
	shift
	mkdir -p "$d/w"
	mkfifo "$d/in"
	"$SPANCAP" -w "$d/cap.pcapng.zst" "$@" -- "$WL" "$d/w" <"$d/in" >"$d/wl.out" \
		2>"$d/sp.err" &
	cap_pid=$!
	exec 3>"$d/in"
	ndone=0
	sleep 0.5 # the workload resolved (at its exec) before its first span
}
# send CMD...: sends a command without waiting; wait_done: waits until every command sent
# is done (at most 30 s).
send() {
	echo "$*" >&3
	ndone=$((ndone + 1))
}
wait_done() {
	for _ in $(seq 1 1500); do
		[ "$(grep -c '^done' "$d/wl.out")" -ge "$ndone" ] && return 0
		sleep 0.02
	done
	return 1
}
run() { send "$@" && wait_done; }
# stop_ring: quits the workload, waits for spancap; $rc its status.
stop_ring() {
	echo quit >&3
	exec 3>&-
	wait "$cap_pid"
	rc=$?
	cap_pid=
}
# done_ns N FIELD: field 3 (start) or 4 (end) of the Nth "done" line of the workload.
done_ns() { grep '^done' "$d/wl.out" | sed -n "$1p" | cut -d' ' -f"$2"; }
# rows FILE: the syscalls of FILE as CSV rows.
rows() { "$ANALYZE" export --format csv -o - "$1"; }
# files: the trigger files of the run.
files() { ls "$d"/cap-*.pcapng.zst 2>/dev/null; }
# reads_alone FILE DESCRIPTION: info without a warning, the workload known and resolved.
reads_alone() {
	local f=$1 what=$2
	if "$ANALYZE" info --json "$f" >"$tmp/info.out" 2>&1 &&
		py 'import json,sys; assert json.load(open(sys.argv[1]))["warnings"] == []' \
			"$tmp/info.out" 2>/dev/null; then
		ok "$what: spancap-analyze info reads it without a warning"
	else
		not_ok "$what: spancap-analyze info reads it without a warning" "$tmp/info.out"
	fi
	"$ANALYZE" processes --json "$f" >"$tmp/procs.json" 2>"$tmp/procs.err"
	if py 'import json,sys
ps = json.load(open(sys.argv[1]))["processes"]
w = [p for p in ps if p["comm"] == "ring_workload"]
assert len(ps) == 1 and len(w) == 1, ps
assert w[0]["ctx_status"] == "resolved" and w[0]["exe"].endswith("/ring_workload"), w
assert w[0]["stats"]["syscalls"] > 0' "$tmp/procs.json" >"$tmp/procs.chk" 2>&1; then
		ok "$what: its one process is known (comm, exe, resolved context)"
	else
		not_ok "$what: its one process is known (comm, exe, resolved context)" \
			"$tmp/procs.chk"
	fi
}

# ---- SIGUSR1: the last --ring seconds and the --after seconds --------------------------------
start_ring "$tmp/usr1" --ring 2 --after 1
run run early 3000
send run late 4500
sleep 3
t_sig=$(now_ns)
kill -USR1 "$cap_pid"
wait_done
stop_ring
f=$(files)
if [ "$rc" -eq 0 ] && [ "$(echo "$f" | grep -c .)" -eq 1 ] &&
	[ "$f" = "$d/cap-000001.pcapng.zst" ] && [ ! -e "$d/cap.pcapng.zst" ]; then
	ok "SIGUSR1: one file, named as rotation names them"
else
	not_ok "SIGUSR1: one file, named as rotation names them (rc $rc, files: $f)" "$d/sp.err"
fi
[ "$(stat -c %a "$f" 2>/dev/null)" = 600 ] && ok "SIGUSR1: the file is mode 0600" ||
	not_ok "SIGUSR1: the file is mode 0600 ($(stat -c %a "$f" 2>&1))"
reads_alone "$f" "SIGUSR1"
rows "$f" >"$tmp/usr1.csv" 2>"$tmp/usr1.err"
if py 'import csv,sys
t = int(sys.argv[2]); early_end = int(sys.argv[3])
r = list(csv.DictReader(open(sys.argv[1])))
opens = lambda tag: [int(x["ts_ns"]) for x in r
                     if x["syscall"] == "openat" and x["path"].endswith("/" + tag)]
early, late = opens("early"), opens("late")
assert not early, "%d opens of the phase before the window" % len(early)
assert late, "no open of the phase of the window"
first, last = min(late), max(late)
# the window: --ring 2, kept in segments of 0.5 s: it starts 2 to 2.5 s before the trigger
print("first %.3f s before the trigger, last %.3f s after it" % ((t - first) / 1e9, (last - t) / 1e9))
assert 1.7e9 <= t - first <= 3.0e9, "window starts %.3f s before the trigger" % ((t - first) / 1e9)
assert 0.7e9 <= last - t <= 2.0e9, "last record %.3f s after the trigger" % ((last - t) / 1e9)
assert all(int(x["ts_ns"]) > early_end - 1e8 for x in r), "a record of before the early phase ended"
' "$tmp/usr1.csv" "$t_sig" "$(done_ns 1 4)" >"$tmp/usr1.chk" 2>&1; then
	ok "SIGUSR1: the file covers about the last 2 s and the next 1 s, nothing before ($(tail -1 "$tmp/usr1.chk"))"
else
	not_ok "SIGUSR1: the file covers about the last 2 s and the next 1 s, nothing before" \
		"$tmp/usr1.chk"
fi
"$ANALYZE" info --json "$f" >"$tmp/usr1.json" 2>/dev/null
if py 'import json,sys
h = json.load(open(sys.argv[1]))
fr = h["hosts"][0]["flight_recorder"]
assert fr["triggers"] == 1 and fr["dropped_sections"] >= 4 and fr["overflows"] == 0, fr
assert h["sections"][0]["index"] >= 4, h["sections"][0]
assert h["loss"]["events"] == 0, h["loss"]
' "$tmp/usr1.json" >"$tmp/usr1j.chk" 2>&1; then
	ok "SIGUSR1: info shows the trigger and the sections dropped before the window (no loss)"
else
	not_ok "SIGUSR1: info shows the trigger and the sections dropped before the window" \
		"$tmp/usr1j.chk"
fi
grep -q "^[0-9]* events recorded in memory, [0-9]* lost; 1 trigger, 1 file written$" \
	"$d/sp.err" && ok "SIGUSR1: the final line counts 1 trigger and 1 file" ||
	not_ok "SIGUSR1: the final line counts 1 trigger and 1 file" "$d/sp.err"

# ---- --trigger-error ---------------------------------------------------------------------------
start_ring "$tmp/err" --ring 2 --after 0.5 --trigger-error ENOENT
run run a 800
run failout outside-span
run run b 1000
run fail missing-in-span
run run c 1500
stop_ring
t_fail=$(done_ns 4 3)
f=$(files)
if [ "$rc" -eq 0 ] && [ "$(echo "$f" | grep -c .)" -eq 1 ]; then
	ok "--trigger-error ENOENT: one file (the failure outside a span fired nothing)"
else
	not_ok "--trigger-error ENOENT: one file (rc $rc, files: $f)" "$d/sp.err"
fi
reads_alone "$f" "--trigger-error"
rows "$f" >"$tmp/err.csv" 2>/dev/null
if py 'import csv,sys
t = int(sys.argv[2])
r = list(csv.DictReader(open(sys.argv[1])))
fail = [x for x in r if x["path"].endswith("/missing-in-span")]
assert len(fail) == 1 and fail[0]["errno"] == "ENOENT" and fail[0]["trace_id"], fail
out = [x for x in r if x["path"].endswith("/outside-span")]
assert len(out) == 1 and out[0]["errno"] == "ENOENT" and not out[0]["trace_id"], out
c = [int(x["ts_ns"]) for x in r if x["path"].endswith("/c")]
assert c, "no record of the --after period"
print("last record %.3f s after the failure" % ((max(c) - t) / 1e9))
assert 0.3e9 <= max(c) - t <= 1.0e9, "last record %.3f s after the failure" % ((max(c) - t) / 1e9)
' "$tmp/err.csv" "$t_fail" >"$tmp/err.chk" 2>&1; then
	ok "--trigger-error ENOENT: the failing openat in its span, then 0.5 s ($(tail -1 "$tmp/err.chk"))"
else
	not_ok "--trigger-error ENOENT: the failing openat in its span, then 0.5 s" "$tmp/err.chk"
fi

# ---- --trigger-slow ----------------------------------------------------------------------------
# Thresholds far above what a loaded 2-CPU machine makes of the 5 ms sleeps of "run".
start_ring "$tmp/slow" --ring 2 --after 0 --trigger-slow 500
run run a 500
run sleep 100
run run b 300
run sleep 1000
run run c 800
stop_ring
t_slow_end=$(done_ns 4 4)
f=$(files)
if [ "$rc" -eq 0 ] && [ "$(echo "$f" | grep -c .)" -eq 1 ]; then
	ok "--trigger-slow 500: one file (the 100 ms sleep fired nothing)"
else
	not_ok "--trigger-slow 500: one file (rc $rc, files: $f)" "$d/sp.err"
fi
rows "$f" >"$tmp/slow.csv" 2>/dev/null
if py 'import csv,sys
t = int(sys.argv[2])
r = list(csv.DictReader(open(sys.argv[1])))
# the workload numbers its spans: the sleeps are its 2nd and 4th commands
sl = [int(x["duration_ns"]) for x in r if x["syscall"] in ("nanosleep", "clock_nanosleep")
      and x["span_id"] in ("b000000000000002", "b000000000000004")]
assert len(sl) == 2 and 100e6 <= sl[0] < 500e6 and sl[1] >= 1000e6, sl
c = [x for x in r if x["path"].endswith("/c")]
assert not c, "%d records of after the trigger with --after 0" % len(c)
assert max(int(x["ts_ns"]) for x in r) <= t + 1e9
' "$tmp/slow.csv" "$t_slow_end" >"$tmp/slow.chk" 2>&1; then
	ok "--trigger-slow 500: the 1 s nanosleep ends the file (--after 0)"
else
	not_ok "--trigger-slow 500: the 1 s nanosleep ends the file (--after 0)" "$tmp/slow.chk"
fi

# ---- a trigger while the ring overflows --------------------------------------------------------
start_ring "$tmp/ovf" --ring 3 --ring-size 256k --after 0 --stats=60
send flood 3000000
sleep 1.5
kill -USR1 "$cap_pid"
wait_done
stop_ring
f=$(files)
if [ "$rc" -eq 0 ] && [ "$(echo "$f" | grep -c .)" -eq 1 ]; then
	ok "overflow: one file"
else
	not_ok "overflow: one file (rc $rc, files: $f)" "$d/sp.err"
fi
reads_alone "$f" "overflow"
ovf=$(sed -n 's/^spancap: stats final .* ring_overflows=\([0-9]*\).*/\1/p' "$d/sp.err")
dropped=$(sed -n 's/^spancap: stats final .* ring_dropped_bytes=\([0-9]*\).*/\1/p' "$d/sp.err")
[ -n "$ovf" ] && [ "$ovf" -gt 0 ] && [ "$dropped" -gt 0 ] &&
	ok "overflow: counted ($ovf sections, $dropped bytes dropped for room)" ||
	not_ok "overflow: counted (ring_overflows '$ovf')" "$d/sp.err"
size=$(stat -c %s "$f")
"$ANALYZE" info --json "$f" >"$tmp/ovf.json" 2>/dev/null
if py 'import json,sys
h = json.load(open(sys.argv[1]))["hosts"][0]
assert h["end"] is not None and h["end"]["clean"], h["end"]
fr = h["flight_recorder"]
assert fr["triggers"] == 1 and fr["overflows"] > 0, fr
s = int(sys.argv[2])
assert s <= 1.25 * 256 * 1024, "file of %d bytes from a ring of 256 KiB" % s
' "$tmp/ovf.json" "$size" >"$tmp/ovf.chk" 2>&1; then
	ok "overflow: the file ends with an END record, info counts the overflow, and it stays near the ring's size ($size bytes)"
else
	not_ok "overflow: the file ends with an END record and stays near the ring's size" \
		"$tmp/ovf.chk"
fi

# ---- two triggers, two files; no trigger, no file ----------------------------------------------
# the second trigger's 2 s window reaches back into the first file
start_ring "$tmp/two" --ring 2 --after 0.3
send run a 4000
sleep 1.2
kill -USR1 "$cap_pid"
sleep 1.5
kill -USR1 "$cap_pid"
wait_done
stop_ring
f=$(files)
if [ "$rc" -eq 0 ] && [ "$(echo "$f" | grep -c .)" -eq 2 ] &&
	[ -e "$d/cap-000001.pcapng.zst" ] && [ -e "$d/cap-000002.pcapng.zst" ]; then
	ok "two triggers: two files"
else
	not_ok "two triggers: two files (files: $f)" "$d/sp.err"
fi
for g in $f; do
	reads_alone "$g" "two triggers, $(basename "$g")"
done
"$ANALYZE" info --json "$d/cap-000001.pcapng.zst" >"$tmp/two1.json" 2>/dev/null
"$ANALYZE" info --json "$d/cap-000002.pcapng.zst" >"$tmp/two2.json" 2>/dev/null
"$ANALYZE" info --json "$d/cap-000001.pcapng.zst" "$d/cap-000002.pcapng.zst" \
	>"$tmp/two12.json" 2>/dev/null
if py 'import json,sys
one, two, both = (json.load(open(a)) for a in sys.argv[1:4])
i1 = [s["index"] for s in one["sections"]]
i2 = [s["index"] for s in two["sections"]]
assert max(i1) < min(i2), (i1, i2)
assert both["warnings"] == [], both["warnings"]
n = lambda j: j["records"]["syscall"]
assert n(both) == n(one) + n(two), (n(both), n(one), n(two))
' "$tmp/two1.json" "$tmp/two2.json" "$tmp/two12.json" >"$tmp/two.chk" 2>&1; then
	ok "two triggers: no section in both files; together they read without a warning"
else
	not_ok "two triggers: no section in both files; together they read without a warning" \
		"$tmp/two.chk"
fi

# A trigger file name taken by a symbolic link: refused (never written through), the capture
# goes on, the next trigger writes the next name, and the run exits 1.
mkdir -p "$tmp/link"
echo keep >"$tmp/link-target"
ln -s "$tmp/link-target" "$tmp/link/cap-000001.pcapng.zst"
start_ring "$tmp/link" --ring 1 --after 0
send run a 3000
sleep 1
kill -USR1 "$cap_pid"
sleep 1
kill -USR1 "$cap_pid"
wait_done
stop_ring
if [ "$rc" -eq 1 ] && grep -q "cap-000001.pcapng.zst: cannot create: a symbolic link" "$d/sp.err" &&
	[ "$(cat "$tmp/link-target")" = keep ] && [ -f "$d/cap-000002.pcapng.zst" ] &&
	[ ! -L "$d/cap-000002.pcapng.zst" ]; then
	ok "a symbolic link at a trigger file's name: refused, the next trigger writes the next name, exit 1"
else
	not_ok "a symbolic link at a trigger file's name: refused, the next name written, exit 1 (rc $rc)" \
		"$d/sp.err"
fi
reads_alone "$d/cap-000002.pcapng.zst" "after a refused name"

start_ring "$tmp/none" --ring 1
run run a 1500
stop_ring
if [ "$rc" -eq 0 ] && [ -z "$(ls "$d" | grep cap)" ] &&
	grep -q "0 triggers, 0 files written" "$d/sp.err"; then
	ok "no trigger: nothing written"
else
	not_ok "no trigger: nothing written (rc $rc, $(ls "$d"))" "$d/sp.err"
fi

tap_end
