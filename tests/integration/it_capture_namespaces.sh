#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A service in its own pid and mount namespace, as containers run it, with no container engine:
#   spancap -w F -- unshare --pid --fork --mount --mount-proc spancap-demo-service ...
# The demo service writes its ground truth from inside, in namespace pids (its own pid is 1,
# clone() returns its children's namespace pids). check_namespaces.py compares the analyzer's
# processes and traces with it: exactly the real processes, each with its host pid, its
# namespace pid and the namespace's inode, and each span's children by host pid. A second
# workload (ns_pid_workload.py) checks that pid results and arguments of syscalls inside
# (getpid, clone, kill, wait4) show the host pids they name. Prints TAP.
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
ANALYZE="$BUILD/spancap-analyze"
DEMO="$BUILD/samples/spancap-demo-service"
here=$(dirname "$0")
. "$here/suite_lib.sh"
suite_tmpdir
suite_cleanup() {
	[ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null
	[ -n "${c_pid:-}" ] && kill "$c_pid" 2>/dev/null
	[ -n "${a_pid:-}" ] && kill "$a_pid" 2>/dev/null
	[ -n "${b_pid:-}" ] && kill "$b_pid" 2>/dev/null
}

CHECK="$BUILD/tests/capture_check"
need_built "$SPANCAP" "$ANALYZE" "$DEMO" "$CHECK"
need_commands unshare python3

# 3 workers x 8 requests: with the default failure rate, several requests fork and exec.
capture_released "$tmp/cap.pcapng.zst" "$tmp/spancap.out" \
	unshare --pid --fork --mount --mount-proc \
	"$DEMO" --start-on-stdin --threads 3 --requests 8 --seed 7 --truth "$tmp/truth.jsonl"
if [ "$released" = resolved ]; then ok "the namespaced service is resolved before its requests start"
else not_ok "the namespaced service is resolved before its requests start" "$tmp/spancap.out"; fi
if [ "$rc" -eq 0 ]; then ok "spancap records the namespaced service to its end"
else bail "spancap records the namespaced service to its end (status $rc)" "$tmp/spancap.out"; fi
grep -q '"type":"process","pid":1,' "$tmp/truth.jsonl" ||
	bail "the service ran as pid 1 of its own namespace" "$tmp/truth.jsonl"
ok "the service ran as pid 1 of its own namespace"

host_ino=$(stat -L -c %i /proc/self/ns/pid)
tap_from "" python3 "$here/check_namespaces.py" "$ANALYZE" "$tmp/cap.pcapng.zst" \
	"$tmp/truth.jsonl" "$host_ino"

# ---- pid values in the namespace's numbering, shown with the host pids they name ----------
# /proc stays the host's (no --mount-proc): the workload reads its own and its child's host
# pids from the NSpid lines of /proc/self/status, the truth the analyzer's mapping must meet.
py=$(python3 -c 'import sys; print(sys.executable)')
"$SPANCAP" -q -w "$tmp/pids.pcapng.zst" -- unshare --pid --fork \
	"$py" "$here/ns_pid_workload.py" "$tmp/pids-truth.json" >"$tmp/pids.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$tmp/pids-truth.json" ]; then
	ok "spancap records a workload that calls getpid, fork, kill and wait4 in its namespace"
else bail "spancap records the getpid/fork/kill/wait4 workload (status $rc)" "$tmp/pids.out"; fi
ws_host=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["nspid"][0])' \
	"$tmp/pids-truth.json")
"$ANALYZE" filter --pid "$ws_host" --syscall kill -o "$tmp/pids-filtered.pcapng.zst" \
	"$tmp/pids.pcapng.zst" >"$tmp/pids-filter.out" 2>&1 ||
	bail "filter --pid $ws_host --syscall kill" "$tmp/pids-filter.out"
ws_child=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["child_nspid"][0])' \
	"$tmp/pids-truth.json")
"$ANALYZE" filter --pid "$ws_child" -o "$tmp/pids-child.pcapng.zst" "$tmp/pids.pcapng.zst" \
	>"$tmp/pids-filter.out" 2>&1 || bail "filter --pid $ws_child" "$tmp/pids-filter.out"
tap_from "pids: " python3 "$here/check_namespaces.py" --pids "$ANALYZE" "$tmp/pids.pcapng.zst" \
	"$tmp/pids-truth.json" "$tmp/pids-filtered.pcapng.zst" "$tmp/pids-child.pcapng.zst"

# ---- the same, chrooted into a bind mount of / in its own mount namespace -------------------
# The root exists only in that namespace: the kernel shows spancap the service's executable as
# ROOT/..., a path that exists neither on the host (an empty directory) nor inside.
mkdir "$tmp/root"
demo_exe=$(realpath "$DEMO")
capture_released "$tmp/chroot.pcapng.zst" "$tmp/chroot.out" unshare --mount sh -c '
	mount --make-rprivate / && mount --rbind / "$1" && r=$1 && shift &&
	exec unshare --pid --fork --mount-proc="$r/proc" chroot "$r" "$@"' sh "$tmp/root" \
	"$demo_exe" --start-on-stdin --threads 3 --requests 8 --seed 7 \
	--truth "$tmp/chroot-truth.jsonl"
