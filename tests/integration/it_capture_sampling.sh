#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Trace sampling in the kernel (spancap --sample-traces F, --sampled-only), with real BPF on the
# demo service, which publishes a new random trace id per request through its OTEP 4947 thread
# record (90% of them with the W3C sampled flag). check_capture_truth.py decides, with its own
# implementation of the rule of formats/FORMAT.md 4.4, which traces of the service's truth log
# the capture must keep, then checks that the capture holds exactly those traces, each whole
# (every operation, with its ids, paths and peers), and every syscall made outside spans, and
# that its SECTION record states the rule. Checked:
#   - F = 0.25; two captures of one process at once, each by its own spancap (-p), agree with
#     each other and with the rule; --sampled-only; F = 0.5 with --sampled-only; F = 1 keeps
#     every trace, as no sampling does;
#   - a process the service starts in a span (fork + exec of /bin/true or of itself) is left
#     out with its trace, but for its fork, exec and exit, or recorded whole with it
#     (check_sampled_children.py); so is a command a span runs, with the processes it starts
#     in turn, against the same command run outside any span (tests/span_spawn), started
#     with fork and exec or with posix_spawn; left out, the processes with nothing of their own
#     to read (a vfork child, a fork child until its exec, a child of a shell left out) have no
#     task storage and no syscall record at all;
#   - a fork child that does not exec and attaches a context of its own in a kept trace is
#     recorded in it, and not in the one left out that it inherited (span_spawn --fork-own);
#   - such a process's own contexts decide for themselves: a program it runs that attaches a
#     context in a kept trace is recorded in it, whether spancap reads that context through its
#     executable's static TLS rule from the exec on (span_spawn own) or finds it by re-resolving
#     the process once it loads a writer and publishes (tests/late_writer), or only loads it,
#     on both of its threads (late_writer -d);
#   - the syscalls left out are counted apart (info's sampling line, the END counter
#     sampled_out), never as lost.
# Prints TAP.
set -u
BUILD=${1:-build}
here=$(dirname "$0")
SPANCAP=$BUILD/spancap
ANALYZE=$BUILD/spancap-analyze
DEMO=$BUILD/samples/spancap-demo-service
DEMO_GD=$BUILD/samples/spancap-demo-service-gd
SPAN_SPAWN=$BUILD/tests/span_spawn
LATE=$BUILD/tests/late_writer
WRITER_GD=$BUILD/samples/libspancap-otel-gd.so
CHECK=$here/check_capture_truth.py
. "$here/suite_lib.sh"
suite_tmpdir
suite_cleanup() { kill $(jobs -p) 2>/dev/null; }
need_built "$SPANCAP" "$ANALYZE" "$DEMO" "$DEMO_GD" "$SPAN_SPAWN" "$LATE"
need_files "$WRITER_GD"
need_commands python3 jq

# 4 workers x 40 requests: 160 traces, about 40 of them kept at F = 0.25.
demo_args() { # dir seed
	echo --threads 4 --requests 40 --seed "$2" --dir "$1/files" --truth "$1/truth.jsonl"
}

# capture NAME SEED SPANCAP-OPTIONS...: the demo service (DEMO_BIN, default $DEMO) under
# spancap, in $tmp/NAME.
capture() {
	local name=$1 seed=$2 d=$tmp/$1
	shift 2
	mkdir -p "$d/files"
	# shellcheck disable=SC2046 # demo_args is a word list
	if timeout 120 "$SPANCAP" -w "$d/cap.pcapng.zst" "$@" -- "${DEMO_BIN:-$DEMO}" \
		$(demo_args "$d" "$seed") \
		>"$d/out" 2>"$d/err"; then
		ok "$name: spancap $* -- spancap-demo-service exits 0 ($(tail -n 1 "$d/err"))"
	else
		not_ok "$name: spancap $* -- spancap-demo-service exits 0" "$d/err"
	fi
}

