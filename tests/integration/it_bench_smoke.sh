#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A smoke run of the benchmark suite (bench/run_bench.sh with BENCH_SMOKE=1: a second or so
# per section) into a temporary report: it finishes, bench/RESULTS.md is left alone, and every
# table has every row, each figure numeric ("median [min-max]") or, for a peer tool only,
# an explicit "n/a: reason". Prints TAP.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/integration/suite_lib.sh
TAP_DETAIL_LINES=20
suite_tmpdir
R="$tmp/RESULTS.md"

before=$(sha256sum bench/RESULTS.md 2>/dev/null)
t0=$(date +%s)
if BENCH_SMOKE=1 RESULTS="$R" timeout 240 bench/run_bench.sh "$BUILD" >"$tmp/log" 2>&1; then
	ok "bench/run_bench.sh BENCH_SMOKE=1 finishes ($(($(date +%s) - t0)) s)"
else
	not_ok "bench/run_bench.sh BENCH_SMOKE=1 finishes" "$tmp/log"
fi
if [ "$(sha256sum bench/RESULTS.md 2>/dev/null)" = "$before" ]; then
	ok "the smoke run leaves bench/RESULTS.md alone"
else
	not_ok "the smoke run leaves bench/RESULTS.md alone"
fi
[ -s "$R" ] || { not_ok "a report was written"; echo "1..$n"; exit 1; }

# The machine, the date and the command.
missing=""
for k in date command CPU memory kernel OS spancap peers; do
	grep -q "^| $k | ..*|$" "$R" || missing+=" $k"
done
if [ -z "$missing" ]; then ok "the report names the machine, the date and the command"; else
	echo "missing:$missing" >"$tmp/m"; not_ok "the report names the machine, the date and the command" "$tmp/m"; fi

