#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The capture core end to end, with real BPF and real processes: spancap -w FILE -- capture_target
# records a program that makes known syscalls outside and inside one span (thread context in
# its exported otel_thread_ctx_v1, located by the resolver), then capture_check reads the file
# back with formats/ and the assertions below compare it with what the program reported.
# Prints TAP. A BPF program that cannot load is a failure, never a skip.
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
TARGET="$BUILD/tests/capture_target"
CHECK="$BUILD/tests/capture_check"
. "$(dirname "$0")/suite_lib.sh"
suite_tmpdir
suite_cleanup() {
	[ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null
	exec 7>&- 2>/dev/null
}

need_built "$SPANCAP" "$TARGET" "$CHECK" "$BUILD/tests/exec_thread"

# ---- run ------------------------------------------------------------------------------------

head -c 4096 /dev/urandom >"$tmp/known.dat"
mkfifo "$tmp/go"
# The target waits for one line on its stdin: sent once spancap has resolved it.
"$SPANCAP" -v -w "$tmp/cap.scap" -- "$TARGET" "$tmp/known.dat" <"$tmp/go" \
	>"$tmp/truth" 2>"$tmp/spancap.err" &
cap_pid=$!
exec 7>"$tmp/go"
resolved=0
wait_for "$tmp/spancap.err" "resolved via" 100 && resolved=1
echo go >&7
exec 7>&-
wait "$cap_pid"
cap_rc=$?
cap_pid=
# capture_target exits 3 when it ran through: spancap passes its status on.
if [ "$cap_rc" -eq 3 ]; then ok "spancap loads, attaches, runs the command and exits with its status (3)"
else bail "spancap loads, attaches, runs the command and exits with its status (3; got $cap_rc)" "$tmp/spancap.err"; fi
if [ "$resolved" = 1 ]; then ok "the target is resolved at exec (spancap -v reports it)"
else not_ok "the target is resolved at exec (spancap -v reports it)" "$tmp/spancap.err"; fi
check "spancap's last line is 'N events written, 0 lost'" \
	bash -c "tail -n 1 '$tmp/spancap.err' | grep -Eq '^[1-9][0-9]* events written, 0 lost$'"

"$CHECK" "$tmp/cap.scap" >"$tmp/dump" 2>&1
check_rc=$?
if [ "$check_rc" -eq 0 ]; then ok "the file reads back to a clean end; END counters are consistent"
else not_ok "the file reads back to a clean end; END counters are consistent" "$tmp/dump"; fi

val() { sed -n "s/^$1=//p" "$tmp/truth"; }
pid=$(val pid); tp_off=$(val tp_offset); port_out=$(val port_out); port_in=$(val port_in)
pipe=$(val pipe); child=$(val child)
[ -n "$pid" ] && [ -n "$child" ] || bail "the target ran to its end" "$tmp/truth"
T=0102030405060708090a0b0c0d0e0f10
S=a1a2a3a4a5a6a7a8
Z32=00000000000000000000000000000000
Z16=0000000000000000
K="$tmp/known.dat"

# syscalls of the target process: one line each
grep "^SYSCALL pid=$pid " "$tmp/dump" >"$tmp/sys"
# has LINE-REGEX: at least one matching syscall line
has() { grep -Eq -- "$1" "$tmp/sys"; }
count() { grep -Ec -- "$1" "$tmp/sys"; }

# ---- resolution -----------------------------------------------------------------------------

check "PROCESS record after exec: resolved (static TLS), tp_offset $tp_off as the target computed" \
	grep -Eq "^PROCESS pid=$pid .*origin=3 status=resolved model=(local-exec|link-map-static|initial-exec) tp_offset=$tp_off " "$tmp/dump"

# ---- outside the span -----------------------------------------------------------------------

check "openat of the known file outside the span: path, fd >= 0, no context" \
	has "nr=257 ret=[0-9]+ flags=0x0 ctx=0 trace=$Z32 span=$Z16 .* path=$K\$"
check "read of 100 bytes outside the span: ret 100, no context" \
	has "nr=0 ret=100 flags=0x0 ctx=0 .* arg2=100 "
check "failing openat outside the span: ENOENT (-2), path, no context" \
	has "nr=257 ret=-2 flags=0x0 ctx=0 .* path=/nonexistent/outside-span\$"
check "connect to 127.0.0.1:$port_out outside the span: ECONNREFUSED (-111), address, no context" \
	has "nr=42 ret=-111 flags=0x0 ctx=0 .* sa=127\.0\.0\.1:$port_out\$"
check "openat of a path in a page not faulted in yet: path read (at exit), no ARG_FAULT" \
	has "nr=257 ret=-2 flags=0x0 ctx=0 .* path=/nonexistent/cold-page\$"
check "connect with its address in a page not faulted in yet: address read (at exit)" \
	test "$(count "nr=42 ret=-111 flags=0x0 ctx=0 .* sa=127\.0\.0\.1:$port_out\$")" = 2

# ---- inside the span ------------------------------------------------------------------------

check "openat of the known file inside the span: trace and span ids" \
	has "nr=257 ret=[0-9]+ flags=0x1 ctx=1 trace=$T span=$S .* path=$K\$"
check "read of 200 bytes inside the span: ret 200, trace and span ids" \
	has "nr=0 ret=200 flags=0x1 ctx=1 trace=$T span=$S .* arg2=200 "
check "pipe2 inside the span: result fds $pipe as the target saw them" \
	has "nr=293 ret=0 flags=0x1 ctx=1 trace=$T span=$S .* fds=$pipe\$"
check "write of 777 bytes into the pipe inside the span: ret 777" \
	has "nr=1 ret=777 flags=0x1 ctx=1 trace=$T span=$S arg0=${pipe#*,} arg2=777 "
check "failing openat inside the span: ENOENT, path, trace and span ids" \
	has "nr=257 ret=-2 flags=0x1 ctx=1 trace=$T span=$S .* path=/nonexistent/inside-span\$"
check "connect to 127.0.0.1:$port_in inside the span: ECONNREFUSED, address, ids" \
	has "nr=42 ret=-111 flags=0x1 ctx=1 trace=$T span=$S .* sa=127\.0\.0\.1:$port_in\$"
check "failing execve inside the span: ENOENT, path and argv (read at its exit), ids" \
	has "nr=59 ret=-2 flags=0x1 ctx=1 trace=$T span=$S .* path=/nonexistent/exec-target argv=ghost\|in-span\$"
check "fork inside the span returns the child pid $child" \
	has "nr=(56|57|435) ret=$child flags=0x1 ctx=1 trace=$T span=$S "

# ---- context bookkeeping --------------------------------------------------------------------

check "every syscall with a context carries exactly trace $T span $S" \
	bash -c "! grep 'ctx=1' '$tmp/sys' | grep -v 'trace=$T span=$S' | grep -q ."
check "every syscall without a context carries zero ids" \
	bash -c "! grep 'ctx=0' '$tmp/sys' | grep -v 'trace=$Z32 span=$Z16' | grep -q ."
n_in=$(count "ctx=1")
check "the span's syscalls are in context ($n_in of them, at least 8)" test "$n_in" -ge 8
check "the syscalls after the detach carry no context (getppid, the final write)" \
	bash -c "awk '/nr=110 /{g++} END{exit g<2}' '$tmp/sys' &&
		 ! grep -E 'nr=110 .*ctx=1' '$tmp/sys' | grep -q . &&
		 tail -n 3 '$tmp/sys' | grep -Eq 'nr=1 .*ctx=0'"
check "THREAD_CTX records: attach (valid, ids, 11 bytes of attributes) then detach" \
	bash -c "grep -E '^CTX pid=$pid tid=$pid valid=1 trace=$T span=$S attrs_size=11 attrs_len=11' '$tmp/dump' >/dev/null &&
		 grep -A1000 -E '^CTX pid=$pid tid=$pid valid=1' '$tmp/dump' | grep -Eq '^CTX pid=$pid tid=$pid valid=0 trace=$Z32'"

# ---- processes ------------------------------------------------------------------------------

check "PROC fork: child $child of $pid" \
	grep -Eq "^PROC kind=fork pid=$child tid=$pid ppid=$pid " "$tmp/dump"
check "PROCESS record of the fork child: parent $pid, resolution inherited" \
	grep -Eq "^PROCESS pid=$child ppid=$pid origin=2 status=inherited .*tp_offset=$tp_off " "$tmp/dump"
check "PROC exec of the target itself, then of /bin/true in the child" \
	bash -c "grep -Eq '^PROC kind=exec pid=$pid .*path=$TARGET ' '$tmp/dump' &&
		 grep -Eq '^PROC kind=exec pid=$child .*path=/bin/true ' '$tmp/dump'"
check "execve in the child: path and argv decoded" \
	grep -Eq "^SYSCALL pid=$child .*nr=59 ret=0 .* path=/bin/true argv=true\|from-target\$" "$tmp/dump"
check "the fork child inherits the context until exec (execve included), /bin/true has none" \
	bash -c "grep -Eq '^SYSCALL pid=$child .*nr=59 .*ctx=1 trace=$T span=$S' '$tmp/dump' &&
		 ! awk '/^PROC kind=exec pid=$child /{x=1} x && /^SYSCALL pid=$child / && !/nr=59 / && /ctx=1/' '$tmp/dump' | grep -q ."
check "PROC exit: child status 0, target status 3 (wait status 768)" \
	bash -c "grep -Eq '^PROC kind=exit pid=$child .*status=0 ' '$tmp/dump' &&
		 grep -Eq '^PROC kind=exit pid=$pid .*status=768 ' '$tmp/dump'"
check "exit_group is recorded, flagged as never returning" \
	has "nr=231 ret=0 flags=0x2 "

# ---- end ------------------------------------------------------------------------------------

check "END record: stopped because the command exited, clean, nothing lost" \
	grep -Eq "^END .* lost=0 clean=1 stop=command-exit counters=.*events:-1:[1-9]" "$tmp/dump"
written=$(tail -n 1 "$tmp/spancap.err" | sed -n 's/^\([0-9]*\) events written.*/\1/p')
check "the stderr summary matches the END events counter ($written)" \
	grep -Eq "^END .*events:-1:$written(,|\$)" "$tmp/dump"
check "SECTION and FD snapshot records are present" \
	bash -c "grep -q '^REC type=1' '$tmp/dump' && grep -q '^FD pid=' '$tmp/dump'"

# ---- failure modes --------------------------------------------------------------------------

check "spancap without a mode fails with a one-line hint" \
	bash -c "! '$SPANCAP' -w '$tmp/x.scap' 2>'$tmp/e' && grep -q 'see --help' '$tmp/e'"
check "spancap -p on a missing pid fails clearly" \
	bash -c "! '$SPANCAP' -w '$tmp/y.scap' -p 999999999 2>'$tmp/e'; grep -q . '$tmp/e'"

version=$(sed -n 's/^VERSION := //p' Makefile)
format=$(sed -n 's/^# The spancap capture file format, version //p' formats/FORMAT.md)
check "spancap --version prints the Makefile's version $version and the format version $format" \
	bash -c "[ \"\$('$SPANCAP' --version)\" = 'spancap $version (spancap format $format)' ]"

check "spancap -w - writes the capture to a pipe that spancap-analyze - reads" \
	bash -c "'$SPANCAP' -w - -- /bin/true 2>/dev/null | '$BUILD/spancap-analyze' info - >'$tmp/pipe' &&
		 grep -Eq '^file: - \\(zstd, [1-9][0-9]* bytes, [1-9][0-9]* records\\)' '$tmp/pipe' &&
		 grep -q 'end: command-exit, clean' '$tmp/pipe'"
check "spancap -w - refuses a terminal" \
	bash -c "script -qec \"'$SPANCAP' -w - -- /bin/true\" /dev/null | grep -q 'standard output is a terminal'"
check "no file named - was created" bash -c "[ ! -e ./- ]"

# ---- loss means an event that is not in the file --------------------------------------------
# A command started by spancap waits in read() for the go byte, and a -p target is usually
# inside a syscall when spancap attaches: those syscalls began before the capture, and their
# exits, which have no entry to match, are no loss (issue 16, item 3).
# loss_free NAME FILE: info --json says no event is missing and no process is incomplete.
loss_free() {
	if "$BUILD/spancap-analyze" info --json "$2" >"$tmp/$1.info" 2>&1 &&
		"$BUILD/spancap-analyze" processes --json "$2" >"$tmp/$1.procs" 2>&1 &&
		python3 - "$tmp/$1.info" "$tmp/$1.procs" <<'PY' >"$tmp/$1.why" 2>&1
import json, sys
info, procs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [p["pid"] for p in procs["processes"] if p.get("incomplete")]
print("loss", info["loss"], "incomplete processes", bad)
sys.exit(0 if info["loss"]["events"] == 0 and not bad and info["hosts"][0]["end"] else 1)
PY
	then ok "$1: no event reported lost, no process incomplete"
	else not_ok "$1: no event reported lost, no process incomplete" "$tmp/$1.why"; fi
}
"$SPANCAP" -q -w "$tmp/cmd.scap" -- sh -c 'ls / >/dev/null; /bin/true' >"$tmp/cmd.out" 2>&1
loss_free "spancap -- CMD (its read of the start pipe)" "$tmp/cmd.scap"
# Its fork+exec children, short-lived, are described late or after their exit (issue 16, item
# 10): each still shows once, with its parent, name and argv; no thread keeps spancap's name.
"$BUILD/spancap-analyze" processes --json "$tmp/cmd.scap" >"$tmp/cmd.procs" 2>"$tmp/cmd.why"
"$BUILD/spancap-analyze" export --format chrome -o "$tmp/cmd.chrome" "$tmp/cmd.scap" 2>>"$tmp/cmd.why"
if python3 - "$tmp/cmd.procs" "$tmp/cmd.chrome" >>"$tmp/cmd.why" 2>&1 <<'PY'
import json, sys
procs = json.load(open(sys.argv[1]))["processes"]
names = {e["args"]["name"] for e in json.load(open(sys.argv[2]))["traceEvents"]
         if e.get("ph") == "M" and e.get("name") == "thread_name"}
rows = sorted((p["comm"] or "", p["argv"] or "", bool(p["ppid"]), p["stats"]["syscalls"] > 0)
            for p in procs)
print(rows, names)
sys.exit(0 if rows == [("ls", "ls /", True, True), ("sh", "sh -c ls / >/dev/null; /bin/true",
                        True, True), ("true", "/bin/true", True, True)] and
         "spancap" not in names else 1)
PY
then ok "spancap -- sh -c '...': sh, ls and true, each once with parent, name and argv"
else not_ok "spancap -- sh -c '...': sh, ls and true, each once with parent, name and argv" \
	"$tmp/cmd.why"; fi
sh -c 'sleep 1; ls / >/dev/null' &
sleeper=$!
sleep 0.2 # inside nanosleep when spancap attaches
"$SPANCAP" -q -w "$tmp/p.scap" -p "$sleeper" --duration 3 >"$tmp/p.out" 2>&1
wait "$sleeper"
loss_free "spancap -p PID attached inside a syscall" "$tmp/p.scap"

# ---- an exec from a worker thread belongs to that thread and its span (issue 17) --------------
mkfifo "$tmp/ego"
"$SPANCAP" -v -w "$tmp/exec.scap" -- "$BUILD/tests/exec_thread" /bin/true <"$tmp/ego" \
	>"$tmp/exec.out" 2>"$tmp/exec.err" &
cap_pid=$!
exec 7>"$tmp/ego"
wait_for "$tmp/exec.err" "resolved via" 100
echo go >&7
exec 7>&-
wait "$cap_pid"
cap_pid=
worker=$(sed -n 's/^worker=//p' "$tmp/exec.out")
"$BUILD/spancap-analyze" timeline --json "$tmp/exec.scap" >"$tmp/exec.json" 2>&1
if python3 - "$tmp/exec.json" "${worker:-0}" >"$tmp/exec.why" 2>&1 <<'PY'
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"]
      if e["kind"] == "exec" and e["text"] == '+++ exec "/bin/true" +++']
