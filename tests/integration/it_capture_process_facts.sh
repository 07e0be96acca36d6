#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The PROCESS records of forks and execs are written from what the kernel says at that moment
# (docs/PROCESS_FACTS.md), not from /proc. A workload, in a cgroup v2 directory of its own,
# forks and execs: a plain shell, a shell in a new pid namespace, one run as uid 65534, one
# with an argument block longer than an event carries, and a Python process that writes over
# its argument block's last NUL and then forks (its command line then reads as a title). Each
# sleeps past a rotation (-G 1), so that the next file describes it again from /proc;
# check_process_facts.py compares the two descriptions field by field. Then 40 children that
# exit at once: each exec must have its PROCESS record; and a program with its context in its
# executable's static TLS, exec'd a second time, has it from its first syscall. Prints TAP.
set -u
BUILD=${1:-build}
here=$(dirname "$0")
SPANCAP=$BUILD/spancap
CHECK=$BUILD/tests/capture_check
. "$here/suite_lib.sh"
suite_tmpdir
need_built "$SPANCAP" "$CHECK"
need_commands unshare setpriv python3 awk

mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
[ -n "$mnt" ] || bail "a cgroup v2 hierarchy is mounted"
name=spancap-facts-$$
cg=$mnt/$name
suite_cleanup() {
	rmdir "$cg" 2>/dev/null
}
mkdir "$cg" || bail "a cgroup can be made under $mnt"

long=$(printf 'x%.0s' $(seq 1 1500))
cat >"$tmp/title.py" <<'PY'
import os, time
# arg_end: field 49 of /proc/self/stat (the 47th after the command's closing parenthesis)
fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
arg_end = int(fields[46])
with open("/proc/self/mem", "r+b", buffering=0) as mem:
    mem.seek(arg_end - 1)
    mem.write(b"X")
pid = os.fork()
if pid == 0:
    time.sleep(2.5)
    os._exit(0)
time.sleep(2.5)
os.waitpid(pid, 0)
PY
cat >"$tmp/workload.sh" <<SH
sleep 0.3
sh -c 'sleep 2.5; : marker-plain' &
unshare --pid --fork sh -c 'sh -c "sleep 2.5; : marker-ns" &
	setpriv --reuid 65534 --regid 65534 --clear-groups sh -c "sleep 2.5; : marker-user"; wait' &
sh -c 'sleep 2.5; : marker-long $long' &
python3 "$tmp/title.py" marker-title &
wait
echo \$\$ >"$mnt/cgroup.procs"
SH
# the shell moves into the cgroup before its exec: its exec record says so
"$SPANCAP" -q -w "$tmp/cap.scap" -G 1 -- sh -c 'echo $$ >"$1/cgroup.procs" && exec sh "$2"' \
	sh "$cg" "$tmp/workload.sh" >"$tmp/cap.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok "spancap records the workload across rotations"
else bail "spancap records the workload across rotations (status $rc)" "$tmp/cap.out"; fi
dumps=()
for f in "$tmp"/cap-*.scap; do
	"$CHECK" "$f" >"$f.dump" 2>&1
	dumps+=("$f.dump")
done
tap_from "" python3 "$here/check_process_facts.py" "/$name" "${dumps[@]}"

# ---- short-lived children: every exec described -----------------------------------------------
# After its first resolution /bin/true is known to define no context: its later execs wake
# nobody and are read with their exits. Each must still have its exec record (from the exec's
# facts when the process was gone): name, arguments, parent.
"$SPANCAP" -q -w "$tmp/short.scap" -- sh -c 'sleep 0.2; for i in $(seq 1 40); do /bin/true "$i"; done' \
	>"$tmp/short.out" 2>&1 || bail "spancap records 40 short-lived children" "$tmp/short.out"
"$CHECK" "$tmp/short.scap" >"$tmp/short.dump" 2>&1
execs=$(awk '/^PROC kind=exec / && / name=true/ {sub("pid=", "", $3); print $3}' "$tmp/short.dump" | sort -u)
missing=
for p in $execs; do
	grep -Eq "^PROCESS pid=$p ppid=[1-9][0-9]* origin=3 .* name=true( |$).* argv=/bin/true\|[0-9]+$" \
		"$tmp/short.dump" || missing="$missing $p"
done
n_execs=$(echo "$execs" | wc -w)
if [ "$n_execs" -eq 40 ] && [ -z "$missing" ]; then
	ok "40 short-lived children: each exec has its PROCESS record with name, argv and parent"
else
	not_ok "40 short-lived children: each exec has its PROCESS record with name, argv and parent" \
		"$n_execs execs; no record for:$missing"
fi
gone=$(grep -c '^PROCESS .* origin=3 .*reason=pid [0-9]* exited before it was resolved' "$tmp/short.dump")
echo "# $gone of them were described from the exec's facts after their exit"

# ---- a program whose context is in its executable's static TLS: read from its first syscall ---
# The first run is resolved by user space (its exec wakes spancap; it waits 1 s); the second runs on
# spancap's only CPU at a real-time priority, so no instruction of spancap's user space runs
# between its exec and its exit: its first syscall, in a span, has its context only if the
# kernel installed the executable's layout at the exec (map exe_rules).
need_commands taskset chrt
first=$(realpath "$BUILD/tests/exec_ctx_first")
taskset -c 0 "$SPANCAP" -q -w "$tmp/rule.scap" -- sh -c \
	"$first 1 1; chrt -f 1 $first 2; sleep 0.3" >"$tmp/rule.out" 2>&1 ||
	bail "spancap records two runs of exec_ctx_first" "$tmp/rule.out"
"$CHECK" "$tmp/rule.scap" >"$tmp/rule.dump" 2>&1
T=0102030405060708090a0b0c0d0e0f10
check "its second exec reads the context from the first syscall (getppid in span c1..c702)" \
	grep -Eq "^SYSCALL pid=[0-9]+ tid=[0-9]+ nr=110 .* ctx=1 trace=$T span=c1c2c3c4c5c6c702 " \
	"$tmp/rule.dump"
second=$(awk '/^SYSCALL .* nr=110 .* span=c1c2c3c4c5c6c702 / {sub("pid=", "", $2); print $2; exit}' \
	"$tmp/rule.dump")
check "its exec record (it exited before spancap ran) says the executable's layout was used" \
	grep -Eq "^PROCESS pid=${second:-none} .*origin=3 status=resolved model=[a-z-]+ tp_offset=-[0-9]+ .* reason=pid [0-9]+ exited before it was resolved: read with the layout" \
	"$tmp/rule.dump"
suite_exit
tap_end