if [ "$released" = resolved ]; then ok "the chrooted service is resolved before its requests start"
else not_ok "the chrooted service is resolved before its requests start" "$tmp/chroot.out"; fi
if [ "$rc" -eq 0 ]; then ok "spancap records the chrooted, namespaced service to its end"
else bail "spancap records the chrooted, namespaced service to its end (status $rc)" \
	"$tmp/chroot.out"; fi
tap_from "chroot: " python3 "$here/check_namespaces.py" "$ANALYZE" "$tmp/chroot.pcapng.zst" \
	"$tmp/chroot-truth.jsonl" "$host_ino" "$tmp/root" "$demo_exe"

# ---- a running chrooted process, recorded with -p: its open files as it sees them ------------
# Its fd 3 is /etc/hostname opened inside; the kernel shows spancap ROOT/etc/hostname (only
# the PROCESS record's EXE_HOST item keeps the host's view of its executable).
mkdir "$tmp/root2"
unshare --mount sh -c 'mount --make-rprivate / && mount --rbind / "$1" &&
	exec chroot "$1" sh -c "exec 3</etc/hostname; exec sleep 600"' sh "$tmp/root2" \
	>/dev/null 2>&1 &
c_pid=$!
for _ in $(seq 1 100); do
	[ "$(readlink "/proc/$c_pid/fd/3" 2>/dev/null)" = "$tmp/root2/etc/hostname" ] && break
	sleep 0.05
done
"$SPANCAP" -q -w "$tmp/fds.pcapng.zst" -p "$c_pid" --duration 1 >"$tmp/fds.out" 2>&1 ||
	bail "spancap -p records the chrooted process" "$tmp/fds.out"
kill "$c_pid"
c_pid=
"$CHECK" "$tmp/fds.pcapng.zst" >"$tmp/fds.dump" 2>&1
check "FD and EXE paths of a chrooted process are as it sees them (/etc/hostname, sleep)" \
	bash -c "grep -q ' fd=3 kind=file path=/etc/hostname\$' '$tmp/fds.dump' &&
		grep -Eq '^PROCESS .* exe=/usr/bin/sleep( |\$)' '$tmp/fds.dump' &&
		! sed 's/ exe_host=[^ ]*//' '$tmp/fds.dump' | grep -q '$tmp/root2'"

# ---- process identity: one pid, two programs, two captures of one boot ---------------------
# A runs under capture 1 and is killed after it, unseen; B is forked with A's pid
# (/proc/sys/kernel/ns_last_pid) and captured by capture 2. Analyzed together, they must stay
# two processes: identity is (boot, pid, start time).
# Another process of the machine may take the pid first and keep it: then start again.
for attempt in 1 2 3; do
	sleep 600 >/dev/null 2>&1 &
	a_pid=$!
	"$SPANCAP" -q -w "$tmp/a.pcapng.zst" -p "$a_pid" --duration 1 >"$tmp/a.out" 2>&1 ||
		bail "capture 1 records pid $a_pid" "$tmp/a.out"
	kill "$a_pid"
	wait "$a_pid" 2>/dev/null
	a_done=$a_pid
	a_pid=
	b_pid=$(python3 - "$a_done" <<'PY'
import os, sys
want = int(sys.argv[1])
for _ in range(200):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(want - 1))
    pid = os.fork()
    if pid == 0:
        fd = os.open("/dev/null", os.O_RDWR)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execvp("tail", ["tail", "-f", "/dev/null"])
    if pid == want:
        break
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    if os.path.exists("/proc/%d" % want):
        break  # taken by another process of the machine
print(pid if pid == want else "")
PY
)
	[ -n "$b_pid" ] && break
done
[ "$b_pid" = "$a_done" ] ||
	bail "a second program is forked with the pid of a first (3 tries, last pid $a_done)"
ok "a second program is forked with pid $a_done"
"$SPANCAP" -q -w "$tmp/b.pcapng.zst" -p "$b_pid" --duration 1 >"$tmp/b.out" 2>&1
rc=$?
kill "$b_pid"
b_pid=
[ "$rc" -eq 0 ] || bail "capture 2 records pid $a_done" "$tmp/b.out"
"$ANALYZE" processes --json --pid "$a_done" "$tmp/a.pcapng.zst" "$tmp/b.pcapng.zst" \
	>"$tmp/reuse.json" 2>&1
check "pid $a_done reused between two captures stays two processes (sleep, then tail)" \
	python3 -c '
import json, sys
ps = json.load(open(sys.argv[1]))["processes"]
got = sorted((p["comm"], p["argv"]) for p in ps)
want = [("sleep", "sleep 600"), ("tail", "tail -f /dev/null")]
sys.exit(0 if got == want else "got %s, want %s" % (got, want))' "$tmp/reuse.json"
tap_end
