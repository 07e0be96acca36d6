#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Per-syscall overhead of spancap, side by side in one run (a getppid loop, bench/syscall_bench):
#   baseline     no tracer
#   floor        an empty tp_btf sys_enter/sys_exit pair (bpf/spancap_empty.bpf.c)
#   unobserved   spancap running, recording another process: the loop pays one map lookup
#   observed     spancap -- syscall_bench: every call recorded, thread without context
#   context      same, with a valid OTEP 4947 context on the thread
# Configurations are interleaved over ROUNDS passes; each figure is the median of the passes.
# Usage: bench/syscall_overhead.sh [BUILD] (root). Not run by make test.
set -eu
BUILD=${1:-build}
ROUNDS=${ROUNDS:-3}
CALLS=${CALLS:-500000}
B="$BUILD/bench/syscall_bench"
SPANCAP="$BUILD/spancap"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${idle:-}" ] && kill $idle 2>/dev/null; true' EXIT

run_under_spancap() { # extra bench args...
	mkfifo "$tmp/go"
	"$SPANCAP" -v -w "$tmp/cap.scap" -- "$B" -n "$CALLS" --wait "$@" <"$tmp/go" >"$tmp/out" 2>"$tmp/err" &
	local sp=$!
	exec 8>"$tmp/go"
	for _ in $(seq 1 500); do
		grep -q "resolved via" "$tmp/err" && grep -q ready "$tmp/out" && break
		sleep 0.01
	done
	echo go >&8
	exec 8>&-
	wait $sp
	rm -f "$tmp/go"
	tail -n 1 "$tmp/out"
}

declare -A res
for r in $(seq 1 "$ROUNDS"); do
	res[baseline]+="$("$B" -n "$CALLS") "
	res[floor]+="$("$B" -n "$CALLS" --floor "$BUILD/gen/spancap_empty.bpf.o") "
	sleep 1000 & idle=$!
	"$SPANCAP" -w "$tmp/idle.scap" -p $idle 2>/dev/null & sp=$!
	sleep 0.5
	res[unobserved]+="$("$B" -n "$CALLS") "
	kill -INT $sp; wait $sp || true; kill $idle; idle=
	res[observed]+="$(run_under_spancap) "
	res[context]+="$(run_under_spancap --ctx) "
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
base=$(echo "${res[baseline]}" | median)
printf '%-12s %10s %10s %8s   %s\n' config "ns/call" "added ns" ratio "runs"
for c in baseline floor unobserved observed context; do
	m=$(echo "${res[$c]}" | median)
	awk -v c="$c" -v m="$m" -v b="$base" -v runs="${res[$c]}" \
		'BEGIN{printf "%-12s %10.1f %10.1f %8.2f   %s\n", c, m, m-b, m/b, runs}'
done
echo "($CALLS getppid calls per round, 7 rounds per run, median of $ROUNDS interleaved runs; $(nproc) CPUs, $(uname -r))"