print(ev)
sys.exit(0 if len(ev) == 1 and ev[0]["tid"] == int(sys.argv[2]) and
         ev[0].get("span_id") == "bb" * 8 else 1)
PY
then ok "an execve from worker thread $worker: the exec event names that thread and its span"
else not_ok "an execve from worker thread $worker: the exec event names that thread and its span" \
	"$tmp/exec.why"; fi

# ---- a child forked while its parent's exec resolution was pending is resolved on its own ----
# A pre-fork server forks its workers at once, and they keep its image: nothing but their own
# resolution gives them a route. On CPU 0 only, fork_early at a real-time priority runs from its
# exec through its fork to its child's first read without letting spancap's reader (on the same
# CPU, below it) run: the fork event is read in the tick that resolves the parent's exec, the
# child's inherited route is none.
need_commands taskset chrt
mkfifo "$tmp/fgo"
taskset -c 0 "$SPANCAP" -v -w "$tmp/fork.pcapng.zst" -- chrt -f 1 "$BUILD/tests/fork_early" \
	<"$tmp/fgo" >"$tmp/fork.out" 2>"$tmp/fork.err" &
cap_pid=$!
exec 7>"$tmp/fgo"
wait_for "$tmp/fork.out" "^child=" 100
fchild=$(sed -n 's/^child=//p' "$tmp/fork.out")
fresolved=0
[ -n "$fchild" ] && wait_for "$tmp/fork.err" "pid $fchild (.*): resolved via" 100 && fresolved=1
(echo go >&7) 2>/dev/null
exec 7>&-
wait "$cap_pid"
frc=$?
cap_pid=
[ "$frc" -eq 0 ] && [ -n "$fchild" ] ||
	bail "spancap -- fork_early runs to its end (status $frc)" "$tmp/fork.err"
