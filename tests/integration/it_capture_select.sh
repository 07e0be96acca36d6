#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Kernel-side selection with real BPF and real processes: spancap -e (classes and names),
# --only-in-span and -s (snaplen). Each capture is read back with capture_check; the expected
# syscall numbers are the x86_64 table's, written here, not taken from spancap. A selection
# means the same to spancap -e and to spancap-analyze --syscall (one syntax, one table). Prints
# TAP.
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
TARGET="$BUILD/tests/capture_target"
CHECK="$BUILD/tests/capture_check"
ANALYZE="$BUILD/spancap-analyze"
DEMO="$BUILD/samples/spancap-demo-service"
. "$(dirname "$0")/suite_lib.sh"
suite_tmpdir
suite_cleanup() { kill $(jobs -p) 2>/dev/null; }

need_built "$SPANCAP" "$TARGET" "$CHECK" "$DEMO" "$ANALYZE"

# Always recorded, whatever the selection: clone fork vfork execve exit exit_group execveat
# clone3, plus an mmap with PROT_EXEC (arg2 & 4) and prctl(PR_SET_VMA = 1398164801).
ALWAYS="56 57 58 59 60 231 322 435"

# without_flag BIT: the SYSCALL lines of stdin whose flags lack BIT (0x4 truncated, 0x10
# context fault), printed; with_flag BIT: those that have it.
flag_filter() { # want(0|1) bit
	local line f
	while IFS= read -r line; do
		f=${line#* flags=0x}
		f=${f%% *}
		if (((16#$f & $2) != 0)); then [ "$1" = 1 ] && echo "$line"
		else [ "$1" = 0 ] && echo "$line"; fi
	done
	return 0
}
without_flag() { flag_filter 0 "$1"; }
with_flag() { flag_filter 1 "$1"; }
export -f flag_filter with_flag without_flag

# only_nrs DUMP PID "NR..." : every SYSCALL of PID has one of the numbers or is always recorded:
# an executable mmap, prctl(PR_SET_VMA), the mmap of the OTEL_CTX mapping (the address a
# prctl(PR_SET_VMA) names) and its munmap or mremap.
only_nrs() {
	grep "^SYSCALL pid=$2 " "$1" >"$tmp/only_nrs.in"
	awk -v allow="$3 $ALWAYS" '
		BEGIN { n = split(allow, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		{
			nr = $4; sub("nr=", "", nr)
			ret = $5; sub("ret=", "", ret)
			a0 = ""; a2 = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^arg0=/) a0 = substr($i, 6)
				if ($i ~ /^arg2=/) a2 = substr($i, 6)
			}
		}
		NR == FNR { if (nr == 157 && a0 == "1398164801") ctx[a2] = 1; next }
		{
			if (ok[nr]) next
			if (nr == 9 && int(a2 / 4) % 2 == 1) next
			if (nr == 157 && a0 == "1398164801") next
			if (nr == 9 && ctx[ret]) next
			if ((nr == 11 || nr == 25) && ctx[a0]) next
			print "unexpected: " $0; bad = 1
		}
		END { exit bad }' "$tmp/only_nrs.in" "$tmp/only_nrs.in"
}

# run_target NAME SPANCAP-OPTIONS...: spancap -- capture_target, released once resolved.
run_target() {
	local name=$1 d
	shift
	d=$tmp/$name
	mkdir -p "$d"
	head -c 4096 /dev/urandom >"$d/known-file-with-a-long-name.dat"
	mkfifo "$d/go"
	"$SPANCAP" -v "$@" -w "$d/cap.scap" -- "$TARGET" "$d/known-file-with-a-long-name.dat" \
		<"$d/go" >"$d/truth" 2>"$d/err" &
	local sp=$!
	exec 7>"$d/go"
	wait_for "$d/err" "resolved via" 100 "$sp"
	echo go >&7
	exec 7>&-
	# capture_target exits 3 when it ran through; spancap passes that on
	wait "$sp"
	local rc=$?
	if [ "$rc" -eq 3 ] && "$CHECK" "$d/cap.scap" >"$d/dump" 2>&1; then
		ok "$name: spancap $* -- capture_target exits 3 (its status), the file reads back clean"
	else
		not_ok "$name: spancap $* -- capture_target exits 3, the file reads back clean (status $rc)" "$d/err"
	fi
	pid=$(sed -n 's/^pid=//p' "$d/truth")
	K="$d/known-file-with-a-long-name.dat"
	D="$d/dump"
}

# ---- bad selections fail before anything runs -------------------------------------------------

check "-e with an unknown word fails, naming it and its offset, and creates no file" \
	bash -c "! '$SPANCAP' -e %file,nosuchcall -w '$tmp/bad.scap' -- /bin/true 2>'$tmp/e' &&
		 grep -q \"at offset 6: 'nosuchcall' is not an x86_64 syscall name\" '$tmp/e' &&
		 [ ! -e '$tmp/bad.scap' ]"
check "-e with an empty word fails with its offset" \
	bash -c "! '$SPANCAP' -e %file,,%net -w '$tmp/bad.scap' -- /bin/true 2>'$tmp/e' &&
		 grep -q 'at offset 6: empty word' '$tmp/e'"
check "-e with a class without its % (file) or the old class mem fails, saying why" \
	bash -c "! '$SPANCAP' -e file -w '$tmp/bad.scap' -- /bin/true 2>'$tmp/e' &&
		 grep -q \"'file' is not an x86_64 syscall name (a class or group takes a %: %NAME)\" '$tmp/e' &&
		 ! '$SPANCAP' -e %mem -w '$tmp/bad.scap' -- /bin/true 2>'$tmp/e' &&
		 grep -q \"no class or group '%mem' (%file %net %process %memory\" '$tmp/e'"
check "-e and spancap-analyze --syscall refuse the same words with the same message" \
	bash -c "! '$SPANCAP' -e %fd,creat,%nosuch -w '$tmp/bad.scap' -- /bin/true 2>'$tmp/e1' &&
		 ! '$ANALYZE' timeline --syscall %fd,creat,%nosuch /dev/null 2>'$tmp/e2' &&
		 m=\$(sed 's/^spancap: //' '$tmp/e1') && [ -n \"\$m\" ] && grep -qF -- \"\$m\" '$tmp/e2'"
check "-s 0 and -s 256 are refused (1..255)" \
	bash -c "! '$SPANCAP' -s 0 -w '$tmp/bad.scap' -- /bin/true 2>/dev/null &&
		 ! '$SPANCAP' -s 256 -w '$tmp/bad.scap' -- /bin/true 2>'$tmp/e' && grep -q '1..255' '$tmp/e'"

# ---- -e NAMES ---------------------------------------------------------------------------------

run_target names -e openat,connect
check "names: only openat (257), connect (42) and the always-recorded syscalls" \
	only_nrs "$D" "$pid" "257 42"
check "names: the openat of the known file, outside and inside the span, is recorded" \
	bash -c "[ \$(grep -Ec '^SYSCALL pid=$pid .*nr=257 .* path=$K\$' '$D') -ge 2 ]"
check "names: the three connects (refused) are recorded" \
	bash -c "[ \$(grep -Ec '^SYSCALL pid=$pid .*nr=42 ret=-111 ' '$D') -eq 3 ]"
check "names: no read, write or pipe2 record" \
	bash -c "! grep -Eq '^SYSCALL pid=$pid .*nr=(0|1|293) ' '$D'"
check "names: fork and exit_group are still recorded" \
	bash -c "grep -Eq '^SYSCALL pid=$pid .*nr=(56|57|435) ' '$D' && grep -Eq '^SYSCALL pid=$pid .*nr=231 ' '$D'"
check "names: nothing lost, no unmatched exit from the filtered syscalls" \
	bash -c "grep -Eq '^END .*lost=0 clean=1' '$D' && ! grep -Eq 'unmatched:[0-9]+:([2-9]|[1-9][0-9])' '$D'"

# ---- -e CLASS on the demo service ------------------------------------------------------------

d=$tmp/net
mkdir -p "$d/files"
if timeout 120 "$SPANCAP" -e %net -w "$d/cap.scap" -- "$DEMO" --threads 2 --requests 4 --seed 3 \
	--dir "$d/files" --truth "$d/truth.jsonl" >"$d/out" 2>&1 &&
	"$CHECK" "$d/cap.scap" >"$d/dump" 2>&1; then
	ok "net: spancap -e %net -- spancap-demo-service exits 0, the file reads back clean"
else
	not_ok "net: spancap -e %net -- spancap-demo-service exits 0, the file reads back clean" "$d/out"
fi
# socket socketpair connect bind listen accept accept4 sendto recvfrom sendmsg recvmsg
# sendmmsg recvmmsg shutdown getsockname getpeername setsockopt getsockopt
NET="41 53 42 49 50 43 288 44 45 46 47 307 299 48 51 52 54 55"
svc=$(sed -n 's/^PROC kind=exec pid=\([0-9]*\) .*spancap-demo-service.*/\1/p' "$d/dump" | head -n 1)
check "net: the service ($svc) ran and was recorded" test -n "$svc"
check "net: every syscall of the service is a network one or always recorded" \
	only_nrs "$d/dump" "$svc" "$NET"
check "net: the service's connects (with their peers) and accepts are recorded" \
	bash -c "grep -Eq '^SYSCALL pid=$svc .*nr=42 .* sa=127\\.0\\.0\\.1:[0-9]+' '$d/dump' &&
		 grep -Eq '^SYSCALL pid=$svc .*nr=(43|288) ' '$d/dump'"
check "net: the service's file syscalls are not (no openat)" \
	bash -c "! grep -Eq '^SYSCALL pid=$svc .*nr=257 ' '$d/dump'"

# ---- -e %GROUP,%CLASS, read back with the same words by spancap-analyze --syscall ----------------

run_target fdmem -e %fd,%memory
check "fdmem: the target's openat (257), socket (41), pipe2 (293) and close (3) are recorded" \
	bash -c "for nr in 257 41 293 3; do grep -Eq \"^SYSCALL pid=$pid .*nr=\$nr \" '$D' || exit 1; done"
check "fdmem: its read (0), write (1) and connect (42) are not (class file or net, not group fd)" \
	bash -c "! grep -Eq '^SYSCALL pid=$pid .*nr=(0|1|42) ' '$D'"
# The analyzer's --syscall with the capture's words (plus what is always recorded) keeps every
# syscall of the file, and the file holds some of each.
keep="%fd,%memory,clone,clone3,fork,vfork,execve,execveat,exit,exit_group,prctl"
n_all=$("$ANALYZE" timeline --json "$tmp/fdmem/cap.scap" 2>/dev/null | python3 -c "import json, sys
print(sum(e['kind'] == 'syscall' for e in json.load(sys.stdin)['events']))")
n_keep=$("$ANALYZE" timeline --json --syscall "$keep" "$tmp/fdmem/cap.scap" 2>/dev/null | python3 -c "import json, sys
print(sum(e['kind'] == 'syscall' for e in json.load(sys.stdin)['events']))")
n_fd=$("$ANALYZE" syscalls --json --syscall %fd "$tmp/fdmem/cap.scap" 2>/dev/null | python3 -c "import json, sys
print(len(json.load(sys.stdin)['rows']))")
n_mem=$("$ANALYZE" syscalls --json --syscall %memory "$tmp/fdmem/cap.scap" 2>/dev/null | python3 -c "import json, sys
print(len(json.load(sys.stdin)['rows']))")
if [ -n "$n_all" ] && [ "$n_all" -gt 0 ] && [ "$n_all" = "$n_keep" ] && [ "${n_fd:-0}" -gt 0 ] &&
	[ "${n_mem:-0}" -gt 0 ]; then
	ok "fdmem: spancap-analyze --syscall $keep keeps all $n_all syscalls ($n_fd names of %fd, $n_mem of %memory)"
else
	not_ok "fdmem: spancap-analyze --syscall $keep keeps every syscall" \
		"all $n_all, kept $n_keep, %fd names $n_fd, %memory names $n_mem"
fi

# ---- --only-in-span ---------------------------------------------------------------------------

T=0102030405060708090a0b0c0d0e0f10
S=a1a2a3a4a5a6a7a8
run_target span --only-in-span
grep "^SYSCALL pid=$pid " "$D" | grep ' ctx=0 ' | without_flag 16 >"$tmp/ctx0"
check "span: no syscall outside the span (but lifecycle / trigger ones, or a context fault)" \
	only_nrs "$tmp/ctx0" "$pid" ""
check "span: the failing openat outside the span is not recorded" \
	bash -c "! grep -q 'path=/nonexistent/outside-span' '$D'"
check "span: the span's syscalls are, with trace $T span $S" \
	bash -c "grep -Eq '^SYSCALL pid=$pid .*nr=257 ret=-2 flags=0x1 ctx=1 trace=$T span=$S .*path=/nonexistent/inside-span\$' '$D' &&
		 grep -Eq '^SYSCALL pid=$pid .*nr=293 ret=0 flags=0x1 ctx=1 trace=$T span=$S ' '$D' &&
		 [ \$(grep -c '^SYSCALL pid=$pid .* ctx=1 ' '$D') -ge 8 ]"
check "span: the attach and detach context records are still written" \
	bash -c "grep -Eq '^CTX pid=$pid tid=$pid valid=1 trace=$T' '$D' && grep -Eq '^CTX pid=$pid tid=$pid valid=0' '$D'"
check "span: nothing lost" grep -Eq '^END .*lost=0 clean=1' "$D"

# ---- -s SNAPLEN -------------------------------------------------------------------------------

run_target snap -s 8
K8=${K:0:8}
grep -E "^SYSCALL pid=$pid .*nr=257 .* path=$K8\$" "$D" >"$tmp/cut"
check "snap: the known file's path is cut to its first 8 bytes ($K8), flagged truncated" \
	bash -c "[ \$(wc -l <'$tmp/cut') -ge 2 ] && [ \$(with_flag 4 <'$tmp/cut' | wc -l) -eq \$(wc -l <'$tmp/cut') ]"
grep '^SYSCALL ' "$D" >"$tmp/snapsys"
check "snap: no path or argv string of any syscall record is longer than 8 bytes" \
	bash -c "grep -Eq ' path=' '$tmp/snapsys' && ! grep -Eo ' (path|path2)=[^ ]*' '$tmp/snapsys' | awk '{sub(/^ *[a-z0-9]*=/, \"\"); if (length(\$0) > 8) print}' | grep -q . &&
		 ! grep -Eo ' argv=[^ ]*' '$tmp/snapsys' | sed 's/ argv=//' | tr '|' '\n' | awk 'length(\$0) > 8' | grep -q ."
check "snap: the exec of /bin/true in the child: path /bin/tru, argument block true|fro" \
	grep -Eq '^SYSCALL pid=[0-9]+ .*nr=59 ret=0 flags=0x5 .* path=/bin/tru argv=true\|fro$' "$D"

# ---- sendmsg / recvmsg addresses (msghdr.msg_name), selected by name ------------------------

d=$tmp/msg
mkdir -p "$d"
cat >"$d/udp.py" <<'PY'
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0))
b.sendmsg([b"hello"], [], 0, a.getsockname())
a.recvmsg(100)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", 0))
u.sendmsg([b"x6"], [], 0, u.getsockname())
u.recvmsg(10)
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1])
PY
if "$SPANCAP" -e sendmsg,recvmsg -w "$d/cap.scap" -- python3 "$d/udp.py" >"$d/ports" 2>"$d/err" &&
	"$CHECK" "$d/cap.scap" >"$d/dump" 2>&1; then
	ok "msg: spancap -e sendmsg,recvmsg -- python3 (UDP over IPv4 and IPv6) exits 0"
else
	not_ok "msg: spancap -e sendmsg,recvmsg -- python3 (UDP over IPv4 and IPv6) exits 0" "$d/err"
fi
read -r pa pb pu <"$d/ports"
py=$(sed -n 's/^PROC kind=exec pid=\([0-9]*\) .*/\1/p' "$d/dump" | head -n 1)
check "msg: only sendmsg (46), recvmsg (47) and the always-recorded syscalls" \
	only_nrs "$d/dump" "$py" "46 47"
check "msg: sendmsg to 127.0.0.1:$pa carries the destination, recvmsg the sender :$pb" \
	bash -c "grep -Eq '^SYSCALL .*nr=46 ret=5 .* sa=127\\.0\\.0\\.1:$pa\$' '$d/dump' &&
		 grep -Eq '^SYSCALL .*nr=47 ret=5 .* sa=127\\.0\\.0\\.1:$pb\$' '$d/dump'"
check "msg: IPv6 sendmsg and recvmsg carry [::1]:$pu" \
	bash -c "[ \$(grep -Ec '^SYSCALL .*nr=4[67] ret=2 .* sa=\\[::1\\]:$pu\$' '$d/dump') -eq 2 ]"

tap_end
