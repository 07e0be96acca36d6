#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Per-syscall overhead of spancap, side by side in one run (a getppid loop, bench/syscall_bench):
#   baseline     no tracer
#   floor        an empty tp_btf sys_enter/sys_exit pair (bpf/spancap_empty.bpf.c)
#   unobserved   spancap running, recording another process: the loop pays one map lookup
#   observed     spancap -- syscall_bench: every call recorded, thread without context
#   context      same, with a valid OTEP 4947 context on the thread
#   filtered     spancap -e file -- syscall_bench --ctx: observed, getppid not selected
#   bpftrace     tracepoint:raw_syscalls:sys_enter /pid == N/ { @c = count(); }
# SPANCAP=/path overrides $BUILD/spancap. With OLD=/path/to/an/older/spancap, its unobserved,
# observed and context rows are measured in the same passes (before/after under the same load).
# Configurations are interleaved over ROUNDS passes; each figure is the median of the passes,
# with the min and max; "x floor" is the added cost over the empty programs' added cost.
# Usage: bench/syscall_overhead.sh [BUILD] (root). Not run by make test.
set -eu
# shellcheck source=bench/gated_start.sh
. "$(dirname "$0")/gated_start.sh"
BUILD=${1:-build}
ROUNDS=${ROUNDS:-3}
CALLS=${CALLS:-500000}
OLD=${OLD:-}
B="$BUILD/bench/syscall_bench"
SPANCAP=${SPANCAP:-$BUILD/spancap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${idle:-}" ] && kill $idle 2>/dev/null; true' EXIT

# bpftrace needs tracefs for tracepoint:... probes.
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

run_under_spancap() { # spancap-binary "spancap options" extra bench args...
	local bin=$1 opts=$2
	shift 2
	gated_spancap "$tmp" "$bin" "$opts" "$B" -n "$CALLS" --wait "$@"
	gated_go "$tmp"
	wait "$gated_pid"
	tail -n 1 "$tmp/out"
}

run_unobserved() { # spancap-binary
	sleep 1000 & idle=$!
	"$1" -w "$tmp/idle.scap" -p $idle 2>/dev/null & sp=$!
	sleep 0.5
	"$B" -n "$CALLS"
	kill -INT $sp; wait $sp || true; kill $idle; idle=
}

run_bpftrace() {
	mkfifo "$tmp/go"
	"$B" -n "$CALLS" --wait <"$tmp/go" >"$tmp/out" &
	local bp=$!
	exec 8>"$tmp/go"
	bpftrace -e "tracepoint:raw_syscalls:sys_enter /pid == $bp/ { @c = count(); }" \
		>"$tmp/bt" 2>&1 & bt=$!
	for _ in $(seq 1 1000); do
		grep -q Attaching "$tmp/bt" && grep -q ready "$tmp/out" && break
		sleep 0.01
	done
	sleep 0.2 # "Attaching" is printed just before the attach itself
	echo go >&8
	exec 8>&-
	wait $bp
	kill -TERM $bt; wait $bt || true # SIGINT may be ignored in a background job
	rm -f "$tmp/go"
	tail -n 1 "$tmp/out"
}

# The filtered row needs a spancap with -e (an older build being measured has none).
filters=$("$SPANCAP" --help | grep -e '-e, --events' || true)
configs="baseline floor unobserved observed context${filters:+ filtered} bpftrace"
[ -n "$OLD" ] && configs="$configs old-unobserved old-observed old-context"
declare -A res
for r in $(seq 1 "$ROUNDS"); do
	res[baseline]+="$("$B" -n "$CALLS") "
	res[floor]+="$("$B" -n "$CALLS" --floor "$BUILD/gen/spancap_empty.bpf.o") "
	res[unobserved]+="$(run_unobserved "$SPANCAP") "
	res[observed]+="$(run_under_spancap "$SPANCAP" "") "
	res[context]+="$(run_under_spancap "$SPANCAP" "" --ctx) "
	[ -n "$filters" ] && res[filtered]+="$(run_under_spancap "$SPANCAP" "-e file" --ctx) "
	res[bpftrace]+="$(run_bpftrace) "
	if [ -n "$OLD" ]; then
		res[old-unobserved]+="$(run_unobserved "$OLD") "
		res[old-observed]+="$(run_under_spancap "$OLD" "") "
		res[old-context]+="$(run_under_spancap "$OLD" "" --ctx) "
	fi
	echo "pass $r of $ROUNDS done" >&2
	for c in $configs; do echo "  $c: ${res[$c]}" >&2; done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
minmax() { tr ' ' '\n' | grep . | sort -g | awk 'NR==1{lo=$1} {hi=$1} END{printf "%s..%s", lo, hi}'; }
base=$(echo "${res[baseline]}" | median)
floor=$(echo "${res[floor]}" | median)
printf '%-15s %9s %9s %8s %8s   %s\n' config "ns/call" "added ns" "x base" "x floor" "min..max"
for c in $configs; do
	m=$(echo "${res[$c]}" | median)
	mm=$(echo "${res[$c]}" | minmax)
	awk -v c="$c" -v m="$m" -v b="$base" -v f="$floor" -v mm="$mm" \
		'BEGIN{fa = f - b; xf = "-"; if (fa > 0) xf = sprintf("%.2f", (m - b) / fa);
		       printf "%-15s %9.1f %9.1f %8.2f %8s   %s\n", c, m, m-b, m/b, xf, mm}'
done
echo "($CALLS getppid calls per round, 7 rounds per run, median of $ROUNDS interleaved passes;" \
	"$(nproc) CPUs, $(uname -r))"