"$CHECK" "$tmp/fork.pcapng.zst" >"$tmp/fork.dump" 2>&1
check "fork_early's child $fchild was forked before its parent's resolution reached the kernel" \
	grep -q "^PROCESS pid=$fchild .* reason=forked before the resolution of " "$tmp/fork.dump"
if [ "$fresolved" = 1 ]; then ok "that child is resolved on its own (spancap -v reports it)"
else not_ok "that child is resolved on its own (spancap -v reports it)" "$tmp/fork.err"; fi
check "its getppid in its span carries the context (trace 0102..10, span b1..b8)" \
	grep -Eq "^SYSCALL pid=$fchild tid=$fchild nr=110 .* ctx=1 trace=$T span=b1b2b3b4b5b6b7b8 " \
	"$tmp/fork.dump"

# ---- a process that exited before spancap read its last trigger keeps its description -------
# exit_early, resolved while it waits on stdin, then calls prctl(PR_SET_VMA) (a re-resolution at
# once) and exits, at a real-time priority on spancap's only CPU: when spancap reads the call it
# is a zombie, its address space gone. Its last PROCESS record must still be the one written
# while it ran, not one made from nothing ("none of 0 modules defines ...").
mkfifo "$tmp/xgo"
taskset -c 0 "$SPANCAP" -v -w "$tmp/exit.pcapng.zst" -- chrt -f 1 "$BUILD/tests/exit_early" \
	<"$tmp/xgo" >"$tmp/exit.out" 2>&1 &