# sampled_out FILE: the END record's sampled_out count, as info --json reads it.
sampled_out() {
	"$ANALYZE" info --json "$1" | jq -r '.hosts[0].sampling.sampled_out_syscalls // "none"'
}

# no_deferred_left NAME LOG: spancap -v's count, once the capture ended, of the fork children it
# still read without task storage; every one left the list at its exec or exit.
no_deferred_left() {
	if grep -q "^spancap: fork children still read without task storage: 0$" "$2"; then
		ok "$1: no fork child is left in the BPF program's list of those read without storage"
	else
		not_ok "$1: no fork child is left in the list of those read without storage" \
			"$(grep "without task storage" "$2" || echo "no such line")"
	fi
}

# ---- F = 0.25 ------------------------------------------------------------------------------

capture quarter 21 --sample-traces 0.25
tap_from "quarter: " python3 "$CHECK" "$tmp/quarter/cap.pcapng.zst" "$tmp/quarter/truth.jsonl" \
	--min-ops 500 --sample-traces 0.25
"$ANALYZE" info "$tmp/quarter/cap.pcapng.zst" >"$tmp/quarter/info" 2>&1
so=$(sampled_out "$tmp/quarter/cap.pcapng.zst")
last=$(tail -n 1 "$tmp/quarter/err")
if grep -q "^  sampling: a sample of traces, not all of them: 25% of trace ids" \
	"$tmp/quarter/info" && grep -q "; $so syscalls of other traces left out" \
	"$tmp/quarter/info" && [ "$so" -gt 0 ] &&
	[[ $last =~ ^[0-9]+\ events\ written,\ 0\ lost,\ $so\ syscalls\ sampled\ out$ ]]; then
	ok "quarter: info says the file holds a 25% sample, $so syscalls left out, as spancap's last line; none counted as lost"
else
	not_ok "quarter: info and spancap's last line state the sample and the syscalls left out" \
		"$(printf 'sampled_out: %s\nlast line: %s\n' "$so" "$last"; cat "$tmp/quarter/info")"
fi

# Processes the service starts in its /api/report spans belong to their trace: left out with it
# (but for fork, exec, exit and triggers, flagged SAMPLED_OUT), or recorded whole.
tap_from "quarter, started processes: " python3 "$here/check_sampled_children.py" demo \
	"$tmp/quarter/cap.pcapng.zst" "$tmp/quarter/truth.jsonl" "$ANALYZE" --sample-traces 0.25
# The same where the context is a general-dynamic library's (a DTV route): a fork child left out
# is read from its starter's cached slot.
DEMO_BIN=$DEMO_GD capture quarter-gd 23 --sample-traces 0.25
tap_from "quarter-gd: " python3 "$CHECK" "$tmp/quarter-gd/cap.pcapng.zst" \
	"$tmp/quarter-gd/truth.jsonl" --min-ops 500 --sample-traces 0.25
tap_from "quarter-gd, started processes: " python3 "$here/check_sampled_children.py" demo \
	"$tmp/quarter-gd/cap.pcapng.zst" "$tmp/quarter-gd/truth.jsonl" "$ANALYZE" --sample-traces 0.25

# The same for a command a span runs (a shell, which runs cat) and the processes it starts in
# turn, against the same command run outside any span: tests/span_spawn, released once spancap
# resolved it (its context is read from then on). Started with fork and exec, then with
# posix_spawn.
for how in fork posix-spawn; do for which in out in; do
	d=$tmp/spawn-$which-$how
	opt=
	[ "$how" = posix-spawn ] && opt=--posix-spawn
	mkdir -p "$d"
	# shellcheck disable=SC2086 # opt is empty or one word
	CAPTURE_OPTS="--sample-traces 0.5" RELEASE_PROG=span_spawn capture_released \
		"$d/cap.pcapng.zst" "$d/log" "$SPAN_SPAWN" "$which" $opt \
		sh -c 'cat /etc/hostname >/dev/null; true'
	t="spawn $which ($how)"
	if [ "$released" = resolved ]; then
		ok "$t: spancap --sample-traces 0.5 -- span_spawn $which $opt sh -c ... exits 0" $rc
		tap_from "$t: " python3 "$here/check_sampled_children.py" tree \
			"$d/cap.pcapng.zst" "$d/log" "$ANALYZE" "$which" "$how"
		no_deferred_left "$t" "$d/log"
	else
		not_ok "$t: spancap resolves span_spawn" "$d/log"
	fi
