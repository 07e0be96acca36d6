#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Time spent inside spancap's syscall programs per call, from the kernel's own accounting
# (sysctl kernel.bpf_stats_enabled: run_time_ns / run_cnt of each program), for one syscall
# loop (bench/syscall_bench, getppid unless OP= names another of its --op) in each configuration:
#   floor        the empty sys_enter/sys_exit programs (bpf/spancap_empty.bpf.c)
#   bound        the least work of any recorder with context (bpf/spancap_bound.bpf.c), on a
#                thread with an OTEP 4947 context and attributes
#   bound-sampled-out  the same, deciding by trace as --sample-traces 0.01 does: the least work
#                of a syscall whose trace is left out (the context read and the decision)
#   unobserved   spancap recording another process
#   observed     spancap -- syscall_bench: every call recorded, thread without context
#   context      the same with an OTEP 4947 context and attributes on the thread
#   sampled-out  the same context, its trace left out by spancap --sample-traces 0.01
#                (syscall_bench's trace id has R = 0x11111111111111, about 0.067 * 2^56)
# Unlike the end-to-end figures of `make bench`, these exclude the trampoline and the syscall
# itself and hardly move with the load of other CPUs; the accounting adds two clock reads to
# every run, which the floor row shows. Run on an otherwise idle machine: every program named
# handle_sys_* loaded after the configuration starts is counted as its own.
# Usage: bench/bpf_prog_cost.sh [BUILD]   (root; `make bench-bpf`). CALLS=N calls per round,
# two rounds (default 2000000); CONFIGS="..." a subset of the configurations, in that order;
# OP=getppid|openclose|write64|pread4k the syscall of the loop.
set -eu
# shellcheck source=bench/gated_start.sh
. "$(dirname "$0")/gated_start.sh"
BUILD=${1:-build}
CALLS=${CALLS:-2000000}
OP=${OP:-getppid}
SPANCAP_OPTS=${SPANCAP_OPTS:-} # extra spancap options, e.g. --ringbuf-size=1048576
B=$BUILD/bench/syscall_bench
SPANCAP=$BUILD/spancap
tmp=$(mktemp -d)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	[ -n "${idle:-}" ] && kill "$idle" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

prog_ids() { bpftool prog show -j | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("handle_sys_"):
        print(p["id"])' | sort -n; }

# Prints "name ns-per-run runs" for the handle_sys_* programs not in the list $1.
report() {
	bpftool prog show -j | python3 -c '
import json, sys
before = set(sys.argv[1].split())
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("handle_sys_") and str(p["id"]) not in before:
        n = p.get("run_cnt", 0)
        if n:
            print("%s %.1f %d" % (p["name"], p["run_time_ns"] / n, n))' "$1"
}

# Each configuration's figures are read while its loop still runs (the programs go when the
# loop or spancap ends): SAMPLE_AT seconds after the loop starts (default 1).
SAMPLE_AT=${SAMPLE_AT:-1}

observed() { # extra syscall_bench args...
	local before
	before=$(prog_ids)
	gated_spancap "$tmp" "$SPANCAP" "$SPANCAP_OPTS" "$B" -n "$CALLS" -r 2 --op "$OP" --wait "$@"
	gated_go "$tmp"
	sleep "$SAMPLE_AT"
	report "$before"
	wait "$gated_pid" || true
}

unobserved() {
	local before sp
	before=$(prog_ids)
	sleep 1000 &
	idle=$!
	"$SPANCAP" -q -w "$tmp/idle.scap" -p $idle &
	sp=$!
	sleep 0.7
	"$B" -n "$CALLS" -r 2 --op "$OP" >/dev/null &
	local bp=$!
	sleep "$SAMPLE_AT"
	report "$before"
	wait $bp
	kill -INT $sp
	wait $sp || true
	kill $idle
	idle=
}

with_object() { # bpf object loaded by syscall_bench --floor, extra syscall_bench args...
	local before bp obj=$1
	shift
	before=$(prog_ids)
	"$B" -n "$CALLS" -r 2 --op "$OP" --floor "$obj" "$@" >/dev/null 2>&1 &
	bp=$!
	sleep "$SAMPLE_AT"
	report "$before"
	wait $bp
}

printf '%-18s %-26s %10s %12s\n' config program "ns/run" runs
for c in ${CONFIGS:-floor bound bound-sampled-out unobserved observed context sampled-out}; do
	case $c in
	floor) with_object "$BUILD/gen/spancap_empty.bpf.o" ;;
	bound) with_object "$BUILD/gen/spancap_bound.bpf.o" --ctx --attrs ;;
	bound-sampled-out) with_object "$BUILD/gen/spancap_bound.bpf.o" --ctx --attrs \
		--bound-sample 0.01 ;;
	unobserved) unobserved ;;
	observed) observed ;;
	context) observed --ctx --attrs ;;
	sampled-out) SPANCAP_OPTS="$SPANCAP_OPTS --sample-traces 0.01" observed --ctx --attrs ;;
	esac | {
		rows=0
		while read -r name ns runs; do
			printf '%-18s %-26s %10s %12s\n' "$c" "$name" "$ns" "$runs"
			rows=$((rows + 1))
		done
		[ $rows -gt 0 ] || printf '%-18s %s\n' "$c" \
			"no program ran when sampled: the loop ended first (raise CALLS, or lower SAMPLE_AT)"
	}
done
echo "($CALLS $OP calls per configuration; $(nproc) CPUs, $(uname -r); kernel.bpf_stats)"