cap_pid=$!
exec 7>"$tmp/xgo"
wait_for "$tmp/exit.out" "resolved via .* in .*/exit_early" 100
(echo go >&7) 2>/dev/null
exec 7>&-
wait "$cap_pid"
xrc=$?
cap_pid=
xpid=$(sed -n 's/^pid=//p' "$tmp/exit.out")
[ "$xrc" -eq 0 ] && [ -n "$xpid" ] ||
	bail "spancap -- exit_early runs to its end (status $xrc)" "$tmp/exit.out"
"$CHECK" "$tmp/exit.pcapng.zst" >"$tmp/exit.dump" 2>&1
check "a process re-resolved after it exited keeps its last description (resolved, exe exit_early)" \
	bash -c "grep '^PROCESS pid=$xpid ' '$tmp/exit.dump' | tail -n 1 |
		grep -Eq ' status=resolved .* exe=[^ ]*/exit_early( |\$)'"

check "without privileges spancap names each missing capability and exits non-zero" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups '$SPANCAP' -w /tmp/spancap-np.scap \
		-- /bin/true 2>'$tmp/caps' &&
		 grep -q 'missing capabilities: CAP_BPF+CAP_PERFMON (or CAP_SYS_ADMIN) to load the probes, CAP_SYS_PTRACE to read target memory' '$tmp/caps' &&
		 [ ! -e /tmp/spancap-np.scap ]"

tap_end