NUM='-?[0-9]+(\.[0-9]+)?'
FIG="^$NUM( \\[$NUM-$NUM\\])?( \\(.*\\))?\$"
# The cells (columns 2..) of the table row starting with "| $1 |" must be figures, or n/a
# with a reason when $2 is "peer". Prints the offending row, fails when absent or wrong.
row_ok() { # row-prefix kind
	local line cells c
	line=$(grep -F -m 1 -- "| $1 |" "$R") || { echo "no row: $1"; return 1; }
	line=${line#| $1 |}
	IFS='|' read -ra cells <<<"${line%|}"
	for c in "${cells[@]}"; do
		c=$(echo "$c" | sed 's/^ *//; s/ *$//')
		[[ $c =~ $FIG ]] && continue
		[ "$2" = peer ] && [[ $c =~ ^n/a:\ ..* ]] && continue
		# x floor is undefined when the floor's own cost is within the noise.
		[[ $c == "n/a: floor added <= 0 ns" ]] && continue
		echo "bad cell '$c' in: $1 |$line"
		return 1
	done
}
check_rows() { # description kind rows...
	local d=$1 kind=$2 r bad=0
	shift 2
	: >"$tmp/bad"
	for r in "$@"; do
		row_ok "$r" "$kind" >>"$tmp/bad" || bad=1
	done
	if [ $bad = 0 ]; then ok "$d"; else not_ok "$d" "$tmp/bad"; fi
}

ncpu=$(nproc)
own=() peers=() ratios=()
for op in getppid openclose write64 pread4k; do
	for t in 1 "all ($ncpu)"; do
		for c in "no tracer" "empty BPF programs (floor)" "spancap, process unobserved" \
			"spancap, observed, no context" "spancap, observed, context + attributes" \
			"spancap, observed, not selected (-e)" \
			"spancap, observed, context + attributes, trace left out (--sample-traces 0.01)" \
			"spancap, observed, context + attributes, trace kept (--sample-traces 0.95)" \
			"least work of a recorder, context + attributes" \
			"least work of a recorder, context + attributes, trace left out (0.01)"; do
			own+=("$op | $t | $c")
		done
		for c in "bpftrace counting the pid's syscalls" "perf trace -o FILE" "strace -f -o FILE"; do
			peers+=("$op | $t | $c")
		done
		ratios+=("$op, $t")
	done
done
check_rows "per-syscall overhead: ${#own[@]} rows without a peer tool, all numeric" own "${own[@]}"
check_rows "per-syscall overhead: ${#peers[@]} peer rows, numeric or n/a with a reason" peer "${peers[@]}"
# a ratio is n/a, with its reason, when the recorded configuration added nothing in the noise
check_rows "trace sampling: ${#ratios[@]} rows, what a syscall left out adds against a recorded one" \
	peer "${ratios[@]}"
check_rows "realistic workload: latency p50, p99 and throughput without spancap, with it, and with it at 1% of traces" own \
	"latency p50 (ms)" "latency p99 (ms)" "throughput (requests/s)"
# The paired table of the same passes: each configuration's ratios to the run without spancap,
# each with its interval, and the passes both ran. Its rows share their labels with section 1's,
# so they are looked for in that table only.
R_ALL=$R
R="$tmp/paired.md"
sed -n '/^| configuration | p50 ratio, pooled /,/^$/p' "$R_ALL" >"$R"
check_rows "realistic workload: each configuration's ratios to no spancap, pass by pass, with intervals" \
	own "empty BPF programs (floor)" "with spancap" "with spancap, 1% of traces" \
	"1% of traces, --sched low"
R=$R_ALL
check_rows "capture throughput: max events/s with no loss, CPU per event" own \
	"max events/s with no loss" "spancap user CPU per event (ns)" \
	"spancap user+system CPU per event (ns)" "events/s during the CPU run"
# spancap's CPU over the events it recorded: more than nothing (it was negative when spancap
# had exited before its end was read)
if grep -qE '^\| spancap user\+system CPU per event \(ns\) \| [0-9.]*[1-9][0-9.]* \[[0-9.]+-[0-9.]+\] \|$' "$R" &&
	grep -qE '^\| spancap user CPU per event \(ns\) \| [0-9.]+ \[[0-9.]+-[0-9.]+\] \|$' "$R"; then
	ok "capture throughput: spancap's CPU per event is positive"
else
	grep 'CPU per event (ns)' "$R" >"$tmp/m"
	not_ok "capture throughput: spancap's CPU per event is positive" "$tmp/m"
fi
check_rows "flight recorder: CPU per event, RSS, RSS + ring, events/s, -w against --ring" own \
	"CPU per event, user+system (ns)" "spancap peak RSS (MiB)" \
	"spancap peak RSS + ring memory (MiB)" \
	"events/s recorded"
check_rows "bytes per syscall: spancap, spancap -u" own "spancap (zstd level 1)" \
	"spancap -u (plain pcapng)"
check_rows "bytes per syscall: perf record, perf record -z (or n/a with a reason)" peer \
	"perf record" "perf record -z"
replay_rows=()
for label in real synth; do
	ev=$(sed -n "s/^| $label | \([0-9]*\) | traces .*/\1/p" "$R" | head -1)
	for cmd in traces spans info; do
		for j in 1 2; do
			replay_rows+=("$label | $ev | $cmd | $j")
		done
	done
done
check_rows "replay: traces, spans and info with 1 and 2 threads, events/s and peak RSS, on both files" \
	own "${replay_rows[@]}"
# One trace by the frame index: time, share of traces, RSS for each file and command.
missing=""
for r in "one | traces" "one | trace" "one | trace --no-index" "seq | traces" "seq | trace" \
	"seq | trace --no-index"; do
	grep -qE "^\| $r \| $NUM \[$NUM-$NUM\] \| $NUM%? \| $NUM \[$NUM-$NUM\] \|\$" "$R" ||
		missing+=" [$r]"
done
if [ -z "$missing" ]; then ok "index: trace ID against traces, with and without the index, on both files"
else echo "missing:$missing" >"$tmp/m"; not_ok "index: trace ID against traces, with and without the index, on both files" "$tmp/m"; fi
# Section 9: wall, user and system CPU, peak RSS and events/s of each command on one capture.
missing=""
F="$NUM \[$NUM-$NUM\]"
for r in traces spans files net processes "export --format csv" "trace ID"; do
	grep -qE "^\| $r \| $F \| $F \| $F \| $F \| [0-9]+ \|\$" "$R" || missing+=" [$r]"
done
if [ -z "$missing" ]; then ok "large capture: wall, CPU, peak RSS and events/s of 7 commands"
else echo "missing:$missing" >"$tmp/m"; not_ok "large capture: wall, CPU, peak RSS and events/s of 7 commands" "$tmp/m"; fi
# Section 10: spancap's CPU per spawned process, its run, its length and its idle CPU.
if grep -qE "^\| this tree \| $F \| $F \| $F \| $F \|\$" "$R"; then
	ok "CPU per spawned process: per spawn, per run, run length and idle CPU"
else
	grep -A4 '^## 10\.' "$R" >"$tmp/m"
	not_ok "CPU per spawned process: per spawn, per run, run length and idle CPU" "$tmp/m"
fi
# Sections 11 and 12: a row of the programs' figures (11 numbers) whose time per unit and
# sys_enter calls per unit are above 0. prog_row_ok LABEL SECTION WHAT.
prog_row_ok() {
	local re="^\| ${1//+/\\+} \|( $F \|){11}\$"
	if grep -E "$re" "$R" | awk -F'|' '$3 + 0 > 0 && $9 + 0 > 0 {f = 1} END {exit !f}'; then
		ok "$3"
	else
		grep -A8 "^## $2\." "$R" >"$tmp/m"
		not_ok "$3" "$tmp/m"
	fi
}
# Section 11: per request of the demo; section 12: per process spawned in a trace left out, by
# fork+execve and by posix_spawn.
prog_row_ok "this tree" 11 \
	"demo at 1%: BPF time per request, ns per call and calls per request of five programs"
for st in fork+execve posix_spawn; do
	prog_row_ok "$st, this tree" 12 \
		"$st in a trace left out: BPF time per spawn, ns per call and calls per spawn of five programs"
done
if grep -q '^| first loss | pass 1: ..*|$' "$R"; then ok "capture throughput: the first loss is described"; else
	not_ok "capture throughput: the first loss is described" "$R"; fi
if grep -q '^write  *[0-9.]* M records/s' "$R" && grep -q '^analyze_bench: traces replay' "$R"; then
	ok "components: format_bench and analyze_bench output"
else
	not_ok "components: format_bench and analyze_bench output" "$R"
fi
# The synthetic producer drained to a file, with no loss.
if grep -qE '^recorder_bench: [0-9]+ events \(0 dropped by the producer\).* [0-9.]+ M events/s' "$R"; then
	ok "components: recorder_bench drains a synthetic producer without loss"
else
	not_ok "components: recorder_bench drains a synthetic producer without loss" "$R"
fi
# Section 7: CPU per event of both threads, inline and with the compressor thread.
if grep -qE '^\| after, --compress-inline \| [0-9.]+ \[.*\| 0\.0 \[' "$R" &&
	grep -qE '^\| after, second thread \| [0-9.]+ \[[^|]*\| [0-9.]+ \[[^|]*\| [1-9][0-9.]* \[' "$R"; then
	ok "consumer CPU per event: inline, and split between the consumer and compressor threads"
else
	not_ok "consumer CPU per event: inline, and split between the consumer and compressor threads" "$R"
fi
# The re-check's probe saw each child's context, or its absence, and was timed.
if grep -qE '^recheck_bench: .* one probe takes [0-9.]+ us with a context .* [0-9.]+ us without' "$R"; then
	ok "components: recheck_bench times the re-check's probe"
else
	not_ok "components: recheck_bench times the re-check's probe" "$R"
fi
# The least-work program really records the calls and reads the thread's context: with a
# context every call of the loop carries it, without one none does.
with=$("$BUILD/bench/syscall_bench" -n 20000 -r 1 --attrs --floor "$BUILD/gen/spancap_bound.bpf.o" 2>&1 >/dev/null)
without=$("$BUILD/bench/syscall_bench" -n 20000 -r 1 --floor "$BUILD/gen/spancap_bound.bpf.o" 2>&1 >/dev/null)
if [[ $with =~ ([0-9]+)\ events\ drained,\ ([0-9]+)\ with ]] && [ "${BASH_REMATCH[1]}" -ge 20000 ] &&
	[ "${BASH_REMATCH[2]}" -ge 20000 ] &&
	[[ $without =~ ([0-9]+)\ events\ drained,\ 0\ with ]] && [ "${BASH_REMATCH[1]}" -ge 20000 ]; then
	ok "least work of a recorder: 20000 calls recorded, with the context only when there is one"
else
	printf 'with a context: %s\nwithout: %s\n' "$with" "$without" >"$tmp/m"
	not_ok "least work of a recorder: 20000 calls recorded, with the context only when there is one" "$tmp/m"
fi
# Deciding by trace: syscall_bench's trace (R = 0x11111111111111, about 0.067 * 2^56) is left
# out at 0.01 (no call of the loop recorded) and kept at 0.95 (every call, with its context).
out=$("$BUILD/bench/syscall_bench" -n 20000 -r 1 --attrs --floor "$BUILD/gen/spancap_bound.bpf.o" \
	--bound-sample 0.01 2>&1 >/dev/null)
kept=$("$BUILD/bench/syscall_bench" -n 20000 -r 1 --attrs --floor "$BUILD/gen/spancap_bound.bpf.o" \
	--bound-sample 0.95 2>&1 >/dev/null)
if [[ $out =~ ([0-9]+)\ events\ drained,\ 0\ with ]] && [ "${BASH_REMATCH[1]}" -lt 20000 ] &&
	[[ $kept =~ ([0-9]+)\ events\ drained,\ ([0-9]+)\ with ]] && [ "${BASH_REMATCH[2]}" -ge 20000 ]; then
	ok "least work deciding by trace: the loop's calls left out at 0.01, recorded at 0.95"
else
	printf 'at 0.01: %s\nat 0.95: %s\n' "$out" "$kept" >"$tmp/m"
	not_ok "least work deciding by trace: the loop's calls left out at 0.01, recorded at 0.95" "$tmp/m"
fi
# Section 6: every configuration's two programs ran, each with a time per run.
missing=""
for p in "floor handle_sys_enter_empty" "floor handle_sys_exit_empty" \
	"bound handle_sys_enter_bound" "bound handle_sys_exit_bound" \
	"bound-sampled-out handle_sys_enter_bound" "bound-sampled-out handle_sys_exit_bound" \
	"unobserved handle_sys_enter" "unobserved handle_sys_exit" \
	"observed handle_sys_enter" "observed handle_sys_exit" \
	"context handle_sys_enter" "context handle_sys_exit" \
	"sampled-out handle_sys_enter" "sampled-out handle_sys_exit"; do
	grep -qE "^${p% *} +${p#* } +[0-9.]+ +[1-9][0-9]*\$" "$R" || missing+=" [$p]"
done
if [ -z "$missing" ]; then ok "time inside the programs: 14 programs timed (kernel.bpf_stats)"; else
	echo "missing:$missing" >"$tmp/m"
	not_ok "time inside the programs: 14 programs timed (kernel.bpf_stats)" "$tmp/m"
fi
tap_end