done; done

# A fork child that does not exec reads the context it inherited, then one of its own: in a
# trace left out it runs without task storage until its own context is one the sample keeps.
for which in out in; do
	d=$tmp/forked-$which
	mkdir -p "$d"
	CAPTURE_OPTS="--sample-traces 0.5" RELEASE_PROG=span_spawn capture_released \
		"$d/cap.pcapng.zst" "$d/log" "$SPAN_SPAWN" "$which" --fork-own
	t="forked $which"
	if [ "$released" = resolved ]; then
		ok "$t: spancap --sample-traces 0.5 -- span_spawn $which --fork-own exits 0" $rc
		tap_from "$t: " python3 "$here/check_sampled_children.py" forked \
			"$d/cap.pcapng.zst" "$d/log" "$ANALYZE" "$which"
		no_deferred_left "$t" "$d/log"
	else
		not_ok "$t: spancap resolves span_spawn" "$d/log"
	fi
done

# release_late LOG: sends SIGUSR1 to each late_writer once LOG (spancap -v) says spancap resolved
# it through the writer it loaded: its context is read from then on (tests/late_writer.c).
release_late() {
	local log=$1 seen=" " p
	while :; do
		for p in $(sed -n 's/^spancap: pid \([0-9]*\) .*resolved via .* in .*libspancap-otel-gd.*/\1/p' \
			"$log" 2>/dev/null); do
			case $seen in
			*" $p "*) ;;
			*) kill -USR1 "$p" 2>/dev/null && seen+="$p " ;;
			esac
		done
		sleep 0.02
	done
}

# The command's processes attach contexts of their own, in traces every sample keeps: span_spawn
# own (the static TLS rule spancap found for span_spawn, applied at the exec), then late_writer,
# whose executable defines no context (a general-dynamic writer it loads with dlopen: a DTV
# route, found by re-resolving it), which publishes the process context, then late_writer -d,
# which only loads the writer and has a second thread. The shell ends with exit: it must not
# exec the last one.
# In a trace left out, the shell's children start without task storage (spancap gets it for
# them at the exec, or when it finds the writer), and so does the shell itself when started
# with posix_spawn.
for how in fork posix-spawn; do for which in out in; do
	d=$tmp/own-$which-$how
	opt=
	[ "$how" = posix-spawn ] && opt=--posix-spawn
	mkdir -p "$d"
	release_late "$d/log" &
	releaser=$!
	# shellcheck disable=SC2016,SC2086 # the inner shell expands its own arguments; opt: 0-1 word
	CAPTURE_OPTS="--sample-traces 0.5" RELEASE_PROG=span_spawn capture_released \
		"$d/cap.pcapng.zst" "$d/log" "$SPAN_SPAWN" "$which" $opt sh -c \
		'"$1" own && GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0 "$2" "$3" &&
		GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0 "$2" -d "$3"; s=$?; exit $s' \
		sh "$SPAN_SPAWN" "$LATE" "$WRITER_GD"
	kill "$releaser" 2>/dev/null
	wait "$releaser" 2>/dev/null
	t="own $which ($how)"
	if [ "$released" = resolved ]; then
		cmd="span_spawn $which $opt sh -c 'span_spawn own && late_writer LIB && late_writer -d LIB'"
		ok "$t: spancap --sample-traces 0.5 -- $cmd exits 0" $rc
		tap_from "$t: " python3 "$here/check_sampled_children.py" own \
			"$d/cap.pcapng.zst" "$d/log" "$ANALYZE" "$which"
		no_deferred_left "$t" "$d/log"
	else
		not_ok "$t: spancap resolves span_spawn" "$d/log"
	fi
