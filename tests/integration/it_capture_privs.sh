#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# What spancap holds once its probes are attached, read from /proc/PID/status of the running
# capture, and what it still manages with that: real BPF, real processes. Prints TAP.
#
#   - spancap keeps exactly CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19) and
#     CAP_CHECKPOINT_RESTORE (40) in its effective, permitted and bounding sets, plus CAP_KILL
#     (5) when -Z runs the command as another user; nothing inheritable or ambient;
#     no-new-privs is set;
#   - the command of -Z nobody runs as nobody with no capability at all;
#   - with only that, spancap still resolves a process of another user (nobody) whose
#     executable was deleted (target memory, /proc/PID/map_files), records its file
#     descriptors (/proc/PID/fd of another user) and its syscalls in context.
# The expected sets are written here from the capability numbers of capabilities(7), masked by
# what this shell holds (spancap cannot keep what it was not given).
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
TARGET="$BUILD/tests/capture_target"
CHECK="$BUILD/tests/capture_check"
. "$(dirname "$0")/suite_lib.sh"
suite_tmpdir
chmod 755 "$tmp" # nobody runs and reads from here
suite_cleanup() {
	[ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null
	[ -n "${tgt_pid:-}" ] && kill "$tgt_pid" 2>/dev/null
	exec 7>&- 2>/dev/null
}
field() { sed -n "s/^$2:[[:space:]]*//p" "$1"; } # status-file field
hex() { printf '%016x' "$1"; }

need_built "$SPANCAP" "$TARGET" "$CHECK"
id nobody >/dev/null 2>&1 || bail "user nobody exists"
command -v setpriv >/dev/null || bail "setpriv (util-linux) is installed"

own_prm=$((16#$(field /proc/self/status CapPrm)))
KEEP=$(((1 << 2 | 1 << 19 | 1 << 40) & own_prm))
KEEP_KILL=$(((1 << 2 | 1 << 5 | 1 << 19 | 1 << 40) & own_prm))

# caps_are FILE MASK: CapEff, CapPrm and CapBnd are MASK; CapInh, CapAmb empty; NoNewPrivs 1.
caps_are() {
	local want
	want=$(hex "$2")
	[ "$(field "$1" CapEff)" = "$want" ] && [ "$(field "$1" CapPrm)" = "$want" ] &&
		[ "$(field "$1" CapBnd)" = "$want" ] && [ "$(field "$1" CapInh)" = "$(hex 0)" ] &&
		[ "$(field "$1" CapAmb)" = "$(hex 0)" ] && [ "$(field "$1" NoNewPrivs)" = 1 ]
}

# capture_held TAG DESCRIPTION ARGS...: spancap -w $tmp/TAG.scap ARGS, whose command prints
# "started" then reads a line; spancap's /proc status is copied to $tmp/TAG.status while the
# command waits. Sets rc to spancap's exit status; bails with DESCRIPTION if nothing starts.
capture_held() {
	local tag=$1 desc=$2
	shift 2
	mkfifo "$tmp/$tag.go"
	"$SPANCAP" -w "$tmp/$tag.scap" "$@" <"$tmp/$tag.go" >"$tmp/$tag.out" 2>"$tmp/$tag.err" &
	cap_pid=$!
	exec 7>"$tmp/$tag.go"
	wait_for "$tmp/$tag.out" started 400 || bail "$desc" "$tmp/$tag.err"
	cp "/proc/$cap_pid/status" "$tmp/$tag.status"
	echo >&7
	exec 7>&-
	wait "$cap_pid"
	rc=$?
	cap_pid=
}

# ---- -- CMD as the invoking user --------------------------------------------------------------

capture_held a "spancap starts the command" -- sh -c 'echo started; read x'
if caps_are "$tmp/a.status" "$KEEP"; then
	ok "during a capture spancap holds exactly $(hex "$KEEP") (eff, prm, bnd), no-new-privs"
else
	not_ok "during a capture spancap holds exactly $(hex "$KEEP") (eff, prm, bnd), no-new-privs" \
		"$tmp/a.status"
fi
[ "$rc" -eq 0 ] && "$CHECK" "$tmp/a.scap" >"$tmp/a.dump" 2>&1 &&
	ok "and still ends cleanly: exit 0, the file reads back to a consistent END" ||
	not_ok "and still ends cleanly (status $rc)" "$tmp/a.err"

# ---- -Z nobody -- CMD ---------------------------------------------------------------------------

capture_held b "spancap -Z nobody starts the command" -Z nobody -- \
	sh -c 'cat /proc/self/status; echo started; read x'
if caps_are "$tmp/b.status" "$KEEP_KILL"; then
	ok "with -Z nobody spancap holds exactly $(hex "$KEEP_KILL") (CAP_KILL to stop the command)"
else
	not_ok "with -Z nobody spancap holds exactly $(hex "$KEEP_KILL")" "$tmp/b.status"
fi
nobody_uid=$(id -u nobody)
uids=$(field "$tmp/b.out" Uid | tr -s '\t ' ' ')
if [ "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] &&
	[ "$(field "$tmp/b.out" CapEff)" = "$(hex 0)" ] &&
	[ "$(field "$tmp/b.out" CapPrm)" = "$(hex 0)" ] &&
	[ "$(field "$tmp/b.out" CapAmb)" = "$(hex 0)" ]; then
	ok "the command of -Z nobody runs as uid $nobody_uid with no capability"
else
	not_ok "the command of -Z nobody runs as uid $nobody_uid with no capability" "$tmp/b.out"
fi
[ "$rc" -eq 0 ] && "$CHECK" "$tmp/b.scap" >"$tmp/b.dump" 2>&1 &&
	grep -Eq "^PROCESS pid=[0-9]+ .*name=sh" "$tmp/b.dump" &&
	ok "-Z nobody: exit 0, the command is recorded" ||
	not_ok "-Z nobody: exit 0, the command is recorded (status $rc)" "$tmp/b.err"

# SIGINT while the command (as nobody) still runs: spancap stops it (CAP_KILL) and exits.
"$SPANCAP" -w "$tmp/k.scap" -Z nobody -- sh -c 'echo started; exec sleep 60' >"$tmp/k.out" \
	2>"$tmp/k.err" &
cap_pid=$!
wait_for "$tmp/k.out" started 400 || bail "spancap -Z nobody starts sleep" "$tmp/k.err"
sleeper=$(pgrep -P "$cap_pid" | head -n 1)
kill -INT "$cap_pid"
for _ in $(seq 1 200); do kill -0 "$cap_pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$cap_pid" 2>/dev/null; then
	not_ok "SIGINT: spancap stops the command of -Z nobody and exits" "$tmp/k.err"
	kill -9 "$cap_pid" ${sleeper:+"$sleeper"} 2>/dev/null
else
	wait "$cap_pid"
	rc=$?
	[ "$rc" -eq 0 ] && [ -n "$sleeper" ] && ! kill -0 "$sleeper" 2>/dev/null &&
		ok "SIGINT: spancap stops the command of -Z nobody (SIGTERM) and exits 0" ||
		not_ok "SIGINT: spancap stops the command of -Z nobody and exits 0 (status $rc)" "$tmp/k.err"
fi
cap_pid=

# ---- -p PID of another user, with the reduced set ------------------------------------------------

cp "$TARGET" "$tmp/capture_target"
head -c 4096 /dev/urandom >"$tmp/known.dat"
chmod 644 "$tmp/known.dat"
mkfifo "$tmp/go3"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	"$tmp/capture_target" "$tmp/known.dat" <"$tmp/go3" >"$tmp/truth" 2>&1 &
tgt_pid=$!
exec 7>"$tmp/go3"
for _ in $(seq 1 200); do grep -q '^port_in=' "$tmp/truth" && break; sleep 0.05; done
# Its executable is deleted: the resolver can only read it through /proc/PID/map_files.
rm "$tmp/capture_target"
"$SPANCAP" -v -w "$tmp/c.scap" -p "$tgt_pid" 2>"$tmp/c.err" &
cap_pid=$!
wait_for "$tmp/c.err" "resolved via" 400 || not_ok "spancap resolves the nobody process" "$tmp/c.err"
cp "/proc/$cap_pid/status" "$tmp/c.status"
echo go >&7
exec 7>&-
wait "$tgt_pid"
tgt_pid=
sleep 0.3 # a few polling periods for the last events
kill -INT "$cap_pid"
wait "$cap_pid"
rc=$?
cap_pid=
caps_are "$tmp/c.status" "$KEEP" && ok "-p: spancap holds exactly $(hex "$KEEP") while recording" ||
	not_ok "-p: spancap holds exactly $(hex "$KEEP") while recording" "$tmp/c.status"
"$CHECK" "$tmp/c.scap" >"$tmp/c.dump" 2>&1
[ "$rc" -eq 0 ] && grep -q "^END " "$tmp/c.dump" && ok "-p: exit 0 after SIGINT, the file has its END" ||
	not_ok "-p: exit 0 after SIGINT, the file has its END (status $rc)" "$tmp/c.dump"
pid=$(sed -n 's/^pid=//p' "$tmp/truth")
uid_rec=$(grep -E "^PROCESS pid=$pid .*status=resolved" "$tmp/c.dump" | head -n 1)
[ -n "$uid_rec" ] && ok "the process of user nobody is resolved after the drop (target memory read)" ||
	not_ok "the process of user nobody is resolved after the drop" "$tmp/c.dump"
fds=$(grep -c "^FD pid=$pid " "$tmp/c.dump")
grep -Eq "^FD pid=$pid fd=0 " "$tmp/c.dump" && grep -Eq "^FD pid=$pid fd=1 " "$tmp/c.dump" &&
	ok "its file descriptors are recorded ($fds; /proc/$pid/fd belongs to nobody)" ||
	not_ok "its file descriptors are recorded ($fds)" "$tmp/c.dump"
T=0102030405060708090a0b0c0d0e0f10
S=a1a2a3a4a5a6a7a8
grep -Eq "^SYSCALL pid=$pid .* ctx=1 trace=$T span=$S .*path=$tmp/known.dat\$" "$tmp/c.dump" &&
	ok "its syscalls in the span carry the trace and span ids" ||
	not_ok "its syscalls in the span carry the trace and span ids" "$tmp/c.dump"
tap_end