done; done

# ---- two captures of one process at once ---------------------------------------------------

d=$tmp/twice
mkdir -p "$d/files"
mkfifo "$d/gate"
# The service waits at a gate until both captures observe the shell that becomes it.
# shellcheck disable=SC2046,SC2016 # demo_args is a word list; $0 is the inner shell's
sh -c 'read -r _ <"$0"; shift; exec "$@"' "$d/gate" x "$DEMO" $(demo_args "$d" 22) \
	>"$d/out" 2>&1 &
target=$!
"$SPANCAP" -v -w "$d/a.pcapng.zst" --sample-traces 0.25 -p "$target" 2>"$d/a.err" &
cap_a=$!
"$SPANCAP" -v -w "$d/b.pcapng.zst" --sample-traces 0.25 -p "$target" 2>"$d/b.err" &
cap_b=$!
if wait_for "$d/a.err" "pid $target (scan)" 400 "$cap_a" &&
	wait_for "$d/b.err" "pid $target (scan)" 400 "$cap_b"; then
	echo go >"$d/gate"
	wait "$target"
	wait "$cap_a"
	ra=$?
	wait "$cap_b"
	rb=$?
	ok "twice: two spancap -p captures of one service end with it (exit $ra and $rb)" \
		$((ra + rb))
	for c in a b; do
		tap_from "twice, capture $c: " python3 "$CHECK" "$d/$c.pcapng.zst" "$d/truth.jsonl" \
			--min-ops 500 --sample-traces 0.25
	done
	python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
from check_capture_truth import records, F_CTX, REC_SYSCALL
sets = []
for path in sys.argv[2:]:
    s = set()
    for ts, rtype, flags, body, items in records(path):
        if rtype == REC_SYSCALL and flags & F_CTX:
            s.add(body[80:96].hex())
    sets.append(s)
print("a: %d traces, b: %d traces, only in a: %s, only in b: %s" % (
    len(sets[0]), len(sets[1]), sorted(sets[0] - sets[1]), sorted(sets[1] - sets[0])))
sys.exit(0 if sets[0] == sets[1] and sets[0] else 1)' "$here" "$d/a.pcapng.zst" \
		"$d/b.pcapng.zst" >"$d/cmp" 2>&1
	ok "twice: both captures hold the same traces ($(cat "$d/cmp"))" $?
else
	not_ok "twice: both captures observe the service before it starts" \
		"$(cat "$d/a.err" "$d/b.err")"
	echo go >"$d/gate"
fi

# ---- --sampled-only, alone and with a fraction ---------------------------------------------

capture flagged 23 --sampled-only
tap_from "flagged: " python3 "$CHECK" "$tmp/flagged/cap.pcapng.zst" \
	"$tmp/flagged/truth.jsonl" --min-ops 500 --sampled-only
capture half-flagged 24 --sample-traces 0.5 --sampled-only
tap_from "half-flagged: " python3 "$CHECK" "$tmp/half-flagged/cap.pcapng.zst" \
	"$tmp/half-flagged/truth.jsonl" --min-ops 500 --sample-traces 0.5 --sampled-only

# ---- F = 1: every trace, as without sampling ------------------------------------------------

capture all 25 --sample-traces 1
tap_from "all: " python3 "$CHECK" "$tmp/all/cap.pcapng.zst" "$tmp/all/truth.jsonl" \
	--min-ops 500 --sample-traces 1
so=$(sampled_out "$tmp/all/cap.pcapng.zst")
ok "all: no syscall sampled out at F = 1 (sampled_out: $so)" "$([ "$so" = 0 ]; echo $?)"
capture none 25
tap_from "none: " python3 "$CHECK" "$tmp/none/cap.pcapng.zst" "$tmp/none/truth.jsonl" \
	--min-ops 500
so=$(sampled_out "$tmp/none/cap.pcapng.zst")
ok "none: a capture without sampling claims none (info --json sampling: $so)" \
	"$([ "$so" = none ]; echo $?)"

tap_end
