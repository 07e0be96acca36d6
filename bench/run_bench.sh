#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The benchmark suite against peers (`make bench`): writes a Markdown report (bench/RESULTS.md)
# with the machine, the date, the command and one table per section, every figure measured in
# this run, configurations interleaved, each quoted as median [min-max] over the passes.
#
#   1. per-syscall overhead: bench/syscall_bench (getppid, openat+close, 64-byte write to
#      /dev/null, 4 KiB pread; 1 thread and one per CPU) under: nothing; empty BPF programs on
#      sys_enter/sys_exit (the floor); spancap recording another process (unobserved);
#      spancap -- bench (observed, no context); the same with an OTEP 4947 context with two
#      attributes and an OTEP 4719 process context; the same with the operation's syscalls
#      not selected (-e connect: the bench makes no connect); the same context with trace
#      sampling: its trace left out (--sample-traces 0.01) and kept (--sample-traces 0.95);
#      the least work of any recorder of syscalls with context (bpf/spancap_bound.bpf.c, same
#      thread context); bpftrace counting the pid's syscalls; perf trace -o FILE;
#      strace -f -o FILE. Then what a syscall left out by sampling adds, against a recorded one.
#   2. a realistic workload: spancap-demo-service at a fixed rate, request latency (p50/p99
#      from its truth log) and throughput, without spancap, with it, and with it recording 1%
#      of the traces (--sample-traces 0.01).
#   3. capture throughput: a paced getppid producer (one thread per CPU, with context) under
#      spancap, the rate raised step by step until the file reports a loss; spancap's CPU per
#      event (from /proc/PID/stat while it records an unpaced producer); bytes per syscall on
#      disk against perf record -e raw_syscalls:sys_enter,raw_syscalls:sys_exit (and -z).
#   4. replay: spancap-analyze traces, spans and info on a capture of >= REPLAY_EVENTS
#      syscalls (a real capture of syscall_bench) and on a synthetic service mix
#      (analyze_bench -o), each with --threads 1 and 2 side by side: events per second and
#      peak RSS (GNU time).
#   4.1 index: `spancap-analyze trace ID` (first, middle and last trace) against `traces` on
#      synthetic captures of COMPONENT_RECORDS records: one process (analyze_bench), and 100
#      processes one after the other (analyze_bench -P 100), with and without the frame index.
#   5. components: bench/format_bench, bench/analyze_bench, bench/recorder_bench (ring
#      buffer to compressed file, synthetic BPF producer) and bench/recheck_bench (the cost of
#      the capture's periodic re-check of observed processes), as printed.
#   6. time inside the syscall programs per call (bench/bpf_prog_cost.sh, kernel.bpf_stats):
#      the figures of section 1 without the syscall, the trampoline and the other CPUs' noise.
#   7. the consumer's CPU per event, before and after: bench/recorder_bench built from
#      RECORDER_BEFORE (recorder and formats/ of that revision, today's bench source) against
#      this tree's, compressing inline and on the second thread, interleaved.
#   8. the flight recorder's steady-state cost: the producer of section 3's CPU run under
#      spancap -w and under spancap --ring (no trigger), interleaved: spancap's CPU per event,
#      its peak RSS and the memory the ring holds, and their ratios.
#   9. a 1 GB capture (issue 20): analyze_bench -n LARGE_RECORDS written to the file system
#      with the most free space, then wall time, CPU and peak RSS (GNU time) of traces, spans,
#      files, net, processes, export --format csv, otlp-jsonl --granularity span and chrome,
#      syscalls --by span and trace ID (a trace of the middle); the file is removed after.
#      Long (minutes): LARGE_ROUNDS passes, 1 by default.
#  10. spancap's CPU per spawned process: bench/spawn_bench (fork, exec /bin/true, wait, 5 ms
#      pause; SPAWNS times) under spancap -- (with --sample-traces 0.01), against the same run
#      spawning nothing, interleaved; with OLD, the older spancap in the same passes, its row
#      labelled "spancap (OLD: NAME, git REV)" when OLD lies in a git checkout (REV: git describe
#      --always --dirty of that checkout, which names the binary only when it was built from that
#      checkout as it stands), else "spancap (OLD: NAME, sha256 HASH)" (the first 12 hex digits of
#      the binary's SHA-256), NAME being the binary's file name, never its (often temporary) path.
#  11. time inside spancap's kernel programs per request of the demo service at 1% of traces:
#      spancap --sample-traces 0.01 -- the demo (WORKLOAD_THREADS workers, WORKLOAD_RATE requests
#      per second each, DEMO_REQUESTS requests each), kernel.bpf_stats of its five programs read
#      once the demo ended (run_time_ns and run_cnt, summed per program); with OLD, the older
#      spancap in the same passes (its row labelled as in section 10).
#  12. time inside spancap's kernel programs per process spawned in a trace left out: spancap
#      --sample-traces 0.01 -- bench/spawn_bench, its thread attached to a context whose trace
#      1% leaves out, spawning /bin/true SPAWNS times with no pause, by fork+execve and by
#      posix_spawn; kernel.bpf_stats of its five programs read once the loop ended, as in
#      section 11; with OLD, the older spancap in the same passes (labelled as in section 10).
#
# Usage: bench/run_bench.sh [BUILD]   (root; BPF; not run by make test)
# Knobs (environment):
#   RESULTS=FILE        report path (default bench/RESULTS.md)
#   BENCH_COMMAND=TEXT  the command quoted in the report (default: this script's command line)
#   SECTIONS="..."      sections to run: syscall workload capture replay index components
#                       kernel recorder ring large spawn demobpf spawnbpf (default all)
#   ROUNDS=N            interleaved passes per section (default 5)
#   CALLS=N             operations per syscall_bench round (default 100000); INNER=N rounds per
#                       run, the run's figure is their median (default 3); SLOW_DIV=N divides
#                       CALLS for perf trace and strace, which are slow (default 10)
#   OPS="..."           syscall_bench operations (default: getppid openclose write64 pread4k)
#   SYSCALL_CONFIGS="..."  section 1's configurations (default: all; names in config_label)
#   WORKLOAD_SECONDS=S  demo service run length (default 5); WORKLOAD_RATE=R requests per second
#                       per worker (default 100); WORKLOAD_THREADS=N workers (default 2)
#   RAMP_RATES="..."    offered events per second of the ramp (default 100000 .. 1600000);
#                       STEP_SECONDS=S per step (default 3)
#   CPU_SECONDS=S       length of the CPU-per-event run (default 3); CPU_RATE=R paces its
#                       producer (default 0: unpaced, the figure's point; the smoke run paces
#                       it at 200000/s so that a faster machine records no more)
#   BYTES_CALLS=N       getppid calls for the bytes-per-event comparison (default 1000000)
#   RING_SECONDS=S      --ring of section 8 (default 1: segments of 0.25 s, the most segment
#                       starts per second, the worst case), and RING_LONG_SECONDS=S a longer
#                       one measured in the same passes (default 10); RING_SIZE=SIZE their
#                       --ring-size (default 64M, spancap's default)
#   REPLAY_EVENTS=N     syscalls in the replay captures (default 21000000)
#   COMPONENT_RECORDS=N records for format_bench and analyze_bench (default 10000000)
#   RECORDER_EVENTS=N   events per recorder_bench run of section 7 (default 5000000)
#   LARGE_RECORDS=N     records of section 9's capture (default 90000000: about 1 GB at ~11
#                       bytes a record); LARGE_ROUNDS=N its passes (default 1); LARGE_DIR="..."
#                       directories to choose its file's place from (default: /var/tmp, /tmp,
#                       the build directory, $HOME: the one with the most free space)
#   RECORDER_BEFORE=REV the git revision section 7 measures as "before" (default 910f03a,
#                       the main commit before the syscall path by fields and the compressor
#                       thread)
#   SPAWNS=N            children spawned per run of sections 10 and 12 (default 300)
#   DEMO_REQUESTS=N     requests per worker of a run of section 11 (default 500)
#   BENCH_SMOKE=1       a few seconds per section (CI): small counts, one pass, two ramp steps
#   SPANCAP=PATH        the spancap binary (default $BUILD/spancap)
#   OLD=PATH            an older spancap measured in the same passes as section 1's "context"
#                       row (before/after a change under the same load), and in section 10's and
#                       11's and 12's passes (its rows are labelled as section 10 above says)
#   SPLICE=1            with SECTIONS a subset: the sections of this run replace (or are added
#                       to) those of the same number in the existing RESULTS, whose header
#                       gains a row per section naming this run (date, command, load, git)
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."
# shellcheck source=bench/gated_start.sh
. bench/gated_start.sh
SMOKE=${BENCH_SMOKE:-0}
RESULTS=${RESULTS:-bench/RESULTS.md}
BENCH_COMMAND=${BENCH_COMMAND:-"$0 $*"}
SECTIONS=${SECTIONS:-syscall workload capture replay index components kernel recorder ring large spawn demobpf spawnbpf}
if [ "$SMOKE" = 1 ]; then
	ROUNDS=${ROUNDS:-1} CALLS=${CALLS:-2000} INNER=${INNER:-1} SLOW_DIV=${SLOW_DIV:-4}
	WORKLOAD_SECONDS=${WORKLOAD_SECONDS:-1} RAMP_RATES=${RAMP_RATES:-"20000 40000"}
	STEP_SECONDS=${STEP_SECONDS:-1} CPU_SECONDS=${CPU_SECONDS:-1} CPU_RATE=${CPU_RATE:-200000}
	BYTES_CALLS=${BYTES_CALLS:-20000} REPLAY_EVENTS=${REPLAY_EVENTS:-100000}
	COMPONENT_RECORDS=${COMPONENT_RECORDS:-100000} RECORDER_EVENTS=${RECORDER_EVENTS:-200000}
	LARGE_RECORDS=${LARGE_RECORDS:-200000} SPAWNS=${SPAWNS:-20} DEMO_REQUESTS=${DEMO_REQUESTS:-20}
fi
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-100000}
INNER=${INNER:-3}
SLOW_DIV=${SLOW_DIV:-10}
OPS=${OPS:-getppid openclose write64 pread4k}
WORKLOAD_SECONDS=${WORKLOAD_SECONDS:-5}
WORKLOAD_RATE=${WORKLOAD_RATE:-100}
WORKLOAD_THREADS=${WORKLOAD_THREADS:-2}
RAMP_RATES=${RAMP_RATES:-100000 200000 300000 400000 600000 800000 1000000 1200000 1600000}
STEP_SECONDS=${STEP_SECONDS:-3}
CPU_SECONDS=${CPU_SECONDS:-3}
CPU_RATE=${CPU_RATE:-0}
RING_SECONDS=${RING_SECONDS:-1}
RING_LONG_SECONDS=${RING_LONG_SECONDS:-10}
RING_SIZE=${RING_SIZE:-64M}
BYTES_CALLS=${BYTES_CALLS:-1000000}
REPLAY_EVENTS=${REPLAY_EVENTS:-21000000}
COMPONENT_RECORDS=${COMPONENT_RECORDS:-10000000}
RECORDER_EVENTS=${RECORDER_EVENTS:-5000000}
RECORDER_BEFORE=${RECORDER_BEFORE:-910f03a}
LARGE_RECORDS=${LARGE_RECORDS:-90000000}
LARGE_ROUNDS=${LARGE_ROUNDS:-1}
SPAWNS=${SPAWNS:-300}
SPANCAP=${SPANCAP:-$BUILD/spancap}
ANALYZE=$BUILD/spancap-analyze
B=$BUILD/bench/syscall_bench
DEMO=$BUILD/samples/spancap-demo-service
EMPTY=$BUILD/gen/spancap_empty.bpf.o
BOUND=$BUILD/gen/spancap_bound.bpf.o
NCPU=$(nproc)

for f in "$SPANCAP" "$ANALYZE" "$B" "$DEMO" "$EMPTY" "$BOUND" "$BUILD/bench/analyze_bench" \
	"$BUILD/bench/format_bench" "$BUILD/bench/recorder_bench" "$BUILD/bench/recheck_bench" \
	"$BUILD/bench/spawn_bench"; do
	[ -e "$f" ] || { echo "run_bench: $f is missing (make bench-build first)" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "run_bench: jq is missing (make deps)" >&2; exit 1; }

tmp=$(mktemp -d /var/tmp/spancap-bench.XXXXXX)
idle=
cleanup() {
	[ -n "$idle" ] && kill "$idle" 2>/dev/null
	# sections 11 and 12 turn the kernel's program statistics on
	[ -n "${db_old_stats:-}" ] && sysctl -qw kernel.bpf_stats_enabled="$db_old_stats"
	rm -rf "$tmp"
}
trap cleanup EXIT
log() { echo "run_bench: $*" >&2; }

# bpftrace and perf trace need tracefs for tracepoint probes.
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

# ---- statistics ------------------------------------------------------------------------------
# Values are kept as space-separated lists; a failed run adds nothing (its reason is kept).
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]}'; }
minv() { tr ' ' '\n' | grep . | sort -g | head -n 1; }
maxv() { tr ' ' '\n' | grep . | sort -g | tail -n 1; }
count() { tr ' ' '\n' | grep -c . || true; }
isnum() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; }
# "median [min-max]" of a list, with printf format $2, or "n/a: $3" for an empty list.
cell() {
	local l=$1 fmt=$2 why=${3:-no successful run}
	if [ "$(echo "$l" | count)" -eq 0 ]; then
		echo "n/a: $why"
		return
	fi
	awk -v m="$(echo "$l" | median)" -v lo="$(echo "$l" | minv)" -v hi="$(echo "$l" | maxv)" \
		-v f="$fmt" 'BEGIN{printf f " [" f "-" f "]\n", m, lo, hi}'
}

# ---- peers: can each one run here? -------------------------------------------------------------
declare -A unavailable
check_peer() { # name command...
	local name=$1
	shift
	if ! command -v "$1" >/dev/null; then
		unavailable[$name]="$1 is not installed (make deps)"
	elif ! "$@" >"$tmp/peer.out" 2>&1; then
		unavailable[$name]="$(grep -m 1 -i 'error\|fail\|denied\|not' "$tmp/peer.out" | cut -c1-100 | tr '|' '/')"
		[ -n "${unavailable[$name]}" ] || unavailable[$name]="$1 failed on a trial run"
	fi
}
check_peer bpftrace timeout 20 bpftrace -e 'BEGIN { exit(); }'
check_peer perf-trace timeout 20 perf trace -o "$tmp/pt.trial" -- true
check_peer strace strace -f -o "$tmp/st.trial" -- true
check_peer perf-record timeout 20 perf record -q -e raw_syscalls:sys_enter -o "$tmp/pr.trial" -- true
check_peer gnu-time /usr/bin/time -f %M true

# ---- 1. per-syscall overhead --------------------------------------------------------------------

# The runs below print syscall_bench's figure (ns per operation) on stdout, nothing on failure.
run_plain() { "$B" -n "$CALLS" -r "$INNER" "$@" | tail -n 1; }

run_floor() { "$B" -n "$CALLS" -r "$INNER" --floor "$EMPTY" "$@" | tail -n 1; }

# The least work of a recorder: the bench itself loads bpf/spancap_bound.bpf.c and drains its
# ring buffer; the bench's stderr says how many of the events carried its context.
run_bound() { "$B" -n "$CALLS" -r "$INNER" --floor "$BOUND" "$@" | tail -n 1; }

# Start the bench under spancap, wait until spancap has resolved it and the bench is ready,
# then let it go. With --attrs the bench publishes its process context before "ready":
# spancap re-resolves on that publication, unless it first resolved the process after it.
run_observed() { # spancap-binary "spancap options" bench args...
	local bin=$1 opts=$2
	shift 2
	gated_spancap "$tmp" "$bin" "$opts" "$B" -n "$CALLS" -r "$INNER" --wait "$@"
	case " $* " in *" --attrs "*)
		for _ in $(seq 1 50); do
			grep -qF "(process context published)" "$tmp/err" && break
			sleep 0.01
		done ;;
	esac
	gated_go "$tmp"
	wait "$gated_pid" && tail -n 1 "$tmp/out"
}

run_unobserved() { # bench args...
	local sp
	sleep 1000 &
	idle=$!
	"$SPANCAP" -q -w "$tmp/idle.scap" -p $idle 2>/dev/null &
	sp=$!
	sleep 0.3
	run_plain "$@"
	kill -INT $sp
	wait $sp
	kill $idle
	wait $idle 2>/dev/null
	idle=
}

# Waits up to 5 s for a tracer to exit, then asks it to (SIGINT), then kills it.
stop_pid() {
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "$1" 2>/dev/null && sleep 1
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

run_bpftrace() { # bench args...
	local bp bt
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	"$B" -n "$CALLS" -r "$INNER" --wait "$@" <"$tmp/go" >"$tmp/out" &
	bp=$!
	exec 8>"$tmp/go"
	# It also exits by itself when the bench does (SIGTERM alone was seen to be missed).
	bpftrace -e "tracepoint:raw_syscalls:sys_enter /pid == $bp/ { @c = count(); }
		tracepoint:sched:sched_process_exit /pid == $bp/ { exit(); }" >"$tmp/bt" 2>&1 &
	bt=$!
	for _ in $(seq 1 2000); do
		grep -q Attaching "$tmp/bt" && grep -q ready "$tmp/out" && break
		sleep 0.01
	done
	sleep 0.3 # "Attaching" is printed just before the attach itself
	echo go >&8
	exec 8>&-
	wait $bp
	stop_pid $bt
	tail -n 1 "$tmp/out"
}

# perf trace and strace start the bench themselves (tracing from exec); the bench times
# only its loop. Each writes one line per syscall to a file, as spancap writes a record.
run_perf_trace() { perf trace -o "$tmp/pt.out" -- "$B" -n $((CALLS / SLOW_DIV)) -r "$INNER" "$@" | tail -n 1; }
run_strace() { strace -f -qq -o "$tmp/st.out" -- "$B" -n $((CALLS / SLOW_DIV)) -r "$INNER" "$@" | tail -n 1; }

SYSCALL_CONFIGS=${SYSCALL_CONFIGS:-baseline floor unobserved observed context filtered sampled-out \
sampled-in bound bound-sampled-out bpftrace perf-trace strace}

# The OLD binary's name in sections 1, 10 and 11: stable across copies of it to temporary paths.
old_label() {
	local rev
	if rev=$(git -C "$(dirname "$OLD")" describe --always --dirty 2>/dev/null); then
		echo "spancap (OLD: $(basename "$OLD"), git $rev)"
	else
		echo "spancap (OLD: $(basename "$OLD"), sha256 $(sha256sum <"$OLD" | cut -c 1-12))"
	fi
}

OLD=${OLD:-}
[ -n "$OLD" ] && SYSCALL_CONFIGS+=" old-context"
declare -A config_label=(
	[baseline]="no tracer"
	[floor]="empty BPF programs (floor)"
	[unobserved]="spancap, process unobserved"
	[observed]="spancap, observed, no context"
	[context]="spancap, observed, context + attributes"
	[filtered]="spancap, observed, not selected (-e)"
	[sampled-out]="spancap, observed, context + attributes, trace left out (--sample-traces 0.01)"
	[sampled-in]="spancap, observed, context + attributes, trace kept (--sample-traces 0.95)"
	[old-context]="${OLD:+$(old_label), context + attributes}"
	[bound]="least work of a recorder, context + attributes"
	[bound-sampled-out]="least work of a recorder, context + attributes, trace left out (0.01)"
	[bpftrace]="bpftrace counting the pid's syscalls"
	[perf-trace]="perf trace -o FILE"
	[strace]="strace -f -o FILE"
)
declare -A config_peer=([bpftrace]=bpftrace [perf-trace]=perf-trace [strace]=strace)
declare -A sres sfail spass

syscall_run() { # config op threads
	local c=$1 op=$2 thr=$3 v=
	local args=(--op "$op" --threads "$thr")
	local peer=${config_peer[$c]:-}
	[ -n "$peer" ] && [ -n "${unavailable[$peer]:-}" ] && return
	case $c in
	baseline) v=$(run_plain "${args[@]}") ;;
	floor) v=$(run_floor "${args[@]}") ;;
	unobserved) v=$(run_unobserved "${args[@]}") ;;
	observed) v=$(run_observed "$SPANCAP" "" "${args[@]}") ;;
	context) v=$(run_observed "$SPANCAP" "" "${args[@]}" --attrs) ;;
	filtered) v=$(run_observed "$SPANCAP" "-e connect" "${args[@]}" --attrs) ;;
	# syscall_bench's trace id is 11 repeated: R = 0x11111111111111, about 0.067 * 2^56
	sampled-out) v=$(run_observed "$SPANCAP" "--sample-traces 0.01" "${args[@]}" --attrs) ;;
	sampled-in) v=$(run_observed "$SPANCAP" "--sample-traces 0.95" "${args[@]}" --attrs) ;;
	old-context) v=$(run_observed "$OLD" "" "${args[@]}" --attrs) ;;
	bound) v=$(run_bound "${args[@]}" --attrs) ;;
	bound-sampled-out) v=$(run_bound "${args[@]}" --attrs --bound-sample 0.01) ;;
	bpftrace) v=$(run_bpftrace "${args[@]}") ;;
	perf-trace) v=$(run_perf_trace "${args[@]}") ;;
	strace) v=$(run_strace "${args[@]}") ;;
	esac 2>>"$tmp/errors.log"
	if isnum "$v"; then
		sres[$c/$op/$thr]+="$v "
		spass[$c/$op/$thr/${r:-0}]=$v # r: section_syscall's pass
	else
		sfail[$c/$op/$thr]=$((${sfail[$c/$op/$thr]:-0} + 1))
		log "$c $op threads=$thr failed: ${v:-no output}"
	fi
}

section_syscall() {
	local r op thr c
	for r in $(seq 1 "$ROUNDS"); do
		for op in $OPS; do
			for thr in 1 0; do
				for c in $SYSCALL_CONFIGS; do
					syscall_run "$c" "$op" "$thr"
				done
			done
		done
		log "syscall overhead: pass $r of $ROUNDS done"
	done
	{
		echo "## 1. Per-syscall overhead"
		echo
		echo "\`bench/syscall_bench\`: each thread runs the operation $CALLS times per round" \
			"(perf trace and strace: $((CALLS / SLOW_DIV))), $INNER rounds per run, the run's" \
			"figure is their median (ns per operation per thread); each row is the median" \
			"[min-max] of $ROUNDS runs, configurations interleaved. openclose is one" \
			"openat + one close; write64 writes 64 bytes to /dev/null; pread4k reads 4 KiB" \
			"at offset 0 of a file in the page cache. \"all\" is one thread per CPU ($NCPU)." \
			"Added ns is over \"no tracer\"; x floor divides it by the empty programs' added ns." \
			"\"Least work of a recorder\" is bpf/spancap_bound.bpf.c: per syscall only what" \
			"recording it with its context takes (thread state, two clock reads, the TLS slot" \
			"and the record header, one 120-byte ring-buffer event; the bench drains the ring);" \
			"with its trace left out, the same program deciding as --sample-traces 0.01 does:" \
			"the thread state, the TLS slot and the record header, the decision, nothing else."
		echo
		echo "| op | threads | configuration | ns/op median [min-max] | added ns | x floor |"
		echo "|---|---|---|---|---|---|"
		for op in $OPS; do
			for thr in 1 0; do
				local tl=$thr base floor
				[ "$thr" = 0 ] && tl="all ($NCPU)"
				base=$(echo "${sres[baseline/$op/$thr]:-}" | median)
				floor=$(echo "${sres[floor/$op/$thr]:-}" | median)
				for c in $SYSCALL_CONFIGS; do
					local l=${sres[$c/$op/$thr]:-} peer=${config_peer[$c]:-} why added xf m
					why="failed in ${sfail[$c/$op/$thr]:-0} of $ROUNDS runs (see stderr)"
					[ -n "$peer" ] && [ -n "${unavailable[$peer]:-}" ] && why=${unavailable[$peer]}
					if [ -z "$l" ]; then
						echo "| $op | $tl | ${config_label[$c]} | n/a: $why | n/a: $why | n/a: $why |"
						continue
					fi
					m=$(echo "$l" | median)
					added="n/a: no baseline"
					xf="n/a: no floor"
					if [ -n "$base" ]; then
						added=$(awk -v m="$m" -v b="$base" 'BEGIN{printf "%.0f", m - b}')
						[ -n "$floor" ] && xf=$(awk -v m="$m" -v b="$base" -v f="$floor" \
							'BEGIN{if (f - b <= 0) print "n/a: floor added <= 0 ns";
							       else printf "%.2f", (m - b) / (f - b)}')
					fi
					echo "| $op | $tl | ${config_label[$c]} | $(cell "$l" %.0f) | $added | $xf |"
				done
			done
		done
		echo
		case " $SYSCALL_CONFIGS " in *" sampled-out "*) sampling_ratios ;; esac
	} >>"$tmp/report"
}

# What a syscall left out by trace sampling adds, against a recorded one (issue 19's target:
# at most 0.35x), from the medians above, and the same ratio per pass (passes interleave the
# configurations, so each pass's runs shared its load): median [min-max] over the passes.
sampling_ratios() {
	local op thr tl base rec out floor r fr i per least ladd lr
	echo "Trace sampling: added ns of an in-span syscall whose trace is left out" \
		"(--sample-traces 0.01) over added ns of the same syscall recorded (\"context +" \
		"attributes\", no sampling), from the medians; \"per pass\" is the same ratio" \
		"within each pass, median [min-max]. \"Least work\" is the least-work program" \
		"deciding by trace (the context read and the decision only): what any recorder that" \
		"decides by trace pays for a syscall it leaves out, against the same recorded syscall." \
		"\"Floor / recorded\": the empty programs' added ns over the recorded syscall's, what" \
		"any program on the syscall tracepoints costs a syscall before it reads anything."
	echo
	echo "| op, threads | recorded: added ns | left out: added ns | least work, left out: added ns | floor: added ns | left out / recorded | least work left out / recorded | floor / recorded | per pass |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for op in $OPS; do
		for thr in 1 0; do
			tl=$thr
			[ "$thr" = 0 ] && tl="all ($NCPU)"
			base=$(echo "${sres[baseline/$op/$thr]:-}" | median)
			rec=$(echo "${sres[context/$op/$thr]:-}" | median)
			out=$(echo "${sres[sampled-out/$op/$thr]:-}" | median)
			floor=$(echo "${sres[floor/$op/$thr]:-}" | median)
			least=$(echo "${sres[bound-sampled-out/$op/$thr]:-}" | median)
			if [ -z "$base" ] || [ -z "$rec" ] || [ -z "$out" ] || [ -z "$floor" ]; then
				echo "| $op, $tl |$(printf ' n/a: a configuration failed |%.0s' 1 2 3 4 5 6 7 8)"
				continue
			fi
			if [ -n "$least" ]; then
				ladd=$(awk -v m="$least" -v b="$base" 'BEGIN{printf "%.0f", m - b}')
				lr=$(awk -v b="$base" -v c="$rec" -v o="$least" 'BEGIN{if (c - b <= 0)
					print "n/a: recorded added <= 0 ns"; else printf "%.2f", (o - b) / (c - b)}')
			else
				ladd="n/a: not run"
				lr="n/a: not run"
			fi
			r=$(awk -v b="$base" -v c="$rec" -v o="$out" 'BEGIN{if (c - b <= 0)
				print "n/a: recorded added <= 0 ns"; else printf "%.2f", (o - b) / (c - b)}')
			fr=$(awk -v b="$base" -v c="$rec" -v f="$floor" 'BEGIN{if (c - b <= 0)
				print "n/a: recorded added <= 0 ns"; else printf "%.2f", (f - b) / (c - b)}')
			per=""
			for i in $(seq 1 "$ROUNDS"); do
				local pb=${spass[baseline/$op/$thr/$i]:-} pc=${spass[context/$op/$thr/$i]:-}
				local po=${spass[sampled-out/$op/$thr/$i]:-}
				[ -n "$pb" ] && [ -n "$pc" ] && [ -n "$po" ] || continue
				per+=$(awk -v b="$pb" -v c="$pc" -v o="$po" \
					'BEGIN{if (c - b > 0) printf "%.3f ", (o - b) / (c - b)}')
			done
			echo "| $op, $tl | $(awk -v m="$rec" -v b="$base" 'BEGIN{printf "%.0f", m - b}') |" \
				"$(awk -v m="$out" -v b="$base" 'BEGIN{printf "%.0f", m - b}') | $ladd |" \
				"$(awk -v m="$floor" -v b="$base" 'BEGIN{printf "%.0f", m - b}') |" \
				"$r | $lr | $fr | $(cell "$per" %.2f "recorded added <= 0 ns in every pass") |"
		done
	done
	echo
}

# ---- 2. realistic workload ----------------------------------------------------------------------

# Prints "p50_ms p99_ms requests_per_s" from a truth log.
latency_of() {
	local n span
	jq -r 'select(.type == "request") | "\(.start_ns) \(.end_ns)"' "$1" >"$tmp/req" || return 1
	n=$(grep -c . "$tmp/req")
	[ "$n" -ge 2 ] || return 1
	span=$(awk 'NR == 1 || $1 < s {s = $1} $2 > e {e = $2} END {printf "%.6f", (e - s) / 1e9}' "$tmp/req")
	awk '{print $2 - $1}' "$tmp/req" | sort -n |
		awk -v n="$n" -v span="$span" '{d[NR] = $1}
		     END {i50 = int(n * 0.50 + 0.5); i99 = int(n * 0.99 + 0.5);
		          if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1;
		          printf "%.3f %.3f %.1f\n", d[i50] / 1e6, d[i99] / 1e6, n / span}'
}

declare -A wp50 wp99 wtput wfail
WORKLOAD_CONFIGS="none floor spancap spancap-1pct spancap-1pct-low"

# Runs "$@" while the empty programs (the floor of section 1) are attached to the syscall
# tracepoints: syscall_bench --floor holds them from before "ready" until its exit, which the
# line it waits for starts (a paced run of 0.1 s).
with_floor() {
	local fp rc
	rm -f "$tmp/floor-go"
	mkfifo "$tmp/floor-go"
	"$B" --floor "$EMPTY" --wait --seconds 0.1 --rate 10 <"$tmp/floor-go" >"$tmp/floor-out" \
		2>>"$tmp/errors.log" &
	fp=$!
	exec 7>"$tmp/floor-go"
	for _ in $(seq 1 1000); do
		grep -q ready "$tmp/floor-out" && break
		kill -0 "$fp" 2>/dev/null || break
		sleep 0.01
	done
	if grep -q ready "$tmp/floor-out"; then
		"$@" 7>&- # the command does not inherit the fifo's write end
		rc=$?
	else
		rc=1
	fi
	(echo go >&7) 2>/dev/null # in a subshell: a reader already gone kills it, not this script
	exec 7>&-
	wait "$fp" || rc=1
	return $rc
}

workload_run() { # config pass
	local c=$1 r=$2 t="$tmp/truth.jsonl" v
	local args=(--threads "$WORKLOAD_THREADS" --rate "$WORKLOAD_RATE" --requests 100000
		--duration "$WORKLOAD_SECONDS" --truth "$t")
	rm -f "$t"
	case $c in
	none) "$DEMO" "${args[@]}" >/dev/null 2>>"$tmp/errors.log" ;;
	floor) with_floor "$DEMO" "${args[@]}" >/dev/null 2>>"$tmp/errors.log" ;;
	spancap) "$SPANCAP" -q -w "$tmp/demo.scap" -- "$DEMO" "${args[@]}" >/dev/null \
		2>>"$tmp/errors.log" ;;
	spancap-1pct) "$SPANCAP" -q -w "$tmp/demo.scap" --sample-traces 0.01 -- "$DEMO" \
		"${args[@]}" >/dev/null 2>>"$tmp/errors.log" ;;
	spancap-1pct-low) "$SPANCAP" -q -w "$tmp/demo.scap" --sample-traces 0.01 \
		--sched low -- "$DEMO" "${args[@]}" >/dev/null 2>>"$tmp/errors.log" ;;
	esac
	if [ $? -eq 0 ] && v=$(latency_of "$t"); then
		read -r a b d <<<"$v"
		wp50[$c]+="$a "
		wp99[$c]+="$b "
		wtput[$c]+="$d "
		awk '{print $2 - $1}' "$tmp/req" >"$tmp/lat-$c.$r" # every request of the pass
	else
		wfail[$c]=$((${wfail[$c]:-0} + 1))
		log "workload $c failed"
	fi
}

# "p50 p99" in ms of every request of every run of a configuration.
pooled_of() {
	local f=("$tmp/lat-$1".*)
	[ -s "${f[0]}" ] || return 1
	sort -n "${f[@]}" | awk '{d[NR] = $1}
		END {i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5);
		     if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1;
		     printf "%.3f %.3f\n", d[i50] / 1e6, d[i99] / 1e6}'
}

declare -A WORKLOAD_LABEL=([none]="without spancap" [floor]="empty BPF programs (floor)"
	[spancap]="with spancap" [spancap-1pct]="with spancap, 1% of traces"
	[spancap-1pct-low]="1% of traces, --sched low")
# A row of the paired table: a configuration's ratios to "none" pass by pass.
paired_row() { # config
	local v a alo ahi b blo bhi m mlo mhi n
	v=$(python3 bench/paired_ratio.py "$tmp/lat-none" "$tmp/lat-$1" "$ROUNDS") || v=""
	read -r a alo ahi b blo bhi m mlo mhi n <<<"$v"
	if [ -n "${n:-}" ]; then
		echo "| ${WORKLOAD_LABEL[$1]} | $a [$alo-$ahi] | $b [$blo-$bhi] | $m [$mlo-$mhi] | $n |"
	else
		echo "| ${WORKLOAD_LABEL[$1]} | n/a: no pass of both | | | 0 |"
	fi
}

section_workload() {
	local r c order hdr rule
	rm -f "$tmp"/lat-*
	for r in $(seq 1 "$ROUNDS"); do
		# alternating order: a drift of the host over a pass does not favour one position
		order=$WORKLOAD_CONFIGS
		[ $((r % 2)) = 0 ] && order=$(echo "$WORKLOAD_CONFIGS" | tr ' ' '\n' | tac | tr '\n' ' ')
		for c in $order; do workload_run "$c" "$r"; done
		log "workload: pass $r of $ROUNDS done"
	done
	ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b / a}'; else echo "n/a: a configuration failed"; fi; }
	# one table row: label, then per configuration its cell and (but the first) the ratio of
	# its median to the first one's
	row() { # label array-name format
		local -n arr=$2
		local line="| $1 |" base="" m
		for c in $WORKLOAD_CONFIGS; do
			m=$(echo "${arr[$c]:-}" | median)
			line+=" $(cell "${arr[$c]:-}" "$3") |"
			if [ "$c" = none ]; then base=$m; else line+=" $(ratio "$base" "$m") |"; fi
		done
		echo "$line"
	}
	declare -A pp50 pp99
	for c in $WORKLOAD_CONFIGS; do
		read -r pp50[$c] pp99[$c] < <(pooled_of "$c" || echo "")
	done
	{
		echo "## 2. Realistic workload"
		echo
		echo "\`spancap-demo-service --threads $WORKLOAD_THREADS --rate $WORKLOAD_RATE" \
			"--duration $WORKLOAD_SECONDS\` ($((WORKLOAD_THREADS * WORKLOAD_RATE)) requests/s" \
			"offered; each request a trace of file I/O, loopback TCP, deliberate failures," \
			"sleeps and sometimes fork+exec). Latency is each request's root span, start to" \
			"end, from the service's truth log; throughput is requests over first start to" \
			"last end. Median [min-max] of $ROUNDS interleaved runs (the order reversed every" \
			"other pass); \"pooled\" rows: the" \
			"quantile of every request of the $ROUNDS runs together. \"1% of traces\" is" \
			"spancap --sample-traces 0.01 (each request is a trace); \"floor\": no spancap," \
			"but the empty programs of section 1 on both syscall tracepoints (what any" \
			"tracer of every syscall costs before it does anything); \"--sched low\" runs" \
			"spancap's threads after the service's (SCHED_BATCH, nice 19; the default is as" \
			"any process)."
		echo
		hdr="| metric |" rule="|---|"
		for c in $WORKLOAD_CONFIGS; do
			hdr+=" ${WORKLOAD_LABEL[$c]} |" rule+="---|"
			[ "$c" = none ] || hdr+=" ratio |" rule+="---|"
		done
		echo "$hdr"
		echo "$rule"
		row "latency p50 (ms)" wp50 %.3f
		row "latency p99 (ms)" wp99 %.3f
		row "latency p50 (ms), pooled" pp50 %.3f
		row "latency p99 (ms), pooled" pp99 %.3f
		row "throughput (requests/s)" wtput %.1f
		echo
		echo "The same passes as ratios to the run without spancap of the same pass" \
			"(bench/paired_ratio.py): pooled as above, and the median over passes of the" \
			"per-pass p99 ratio, which a pass the host disturbed in one configuration moves" \
			"least. In brackets a 90% interval from 2000 draws of the passes with" \
			"replacement: what this run can resolve."
		echo
		echo "| configuration | p50 ratio, pooled | p99 ratio, pooled | p99 ratio, median of passes | passes |"
		echo "|---|---|---|---|---|"
		for c in $WORKLOAD_CONFIGS; do
			[ "$c" = none ] && continue
			paired_row "$c"
		done
		echo
	} >>"$tmp/report"
}

# ---- 3. capture throughput ----------------------------------------------------------------------

# Loss and syscalls recorded, from the file: "lost syscalls".
file_counts() {
	"$ANALYZE" info --json "$1" 2>/dev/null |
		jq -r '[.hosts[0].end.events_lost // 0, .records.syscall] | @tsv'
}

declare -A ramp_ok ramp_first
ramp_run() { # pass
	local p=$1 rate out lost n achieved best="" bestach="" first=""
	for rate in $RAMP_RATES; do
		if ! out=$("$SPANCAP" -q -w "$tmp/ramp.scap" -- "$B" --seconds "$STEP_SECONDS" \
			--rate "$rate" --threads 0 --ctx 2>>"$tmp/errors.log"); then
			first="spancap or the producer failed at $rate/s"
			break
		fi
		read -r lost n < <(file_counts "$tmp/ramp.scap")
		achieved=$(awk -v n="$n" -v s="$STEP_SECONDS" 'BEGIN{printf "%.0f", n / s}')
		log "ramp: offered $rate/s, recorded $achieved/s, lost $lost ($out)"
		if [ "${lost:-1}" != 0 ]; then
			first="offered $rate/s: $lost lost"
			break
		fi
		best=$rate bestach=$achieved
		# The producer cannot go faster under the capture: the next step would measure it.
		if awk -v a="$achieved" -v r="$rate" 'BEGIN{exit !(a < 0.9 * r)}'; then
			first="none: the producer saturates at $achieved/s (under spancap)"
			break
		fi
	done
	[ -n "$first" ] || first="none up to $rate/s"
	ramp_ok[$p]=$bestach
	ramp_first[$p]=$first
}

# spancap -v -w $tmp/NAME.scap [OPTIONS] -p PID,IDLE on a ready producer (syscall_bench
# getppid with context, one thread, CPU_SECONDS at CPU_RATE; its output in $tmp/NAME.out,
# spancap's in $tmp/NAME.err). An idle process is observed too: spancap -p exits once the
# processes it observes have, and /proc/PID/stat read after its exit gave nothing, which made
# the difference negative. Sets observed_t0 and observed_t1, spancap's utime and stime in ticks
# when the producer starts and 0.5 s after it ended (observed_t1 empty: spancap had ended),
# calls MEASURE with spancap's pid then, stops spancap and returns its exit status.
observed_run() { # name measure [spancap options]
	local name=$1 measure=$2 sp pid idle
	shift 2
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	"$B" --seconds "$CPU_SECONDS" --rate "$CPU_RATE" --threads 1 --ctx --wait <"$tmp/go" \
		>"$tmp/$name.out" &
	pid=$!
	sleep 600 &
	idle=$!
	exec 8>"$tmp/go"
	"$SPANCAP" -v -w "$tmp/$name.scap" "$@" -p $pid,$idle 2>"$tmp/$name.err" &
	sp=$!
	for _ in $(seq 1 1000); do
		grep -q "resolved via" "$tmp/$name.err" && grep -q ready "$tmp/$name.out" && break
		sleep 0.01
	done
	observed_t0=$(awk '{print $14, $15}' /proc/$sp/stat)
	echo go >&8
	exec 8>&-
	wait $pid
	sleep 0.5 # spancap drains the ring buffer
	observed_t1=$(awk '{print $14, $15}' /proc/$sp/stat 2>/dev/null)
	"$measure" "$sp"
	kill -INT $sp
	kill $idle
	wait $idle 2>/dev/null
	wait $sp
}

# CPU ticks of spancap from the producer's first event to its last (observed_run).
declare -A cpu_user cpu_total cpu_rate
cpu_run() {
	local lost n hz
	hz=$(getconf CLK_TCK)
	observed_run cpu : || { log "cpu run: spancap failed"; return; }
	[ -n "$observed_t1" ] || { log "cpu run: spancap ended before it was measured"; return; }
	read -r lost n < <(file_counts "$tmp/cpu.scap")
	read -r u0 s0 <<<"$observed_t0"
	read -r u1 s1 <<<"$observed_t1"
	[ "${n:-0}" -gt 0 ] || return
	cpu_user[x]+="$(awk -v u=$((u1 - u0)) -v n="$n" -v hz="$hz" 'BEGIN{printf "%.1f", u / hz * 1e9 / n}') "
	cpu_total[x]+="$(awk -v u=$((u1 - u0 + s1 - s0)) -v n="$n" -v hz="$hz" 'BEGIN{printf "%.1f", u / hz * 1e9 / n}') "
	cpu_rate[x]+="$(awk -v n="$n" -v s="$CPU_SECONDS" 'BEGIN{printf "%.0f", n / s}') "
}

# Bytes per syscall of the same producer: spancap (zstd, -u) and perf record (plain, -z).
declare -A bytes bsamples
bytes_run() { # config
	local c=$1 f="$tmp/bytes.out" size samples=""
	local cmd=("$B" -n "$BYTES_CALLS" -r 1 --ctx)
	rm -f "$f"
	case $c in
	spancap) "$SPANCAP" -q -w "$f" -- "${cmd[@]}" >/dev/null 2>>"$tmp/errors.log" ;;
	spancap-u) "$SPANCAP" -q -u -w "$f" -- "${cmd[@]}" >/dev/null 2>>"$tmp/errors.log" ;;
	perf | perf-z)
		local z=()
		[ "$c" = perf-z ] && z=(-z)
		perf record "${z[@]}" -q -m 16M -e raw_syscalls:sys_enter,raw_syscalls:sys_exit \
			-o "$f" -- "${cmd[@]}" >/dev/null 2>"$tmp/perf.err"
		samples=$(perf report -i "$f" --stats 2>/dev/null | awk '/SAMPLE events:/ {print $3; exit}')
		;;
	esac
	[ -s "$f" ] || { log "bytes $c: no file"; return; }
	size=$(stat -c %s "$f")
	bytes[$c]+="$(awk -v s="$size" -v n="$BYTES_CALLS" 'BEGIN{printf "%.2f", s / n}') "
	[ -n "$samples" ] && bsamples[$c]+="$samples "
	return 0
}

section_capture() {
	local r c
	for r in $(seq 1 "$ROUNDS"); do
		ramp_run "$r"
		cpu_run
		for c in spancap spancap-u perf perf-z; do
			case $c in perf*) [ -n "${unavailable[perf-record]:-}" ] && continue ;; esac
			bytes_run $c
		done
		log "capture: pass $r of $ROUNDS done"
	done
	local oks="" firsts="" p
	for p in $(seq 1 "$ROUNDS"); do
		oks+="${ramp_ok[$p]:-} "
		firsts+="pass $p: ${ramp_first[$p]:-?}; "
	done
	{
		echo "## 3. Capture throughput"
		echo
		echo "Ramp: \`spancap -- syscall_bench --seconds $STEP_SECONDS --rate R --threads 0" \
			"--ctx\` ($NCPU getppid threads with context, paced), R in $RAMP_RATES events/s;" \
			"after each step \`spancap-analyze info --json\` gives the events lost (END" \
			"record). The figure is the syscalls recorded per second at the highest step" \
			"with no loss. CPU: \`spancap -p\` on an unpaced one-thread producer for" \
			"$CPU_SECONDS s, utime and stime of spancap (/proc/PID/stat) from the start of the" \
			"loop to 0.5 s after its end, over the syscalls recorded. Bytes:" \
			"\`syscall_bench -n $BYTES_CALLS -r 1 --ctx\` (getppid, one thread), file size" \
			"over its $BYTES_CALLS getppid calls, under \`spancap\`, \`spancap -u\`," \
			"\`perf record -m 16M -e raw_syscalls:sys_enter,raw_syscalls:sys_exit\` and the" \
			"same with \`-z\` (perf records two samples per syscall). Median [min-max] of" \
			"$ROUNDS passes."
		echo
		echo "| metric | value |"
		echo "|---|---|"
		echo "| max events/s with no loss | $(cell "$oks" %.0f "the first step lost events") |"
		echo "| first loss | ${firsts% } |"
		echo "| spancap user CPU per event (ns) | $(cell "${cpu_user[x]:-}" %.1f) |"
		echo "| spancap user+system CPU per event (ns) | $(cell "${cpu_total[x]:-}" %.1f) |"
		echo "| events/s during the CPU run | $(cell "${cpu_rate[x]:-}" %.0f) |"
		echo
		echo "| bytes per syscall on disk | value | ratio to spancap |"
		echo "|---|---|---|"
		local sm
		sm=$(echo "${bytes[spancap]:-}" | median)
		for c in spancap spancap-u perf perf-z; do
			local label why="no file written" rt="n/a: no spancap figure"
			case $c in
			spancap) label="spancap (zstd level 1)" ;;
			spancap-u) label="spancap -u (plain pcapng)" ;;
			perf) label="perf record" ;;
			perf-z) label="perf record -z" ;;
			esac
			case $c in perf*) [ -n "${unavailable[perf-record]:-}" ] && why=${unavailable[perf-record]} ;; esac
			local m
			m=$(echo "${bytes[$c]:-}" | median)
			[ -n "$m" ] && [ -n "$sm" ] && rt=$(awk -v a="$m" -v b="$sm" 'BEGIN{printf "%.2f", a / b}')
			[ -z "$m" ] && rt="n/a: $why"
			local extra=""
			[ -n "${bsamples[$c]:-}" ] && extra=" ($(echo "${bsamples[$c]}" | median) samples for $((2 * BYTES_CALLS)) expected)"
			echo "| $label | $(cell "${bytes[$c]:-}" %.2f "$why")$extra | $rt |"
		done
		echo
	} >>"$tmp/report"
}

# ---- 4. replay ----------------------------------------------------------------------------------

declare -A rrate rrss revents
replay_run() { # file-label file command threads
	local label=$1 f=$2 cmd=$3 j=$4 t
	if [ -n "${unavailable[gnu-time]:-}" ]; then
		return
	fi
	if ! /usr/bin/time -f "%e %M" -o "$tmp/time.out" "$ANALYZE" --threads "$j" "$cmd" "$f" \
		>/dev/null 2>>"$tmp/errors.log"; then
		log "replay $cmd -j $j $label failed"
		return
	fi
	read -r t kb <"$tmp/time.out"
	cmd=$cmd/$j
	rrate[$label/$cmd]+="$(awk -v n="${revents[$label]}" -v t="$t" 'BEGIN{if (t < 0.01) t = 0.01; printf "%.0f", n / t}') "
	rrss[$label/$cmd]+="$(awk -v k="$kb" 'BEGIN{printf "%.1f", k / 1024}') "
}

section_replay() {
	local r cmd label
	log "replay: capturing $REPLAY_EVENTS getppid calls with context"
	"$SPANCAP" -q -w "$tmp/real.scap" -- "$B" -n "$REPLAY_EVENTS" -r 1 --ctx >/dev/null \
		2>>"$tmp/errors.log" || log "replay: the capture failed"
	log "replay: writing $REPLAY_EVENTS synthetic records"
	"$BUILD/bench/analyze_bench" -n "$REPLAY_EVENTS" -r 1 -o "$tmp/synth.scap" >/dev/null \
		2>>"$tmp/errors.log" || log "replay: analyze_bench failed"
	for label in real synth; do
		revents[$label]=$(file_counts "$tmp/$label.scap" | cut -f 2)
		revents[$label]=${revents[$label]:-0}
	done
	for r in $(seq 1 "$ROUNDS"); do
		for label in real synth; do
			for cmd in traces spans info; do
				for j in 1 2; do
					[ "${revents[$label]}" -gt 0 ] &&
						replay_run $label "$tmp/$label.scap" $cmd $j
				done
			done
		done
		log "replay: pass $r of $ROUNDS done"
	done
	{
		echo "## 4. Replay"
		echo
		echo "\`spancap-analyze --threads J traces FILE\`, \`spans\` and \`info\` (output to" \
			"/dev/null; J=1: no reader threads, J=2: two threads decompress and decode the" \
			"zstd frames ahead of the replay, run side by side with J=1), wall" \
			"time and peak RSS from GNU time; events are the file's syscall records. real:" \
			"\`spancap -- syscall_bench -n $REPLAY_EVENTS -r 1 --ctx\` (one thread, one span)," \
			"$(stat -c %s "$tmp/real.scap" 2>/dev/null || echo 0) bytes; synthetic:" \
			"\`analyze_bench -o\` (16 threads, a new span every ~40 syscalls, a service's" \
			"syscall mix), $(stat -c %s "$tmp/synth.scap" 2>/dev/null || echo 0) bytes." \
			"Median [min-max] of $ROUNDS interleaved runs."
		echo
		echo "| file | syscall events | command | threads | events/s | peak RSS (MiB) |"
		echo "|---|---|---|---|---|---|"
		local why="failed (see stderr)"
		[ -n "${unavailable[gnu-time]:-}" ] && why=${unavailable[gnu-time]}
		for label in real synth; do
			for cmd in traces spans info; do
				for j in 1 2; do
					echo "| $label | ${revents[$label]} | $cmd | $j | $(cell "${rrate[$label/$cmd/$j]:-}" %.0f "$why") | $(cell "${rrss[$label/$cmd/$j]:-}" %.1f "$why") |"
				done
			done
		done
		echo
	} >>"$tmp/report"
	rm -f "$tmp/real.scap" "$tmp/synth.scap"
}

# ---- 4.1 one trace by the frame index ------------------------------------------------------------

declare -A itime irss
index_run() { # key command...
	local key=$1 t kb
	shift
	if [ -n "${unavailable[gnu-time]:-}" ]; then
		return
	fi
	if ! /usr/bin/time -f "%e %M" -o "$tmp/time.out" "$@" >/dev/null 2>>"$tmp/errors.log"; then
		log "index: $* failed"
		return
	fi
	read -r t kb <"$tmp/time.out"
	itime[$key]+="$t "
	irss[$key]+="$(awk -v k="$kb" 'BEGIN{printf "%.1f", k / 1024}') "
}

section_index() {
	local label r k ids=() f
	declare -A nids
	log "index: writing two captures of $COMPONENT_RECORDS synthetic records"
	"$BUILD/bench/analyze_bench" -n "$COMPONENT_RECORDS" -r 1 -o "$tmp/one.scap" >/dev/null \
		2>>"$tmp/errors.log" || log "index: analyze_bench failed"
	"$BUILD/bench/analyze_bench" -n "$COMPONENT_RECORDS" -r 1 -P 100 -o "$tmp/seq.scap" \
		>/dev/null 2>>"$tmp/errors.log" || log "index: analyze_bench -P failed"
	for label in one seq; do
		# the first, middle and last trace by start
		read -r -a ids < <("$ANALYZE" traces --json "$tmp/$label.scap" 2>>"$tmp/errors.log" |
			jq -r '.traces | [.[0], .[length / 2 | floor], .[-1]] | map(.trace_id) | @tsv')
		nids[$label]=${#ids[@]}
		for k in "${!ids[@]}"; do
			eval "id_${label}_$k=${ids[$k]}"
		done
	done
	for r in $(seq 1 "$ROUNDS"); do
		for label in one seq; do
			f=$tmp/$label.scap
			index_run "$label/traces" "$ANALYZE" traces "$f"
			for k in $(seq 0 $((${nids[$label]} - 1))); do
				eval "id=\$id_${label}_$k"
				# shellcheck disable=SC2154
				index_run "$label/trace" "$ANALYZE" trace "$id" "$f"
				index_run "$label/trace-no-index" "$ANALYZE" trace "$id" --no-index "$f"
			done
		done
		log "index: pass $r of $ROUNDS done"
	done
	{
		echo "## 4.1 One trace by the frame index"
		echo
		echo "\`spancap-analyze traces FILE\` against \`spancap-analyze trace ID FILE\` for the" \
			"first, middle and last trace by start, with the frame index (FORMAT.md 7) and with" \
			"\`--no-index\`; wall time (s) and peak RSS from GNU time, median [min-max] of" \
			"$ROUNDS interleaved passes (trace: over the three traces). one:" \
			"\`analyze_bench -n $COMPONENT_RECORDS\` (one process: every frame holds the" \
			"trace's process; of its frames, those that hold the trace or change a" \
			"descriptor after the last frame that settled it before the trace are read," \
			"by the descriptors each frame changes, format 1.4, FORMAT.md 7.3 rule 7)," \
			"$(stat -c %s "$tmp/one.scap" 2>/dev/null || echo 0) bytes; seq:" \
			"\`analyze_bench -n $COMPONENT_RECORDS -P 100\` (100 processes one after the" \
			"other), $(stat -c %s "$tmp/seq.scap" 2>/dev/null || echo 0) bytes."
		echo
		echo "| file | command | time (s) | share of traces (medians) | peak RSS (MiB) |"
		echo "|---|---|---|---|---|"
		local why="failed (see stderr)" full
		[ -n "${unavailable[gnu-time]:-}" ] && why=${unavailable[gnu-time]}
		for label in one seq; do
			full=$(echo "${itime[$label/traces]:-}" | median)
			for k in traces trace trace-no-index; do
				local share="-" m
				m=$(echo "${itime[$label/$k]:-}" | median)
				[ -n "$m" ] && [ -n "$full" ] &&
					share=$(awk -v a="$m" -v b="$full" 'BEGIN{if (b > 0) printf "%.1f%%", 100 * a / b}')
				echo "| $label | ${k/-no-index/ --no-index} | $(cell "${itime[$label/$k]:-}" %.2f "$why") | $share | $(cell "${irss[$label/$k]:-}" %.1f "$why") |"
			done
		done
		echo
	} >>"$tmp/report"
	rm -f "$tmp/one.scap" "$tmp/seq.scap"
}

# ---- 5. components ------------------------------------------------------------------------------

section_components() {
	{
		echo "## 5. Components"
		echo
		echo "\`format_bench -n $COMPONENT_RECORDS\`, \`analyze_bench -n $COMPONENT_RECORDS -j 2\`" \
			"(synthetic records, one core) and \`recorder_bench -n $COMPONENT_RECORDS\` (the" \
			"capture's user-space path, ring buffer to zstd file, fed by a synthetic BPF" \
			"producer), and \`recheck_bench\` (the periodic re-check of observed processes" \
			"for a process context that appeared, changed or went: 32 processes a second)," \
			"as printed:"
		echo
		echo '```'
		"$BUILD/bench/format_bench" -n "$COMPONENT_RECORDS" 2>&1 || echo "format_bench failed"
		"$BUILD/bench/analyze_bench" -n "$COMPONENT_RECORDS" -j 2 2>&1 ||
			echo "analyze_bench failed"
		"$BUILD/bench/recorder_bench" -n "$COMPONENT_RECORDS" 2>&1 || echo "recorder_bench failed"
		"$BUILD/bench/recheck_bench" -r "$( [ "$SMOKE" = 1 ] && echo 10 || echo 200)" 2>&1 ||
			echo "recheck_bench failed"
		echo '```'
		echo
	} >>"$tmp/report"
}

# ---- 6. time inside the programs ---------------------------------------------------------------

section_kernel() {
	local calls=$((CALLS * 20)) at=1
	# Smoke: long enough a loop to be sampled while it runs.
	[ "$SMOKE" = 1 ] && calls=600000 at=0.3
	{
		echo "## 6. Time inside the syscall programs"
		echo
		echo "\`bench/bpf_prog_cost.sh\` (CALLS=$calls getppid calls per configuration): the" \
			"kernel's own accounting of each program (kernel.bpf_stats, run_time_ns over" \
			"run_cnt), read while the loop runs. It leaves out the syscall, the trampoline and" \
			"the noise of the other CPU that section 1 includes, and adds two clock reads per" \
			"run, which the floor (empty programs) is almost entirely made of. \"bound\" is" \
			"bpf/spancap_bound.bpf.c on the same thread context as \"context\";" \
			"\"bound-sampled-out\" is that program deciding by trace as --sample-traces 0.01" \
			"does (the least work of a syscall left out: the context read and the decision);" \
			"\"sampled-out\" is spancap on that context with its trace left out by" \
			"--sample-traces 0.01."
		echo
		echo '```'
		CALLS=$calls SAMPLE_AT=$at bench/bpf_prog_cost.sh "$BUILD" 2>&1 ||
			echo "bpf_prog_cost.sh failed"
		echo '```'
		echo
	} >>"$tmp/report"
}

# ---- 7. the consumer's CPU per event, before and after --------------------------------------------

# The "before" recorder_bench: the recorder and formats/ of RECORDER_BEFORE, built in $tmp with
# today's bench source (the same measurement); prints its path, or why not on stderr.
build_recorder_before() {
	local d=$tmp/before
	if ! git rev-parse -q --verify "$RECORDER_BEFORE^{commit}" >/dev/null 2>&1; then
		echo "no git revision $RECORDER_BEFORE here" >&2
		return 1
	fi
	mkdir -p "$d" && git archive "$RECORDER_BEFORE" | tar -x -C "$d" || return 1
	{ echo "#define RECORDER_BENCH_BEFORE_THREAD 1"; cat bench/recorder_bench.c; } \
		>"$d/bench/recorder_bench.c"
	if ! make -C "$d" -j"$NCPU" build/bench/recorder_bench >"$tmp/before.log" 2>&1; then
		echo "the build of $RECORDER_BEFORE failed: $(grep -m 1 -E "error|Error" "$tmp/before.log")" >&2
		return 1
	fi
	echo "$d/build/bench/recorder_bench"
}

section_recorder() {
	local before="" why="" cfg out total cons other bytes
	local -A rtot rcons rother rbytes
	local cfgs="before inline thread"
	if [ "$SMOKE" = 1 ]; then
		why="not built in a smoke run" # a build of the whole tree: minutes, not seconds
	else
		before=$(build_recorder_before 2>"$tmp/before.err") ||
			why=$(head -c 200 "$tmp/before.err")
	fi
	for ((r = 1; r <= ROUNDS; r++)); do
		for cfg in $cfgs; do
			case $cfg in
			before) [ -n "$before" ] || continue
				out=$("$before" -n "$RECORDER_EVENTS" 2>&1) ;;
			inline) out=$("$BUILD/bench/recorder_bench" -n "$RECORDER_EVENTS" -i 2>&1) ;;
			thread) out=$("$BUILD/bench/recorder_bench" -n "$RECORDER_EVENTS" 2>&1) ;;
			esac
			total=$(echo "$out" | sed -n 's/.*CPU per event \([0-9.]*\) ns: .*/\1/p')
			cons=$(echo "$out" | sed -n 's/.*consumer thread \([0-9.]*\), .*/\1/p')
			other=$(echo "$out" | sed -n 's/.*other threads \([0-9.]*\) .*/\1/p')
			bytes=$(echo "$out" | sed -n 's/.*, \([0-9.]*\) bytes\/event on disk.*/\1/p')
			isnum "$total" || { log "recorder_bench ($cfg): $out"; continue; }
			rtot[$cfg]+=" $total" rcons[$cfg]+=" $cons" rother[$cfg]+=" $other"
			rbytes[$cfg]+=" $bytes"
		done
	done
	{
		echo "## 7. Consumer CPU per event, before and after"
		echo
		echo "\`recorder_bench -n $RECORDER_EVENTS\` (section 5's user-space path: ring buffer," \
			"recorder, pack, zstd level 1, file), the CPU time of every thread per event:" \
			"the consumer thread's while it consumes, plus the compressor thread's. before:" \
			"the recorder and formats/ of $RECORDER_BEFORE (a plain record built per" \
			"syscall, then packed, then copied; zstd inline), built with this bench source;" \
			"after: this tree, with \`--compress-inline\` (-i) and with the second thread" \
			"(spancap's default with two CPUs). The consumer thread is the one that must keep" \
			"up with the ring buffer; zstd (the compressor thread) is the same work, on the" \
			"same bytes, in every configuration. Median [min-max] of $ROUNDS interleaved runs."
		echo
		echo "| configuration | CPU ns/event, all threads | consumer thread | compressor thread | bytes/event |"
		echo "|---|---|---|---|---|"
		for cfg in $cfgs; do
			local name
			case $cfg in
			before) name="before ($RECORDER_BEFORE), inline" ;;
			inline) name="after, --compress-inline" ;;
			thread) name="after, second thread" ;;
			esac
			local w="failed (see stderr)"
			[ "$cfg" = before ] && [ -z "$before" ] && w=$why
			echo "| $name | $(cell "${rtot[$cfg]:-}" %.1f "$w") | $(cell "${rcons[$cfg]:-}" %.1f "$w") | $(cell "${rother[$cfg]:-}" %.1f "$w") | $(cell "${rbytes[$cfg]:-}" %.1f "$w") |"
		done
		echo
		if [ -n "${rtot[before]:-}" ] && [ -n "${rtot[thread]:-}" ]; then
			awk -v b="$(echo "${rtot[before]}" | median)" \
				-v t="$(echo "${rtot[thread]}" | median)" \
				-v c="$(echo "${rcons[thread]}" | median)" \
				-v z="$(echo "${rother[thread]}" | median)" 'BEGIN {
				printf "After/before (medians): all threads %.2fx; the consumer thread " \
					"alone %.2fx (%.1f ns, target 80); zstd on the second thread %.1f " \
					"ns/event bounds the total.\n", t / b, c / b, c, z }'
			echo
		fi
	} >>"$tmp/report"
}

# ---- 8. the flight recorder ---------------------------------------------------------------------

# Peak RSS (VmHWM, kB) of spancap (pid $1) and the bytes of its ring's memfds, in rss and ring.
ring_measure() { # pid
	local f l
	rss=$(awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null)
	for f in "/proc/$1"/fd/*; do
		l=$(readlink "$f" 2>/dev/null) || continue
		case $l in /memfd:spancap-ring*) ring=$((ring + $(stat -L -c %s "$f"))) ;; esac
	done
}

# observed_run plain (-w) or --ring (no trigger): CPU ticks from the producer's start to 0.5 s
# after its end, peak RSS and the ring's memfds then (ring_measure); the events counted by
# spancap's final line.
declare -A rc_cpu rc_rss rc_ring rc_rate
ring_cost_run() { # plain|ring|long
	local mode=$1 n hz rss="" ring=0 args=()
	hz=$(getconf CLK_TCK)
	[ "$mode" = ring ] && args=(--ring "$RING_SECONDS" --ring-size "$RING_SIZE")
	[ "$mode" = long ] && args=(--ring "$RING_LONG_SECONDS" --ring-size "$RING_SIZE")
	rm -f "$tmp/rc.scap" "$tmp"/rc-*.scap
	observed_run rc ring_measure "${args[@]}" || {
		log "ring cost run ($mode): spancap failed"
		return
	}
	[ -n "$observed_t1" ] && [ -n "$rss" ] || {
		log "ring cost run ($mode): spancap ended early"
		return
	}
	n=$(sed -n 's/^\([0-9]*\) events \(written\|recorded in memory\), .*/\1/p' "$tmp/rc.err")
	[ "${n:-0}" -gt 0 ] || { log "ring cost run ($mode): no event"; return; }
	read -r u0 s0 <<<"$observed_t0"
	read -r u1 s1 <<<"$observed_t1"
	rc_cpu[$mode]+="$(awk -v u=$((u1 - u0 + s1 - s0)) -v n="$n" -v hz="$hz" 'BEGIN{printf "%.1f", u / hz * 1e9 / n}') "
	rc_rss[$mode]+="$(awk -v k="$rss" 'BEGIN{printf "%.1f", k / 1024}') "
	rc_ring[$mode]+="$(awk -v k="$rss" -v b="$ring" 'BEGIN{printf "%.1f", k / 1024 + b / 1048576}') "
	rc_rate[$mode]+="$(awk -v n="$n" -v s="$CPU_SECONDS" 'BEGIN{printf "%.0f", n / s}') "
	[ "$mode" != plain ] && ls "$tmp"/rc-*.scap >/dev/null 2>&1 && log "ring cost run: a file without a trigger"
	return 0
}

# ratio of two medians, or n/a
ratio_of() { # list-a list-b
	local a b
	a=$(echo "$1" | median)
	b=$(echo "$2" | median)
	if [ -n "$a" ] && [ -n "$b" ] && awk -v b="$b" 'BEGIN{exit !(b > 0)}'; then
		awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a / b}'
	else
		echo "n/a: no figure"
	fi
}

section_ring() {
	local r
	for r in $(seq 1 "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			ring_cost_run plain
			ring_cost_run ring
			ring_cost_run long
		else
			ring_cost_run long
			ring_cost_run ring
			ring_cost_run plain
		fi
		log "ring: pass $r of $ROUNDS done"
	done
	{
		echo "## 8. The flight recorder's steady-state cost"
		echo
		echo "The producer of section 3's CPU run (\`syscall_bench --seconds $CPU_SECONDS" \
			"--rate $CPU_RATE --threads 1 --ctx\`, getppid with context) and an idle" \
			"process (so that spancap outlives the producer) under \`spancap -w" \
			"FILE -p PID,IDLE\` and under \`spancap -w FILE --ring $RING_SECONDS --ring-size" \
			"$RING_SIZE -p PID,IDLE\` (and the same with \`--ring $RING_LONG_SECONDS\`) with no trigger (nothing written; segments of" \
			"\`--ring\`/4, at least 0.25 s, each started with a description of the process" \
			"as rotation does), in alternating orders. CPU: utime and stime of spancap" \
			"(/proc/PID/stat) from the start of the loop to 0.5 s after its end, over the" \
			"events spancap counted. RSS: VmHWM then; ring: the bytes of its memfds then" \
			"(not in RSS: written, never mapped). Median [min-max] of $ROUNDS passes; ratios" \
			"of the medians."
		echo
		echo "| flight recorder | spancap -w | spancap --ring $RING_SECONDS | ratio | spancap --ring $RING_LONG_SECONDS | ratio |"
		echo "|---|---|---|---|---|---|"
		ring_row() { # label array format
			local -n a=$2
			echo "| $1 | $(cell "${a[plain]:-}" "$3") | $(cell "${a[ring]:-}" "$3") | $(ratio_of "${a[ring]:-}" "${a[plain]:-}") | $(cell "${a[long]:-}" "$3") | $(ratio_of "${a[long]:-}" "${a[plain]:-}") |"
		}
		ring_row "CPU per event, user+system (ns)" rc_cpu %.1f
		ring_row "spancap peak RSS (MiB)" rc_rss %.1f
		ring_row "spancap peak RSS + ring memory (MiB)" rc_ring %.1f
		ring_row "events/s recorded" rc_rate %.0f
		echo
	} >>"$tmp/report"
}

# ---- 9. a 1 GB capture ----------------------------------------------------------------------------

# The filesystem with the most free space among the candidates: "KiB-free dir".
largest_free() {
	local d
	for d in ${LARGE_DIR:-/var/tmp /tmp "$BUILD" "$HOME"}; do
		[ -d "$d" ] && [ -w "$d" ] || continue
		echo "$(df -Pk "$d" | awk 'NR == 2 {print $4}') $d"
	done | sort -n | tail -n 1
}

declare -A lwall luser lsys lrss
large_run() { # key command...
	local key=$1 t u s kb
	shift
	if ! /usr/bin/time -f "%e %U %S %M" -o "$tmp/time.out" "$@" >/dev/null \
		2>>"$tmp/errors.log"; then
		log "large: $* failed"
		return
	fi
	read -r t u s kb <"$tmp/time.out"
	lwall[$key]+="$t "
	luser[$key]+="$u "
	lsys[$key]+="$s "
	lrss[$key]+="$(awk -v k="$kb" 'BEGIN{printf "%.1f", k / 1024}') "
}

section_large() {
	local r k free dir need f="" size=0 n=0 id="" why="" mid keys
	keys="traces spans files net processes export-csv export-span export-chrome syscalls-span trace"
	if [ -n "${unavailable[gnu-time]:-}" ]; then
		why=${unavailable[gnu-time]}
	else
		read -r free dir < <(largest_free)
		# ~11 bytes a record, and room for the file system to stay usable
		need=$((LARGE_RECORDS * 12 / 1024 + 1048576))
		if [ "${free:-0}" -lt "$need" ]; then
			why="not enough disk space: ${free:-0} KiB free in ${dir:-no directory}, $need KiB needed"
		fi
	fi
	if [ -z "$why" ]; then
		f=$(mktemp "$dir/spancap-large.XXXXXX")
		log "large: writing $LARGE_RECORDS synthetic records to $f ($free KiB free there)"
		if "$BUILD/bench/analyze_bench" -n "$LARGE_RECORDS" -r 1 -o "$f" >"$tmp/large.out" \
			2>>"$tmp/errors.log"; then
			n=$(sed -n 's/^analyze_bench: \([0-9]*\) records.*/\1/p' "$tmp/large.out")
			size=$(stat -c %s "$f")
			# a trace of the middle: the first syscall 1 ms after the middle of the capture
			# (analyze_bench spaces records by 600 ns on average)
			mid=$((LARGE_RECORDS * 600 / 2 / 1000))
			id=$("$ANALYZE" timeline --since "+${mid}us" --until "+$((mid + 1000))us" "$f" \
				2>>"$tmp/errors.log" | sed -n 's/.* trace=\([0-9a-f]*\) .*/\1/p' | head -n 1)
			[ -n "$id" ] || log "large: no trace found in the middle"
		else
			why="analyze_bench failed (see stderr)"
			rm -f "$f"
		fi
	fi
	for r in $(seq 1 "$LARGE_ROUNDS"); do
		[ -z "$why" ] || break
		large_run traces "$ANALYZE" traces "$f"
		large_run spans "$ANALYZE" spans "$f"
		large_run files "$ANALYZE" files "$f"
		large_run net "$ANALYZE" net "$f"
		large_run processes "$ANALYZE" processes "$f"
		large_run export-csv "$ANALYZE" export --format csv "$f"
		large_run export-span "$ANALYZE" export --format otlp-jsonl --granularity span "$f"
		large_run export-chrome "$ANALYZE" export --format chrome "$f"
		large_run syscalls-span "$ANALYZE" syscalls --by span "$f"
		[ -n "$id" ] && large_run trace "$ANALYZE" trace "$id" "$f"
		log "large: pass $r of $LARGE_ROUNDS done"
	done
	[ -n "$f" ] && rm -f "$f"
	{
		echo "## 9. A 1 GB capture"
		echo
		echo "\`spancap-analyze COMMAND FILE\` (output to /dev/null; reader threads: the" \
			"default) on \`analyze_bench -n $LARGE_RECORDS -o FILE\` (one process, 16" \
			"threads, a new span every ~40 syscalls, a service's syscall mix), $size bytes," \
			"$n records, written to the file system with the most free space and removed" \
			"after; trace: \`trace ID\` of the first trace 1 ms after the middle of the" \
			"capture. Wall time, user and system CPU and peak RSS from GNU time; events/s:" \
			"the file's records over the wall time. Issue 20's target: peak RSS <= 100 MiB" \
			"for every report (traces, spans, files, net, processes, export, syscalls)" \
			"on any capture size." \
			"Median [min-max] of $LARGE_ROUNDS pass(es) (LARGE_ROUNDS; the section is long)."
		echo
		echo "| command | wall (s) | user CPU (s) | system CPU (s) | peak RSS (MiB) | events/s |"
		echo "|---|---|---|---|---|---|"
		for k in $keys; do
			local label=$k rate="n/a: ${why:-failed (see stderr)}" m
			case $k in
			export-csv) label="export --format csv" ;;
			export-span) label="export --format otlp-jsonl --granularity span" ;;
			export-chrome) label="export --format chrome" ;;
			syscalls-span) label="syscalls --by span" ;;
			trace) label="trace ID" ;;
			esac
			m=$(echo "${lwall[$k]:-}" | median)
			[ -n "$m" ] && rate=$(awk -v n="$n" -v t="$m" 'BEGIN{if (t < 0.01) t = 0.01; printf "%.0f", n / t}')
			echo "| $label | $(cell "${lwall[$k]:-}" %.2f "${why:-failed (see stderr)}") | $(cell "${luser[$k]:-}" %.2f "${why:-failed (see stderr)}") | $(cell "${lsys[$k]:-}" %.2f "${why:-failed (see stderr)}") | $(cell "${lrss[$k]:-}" %.1f "${why:-failed (see stderr)}") | $rate |"
		done
		echo
	} >>"$tmp/report"
}

# ---- 10. spancap's CPU per spawned process ---------------------------------------------------------

# CPU time (ns) of every thread of pid so far (schedstat: exact, unlike stat's clock ticks).
task_cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END{printf "%d", s}'
}

declare -A sp_cpu sp_dur
# One run: spancap -- a shell that says it runs, waits, spawns n children (or, for n = 0, none
# for a second), says so, waits. The CPU spancap spends (us) and the time (s) between the two
# waits and 0.3 s after, for the events' tail.
spawn_cost_run() { # key spancap-binary n
	local key=$1 bin=$2 n=$3 pid c0 c1 t0 t1
	rm -f "$tmp/sp.go" "$tmp/sp.ready" "$tmp/sp.done" "$tmp/sp.scap"
	mkfifo "$tmp/sp.go" "$tmp/sp.ready" "$tmp/sp.done"
	"$bin" -q -w "$tmp/sp.scap" --sample-traces 0.01 -- sh -c \
		"echo >$tmp/sp.ready; read x <$tmp/sp.go; $BUILD/bench/spawn_bench -n $n >/dev/null; echo >$tmp/sp.done; read x <$tmp/sp.go" \
		2>>"$tmp/errors.log" &
	pid=$!
	if ! timeout 30 cat "$tmp/sp.ready" >/dev/null; then
		log "spawn: $bin did not start its command"
		kill "$pid" 2>/dev/null
		wait "$pid"
		return
	fi
	sleep 0.3 # the shell's exec resolved, spancap idle
	c0=$(task_cpu_ns "$pid")
	t0=$(date +%s%N)
	timeout 30 bash -c 'echo >"$1"' _ "$tmp/sp.go"
	timeout 120 cat "$tmp/sp.done" >/dev/null
	[ "$n" = 0 ] && sleep 1
	sleep 0.3
	c1=$(task_cpu_ns "$pid")
	t1=$(date +%s%N)
	timeout 30 bash -c 'echo >"$1"' _ "$tmp/sp.go" || kill "$pid" 2>/dev/null
	wait "$pid"
	sp_cpu[$key]+="$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.0f", (b - a) / 1000}') "
	sp_dur[$key]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b - a) / 1e9}') "
}

section_spawn() {
	local r k bins="new" label
	[ -n "${OLD:-}" ] && bins="old new"
	for r in $(seq 1 "$ROUNDS"); do
		for k in $bins; do
			local bin=$SPANCAP
			[ "$k" = old ] && bin=$OLD
			if [ $((r % 2)) = 1 ]; then
				spawn_cost_run "$k-0" "$bin" 0
				spawn_cost_run "$k-n" "$bin" "$SPAWNS"
			else
				spawn_cost_run "$k-n" "$bin" "$SPAWNS"
				spawn_cost_run "$k-0" "$bin" 0
			fi
		done
		log "spawn: pass $r of $ROUNDS done"
	done
	{
		echo "## 10. spancap's CPU per spawned process"
		echo
		echo "\`spancap -q -w FILE --sample-traces 0.01 -- sh -c '...'\` whose shell, once" \
			"spancap is idle, runs \`bench/spawn_bench -n $SPAWNS\` (fork, exec /bin/true," \
			"wait for it, pause 5 ms; each child is a fork, an exec and an exit for" \
			"spancap to describe), or the same shell spawning nothing (and waiting 1 s)." \
			"CPU: every thread of spancap (/proc/PID/task/*/schedstat) from the start of" \
			"the loop to 0.3 s after its end. Idle: that CPU per second of the runs" \
			"spawning nothing. Per spawn: the CPU of a spawning run minus the idle rate" \
			"times its length, over $SPAWNS. Median [min-max] of $ROUNDS passes, in" \
			"alternating order."
		echo
		echo "| spancap | CPU per spawn (us) | CPU of a run of $SPAWNS spawns (ms) | its length (s) | idle CPU (ms/s) |"
		echo "|---|---|---|---|---|"
		for k in $bins; do
			label="this tree"
			[ "$k" = old ] && label=$(old_label)
			local idle_l="" per_l="" ms_l="" idle i
			local -a cn dn c0 d0
			read -ra c0 <<<"${sp_cpu[$k-0]:-}"
			read -ra d0 <<<"${sp_dur[$k-0]:-}"
			for i in "${!c0[@]}"; do
				idle_l+="$(awk -v c="${c0[$i]}" -v d="${d0[$i]}" 'BEGIN{printf "%.2f", c / 1000 / d}') "
			done
			idle=$(echo "$idle_l" | median)
			read -ra cn <<<"${sp_cpu[$k-n]:-}"
			read -ra dn <<<"${sp_dur[$k-n]:-}"
			for i in "${!cn[@]}"; do
				ms_l+="$(awk -v c="${cn[$i]}" 'BEGIN{printf "%.1f", c / 1000}') "
				[ -n "$idle" ] && per_l+="$(awk -v c="${cn[$i]}" -v d="${dn[$i]}" -v r="$idle" -v n="$SPAWNS" 'BEGIN{printf "%.1f", (c - r * 1000 * d) / n}') "
			done
			echo "| $label | $(cell "$per_l" %.0f) | $(cell "$ms_l" %.1f) | $(cell "${sp_dur[$k-n]:-}" %.2f) | $(cell "$idle_l" %.2f) |"
		done
		echo
	} >>"$tmp/report"
}

# ---- 11. time inside the kernel programs per request of the demo -------------------------------

DEMO_REQUESTS=${DEMO_REQUESTS:-500}
DEMO_PROGS="handle_sys_enter handle_sys_exit handle_fork handle_exec handle_exit"
# Sections 11 and 12: per KEY, the programs' time per unit (us) and, per KEY.PROGRAM, the ns
# per call and the calls per unit, one figure per pass.
declare -A bpf_us bpf_ns bpf_calls
# Ids of the loaded programs named handle_*.
handle_prog_ids() {
	bpftool prog show -j | python3 -c '
import json, sys
print(" ".join(str(p["id"]) for p in json.load(sys.stdin) if p.get("name", "").startswith("handle_")))'
}
# "NAME RUN_TIME_NS RUN_CNT" of each program named handle_* loaded since the ids $1 were read
# (those of one spancap), summed per name.
handle_prog_stats() { # ids-before
	bpftool prog show -j | python3 -c '
import json, sys
before = set(sys.argv[1].split())
tot = {}
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("handle_") and str(p["id"]) not in before:
        t = tot.setdefault(p["name"], [0, 0])
        t[0] += p.get("run_time_ns", 0)
        t[1] += p.get("run_cnt", 0)
for name, (ns, cnt) in tot.items():
    print(name, ns, cnt)' "$1"
}
# prog_stats_add KEY UNITS STATS: one pass's figures of handle_prog_stats' STATS, over UNITS
# (requests, spawns).
prog_stats_add() {
	local key=$1 n=$2 out=$3 p
	bpf_us[$key]+="$(echo "$out" | awk -v n="$n" '{s += $2} END{printf "%.2f", s / n / 1000}') "
	for p in $DEMO_PROGS; do
		# the kernel keeps 15 characters of a program's name, as older bpftool prints it
		bpf_ns[$key.$p]+="$(echo "$out" | awk -v p="${p:0:15}" 'substr($1, 1, 15) == p && $3 {printf "%.0f", $2 / $3}') "
		bpf_calls[$key.$p]+="$(echo "$out" | awk -v p="${p:0:15}" -v n="$n" 'substr($1, 1, 15) == p {printf "%.2f", $3 / n}') "
	done
}
# prog_stats_head FIRST-COLUMN UNIT: the table's header and separator rows.
prog_stats_head() {
	local row="| $1 | BPF time per $2 (us) |" p
	for p in $DEMO_PROGS; do row+=" ${p#handle_}: ns per call |"; done
	for p in $DEMO_PROGS; do row+=" ${p#handle_}: calls per $2 |"; done
	echo "$row"
	row="|---|---|"
	for p in $DEMO_PROGS; do row+="---|---|"; done
	echo "$row"
}
# prog_stats_row LABEL KEY: the row of KEY's figures, median [min-max] of its passes.
prog_stats_row() {
	local row p
	row="| $1 | $(cell "${bpf_us[$2]:-}" %.1f) |"
	for p in $DEMO_PROGS; do row+=" $(cell "${bpf_ns[$2.$p]:-}" %.0f) |"; done
	for p in $DEMO_PROGS; do row+=" $(cell "${bpf_calls[$2.$p]:-}" %.2f) |"; done
	echo "$row"
}
# One run: spancap -- a shell that runs the demo, says it is done, waits; the programs' counts
# are read between the two, while they are still loaded.
demo_bpf_run() { # key spancap-binary
	local key=$1 bin=$2 pid before out n=$((WORKLOAD_THREADS * DEMO_REQUESTS))
	rm -f "$tmp/db.go" "$tmp/db.done" "$tmp/db.scap"
	mkfifo "$tmp/db.go" "$tmp/db.done"
	before=$(handle_prog_ids)
	"$bin" -q -w "$tmp/db.scap" --sample-traces 0.01 -- sh -c \
		"$BUILD/samples/spancap-demo-service --threads $WORKLOAD_THREADS --rate $WORKLOAD_RATE --requests $DEMO_REQUESTS --duration 600 >/dev/null; echo >$tmp/db.done; read x <$tmp/db.go" \
		2>>"$tmp/errors.log" &
	pid=$!
	# the demo's end, unless spancap exits first (it never started the shell) or 300 s pass
	timeout 300 cat "$tmp/db.done" >/dev/null &
	local waiter=$!
	while kill -0 "$waiter" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
	done
	if kill -0 "$waiter" 2>/dev/null || ! wait "$waiter"; then
		log "demobpf: the demo did not end under $bin"
		kill "$waiter" "$pid" 2>/dev/null
		pkill -f "$tmp/db.done" 2>/dev/null # the shell, if spancap left it behind
		wait "$pid"
		return
	fi
	out=$(handle_prog_stats "$before")
	timeout 30 bash -c 'echo >"$1"' _ "$tmp/db.go" || kill "$pid" 2>/dev/null
	wait "$pid"
	[ -n "$out" ] || return
	prog_stats_add "demo-$key" "$n" "$out"
}

section_demobpf() {
	local r k bins="new" label order
	[ -n "${OLD:-}" ] && bins="old new"
	db_old_stats=$(sysctl -n kernel.bpf_stats_enabled) || db_old_stats=0
	sysctl -qw kernel.bpf_stats_enabled=1
	for r in $(seq 1 "$ROUNDS"); do
		# alternating order: the second run of a pass measured a few % slower either way
		order=$bins
		[ $((r % 2)) = 0 ] && order=$(echo "$bins" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}')
		for k in $order; do
			if [ "$k" = old ]; then demo_bpf_run old "$OLD"; else demo_bpf_run new "$SPANCAP"; fi
		done
		log "demobpf: pass $r of $ROUNDS done"
	done
	sysctl -qw kernel.bpf_stats_enabled="$db_old_stats"
	db_old_stats=""
	{
		echo "## 11. Time inside the kernel programs per request of the demo"
		echo
		echo "\`spancap -q -w FILE --sample-traces 0.01 -- sh -c '...'\` whose shell runs" \
			"\`spancap-demo-service --threads $WORKLOAD_THREADS --rate $WORKLOAD_RATE" \
			"--requests $DEMO_REQUESTS\` ($((WORKLOAD_THREADS * DEMO_REQUESTS)) requests), then" \
			"waits while kernel.bpf_stats of spancap's programs is read: run_time_ns and" \
			"run_cnt of each, which count every process of the machine (the demo, its" \
			"children, and others at the cost of an unobserved syscall). Per request: their" \
			"sum over the requests. Per call: a program's time over its calls. Median" \
			"[min-max] of $ROUNDS passes, in alternating order."
		echo
		prog_stats_head spancap request
		for k in $bins; do
			label="this tree"
			[ "$k" = old ] && label=$(old_label)
			prog_stats_row "$label" "demo-$k"
		done
		echo
	} >>"$tmp/report"
}

# ---- 12. time inside the kernel programs per process spawned in a trace left out -------------

# A trace id that --sample-traces 0.01 leaves out (its last 7 bytes, 00..01, are the sampling
# key; kept only at a fraction of 1).
SB_TRACE=00000000000000000000000000000001
# One run: spancap -- spawn_bench -t (its thread in the trace left out) -w, released once
# spancap has resolved it (so that the context is read from the first spawn); the programs'
# counts are read once the loop ended ("done"), while spawn_bench waits and they are loaded.
spawn_bpf_run() { # key spancap-binary fork|spawn
	local key=$1 bin=$2 style=$3 before out flag=""
	[ "$style" = spawn ] && flag=-s
	before=$(handle_prog_ids)
	# shellcheck disable=SC2086 # flag: no word or one
	gated_spancap "$tmp" "$bin" "--sample-traces 0.01" \
		"$BUILD/bench/spawn_bench" -n "$SPAWNS" -p 0 -t "$SB_TRACE" -w $flag
	if ! grep -q "resolved via" "$tmp/err" || ! grep -q ready "$tmp/out"; then
		log "spawnbpf: $bin did not resolve spawn_bench in 10 s ($style)"
		cat "$tmp/err" >>"$tmp/errors.log"
		exec 8>&-
		kill "$gated_pid" 2>/dev/null
		wait "$gated_pid"
		return
	fi
	echo go >&8
	# the loop's end, unless spancap exits first or 300 s pass
	for _ in $(seq 1 3000); do
		grep -q '^done$' "$tmp/out" && break
		kill -0 "$gated_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^done$' "$tmp/out"; then
		log "spawnbpf: spawn_bench did not end its loop under $bin ($style)"
		cat "$tmp/err" >>"$tmp/errors.log"
		exec 8>&-
		stop_pid "$gated_pid"
		return
	fi
	out=$(handle_prog_stats "$before")
	exec 8>&- # end of file: spawn_bench exits, and spancap after it
	rm -f "$tmp/go"
	stop_pid "$gated_pid"
	[ -n "$out" ] || return
	prog_stats_add "spawn-$key" "$SPAWNS" "$out"
}

section_spawnbpf() {
	local r k st bins="new" label order
	[ -n "${OLD:-}" ] && bins="old new"
	db_old_stats=$(sysctl -n kernel.bpf_stats_enabled) || db_old_stats=0
	sysctl -qw kernel.bpf_stats_enabled=1
	for r in $(seq 1 "$ROUNDS"); do
		# alternating order, as in section 11
		order=$bins
		[ $((r % 2)) = 0 ] && order=$(echo "$bins" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}')
		for st in fork spawn; do
			for k in $order; do
				if [ "$k" = old ]; then spawn_bpf_run "old-$st" "$OLD" "$st"
				else spawn_bpf_run "new-$st" "$SPANCAP" "$st"; fi
			done
		done
		log "spawnbpf: pass $r of $ROUNDS done"
	done
	sysctl -qw kernel.bpf_stats_enabled="$db_old_stats"
	db_old_stats=""
	{
		echo "## 12. Time inside the kernel programs per process spawned in a trace left out"
		echo
		echo "\`spancap -v -w FILE --sample-traces 0.01 -- bench/spawn_bench -n $SPAWNS -p 0" \
			"-t $SB_TRACE -w [-s]\`: its thread attaches an OTEP 4947 context in a trace that" \
			"1% leaves out (once spancap has resolved it: -v says when), then spawns" \
			"/bin/true $SPAWNS times with no pause between spawns (each spawned, run and" \
			"reaped before the next), by fork and execve, or by posix_spawn (-s: glibc's" \
			"child shares the parent's memory, clone with CLONE_VM | CLONE_VFORK, and makes" \
			"its own syscalls before its exec). Once the loop ended, while spawn_bench waits," \
			"kernel.bpf_stats of spancap's five programs is read: run_time_ns and run_cnt of" \
			"each, which count every syscall of the machine (spawn_bench, its children," \
			"spancap's own, and other processes' at the cost of an unobserved syscall: the" \
			"reason for no pause). Per spawn: their sum over the spawns. Per call: a" \
			"program's time over its calls. Median [min-max] of $ROUNDS passes, spancap" \
			"binaries in alternating order."
		echo
		prog_stats_head "spawn, spancap" spawn
		for st in fork spawn; do
			for k in $bins; do
				label="this tree"
				[ "$k" = old ] && label=$(old_label)
				if [ "$st" = fork ]; then label="fork+execve, $label"; else label="posix_spawn, $label"; fi
				prog_stats_row "$label" "spawn-$k-$st"
			done
		done
		echo
	} >>"$tmp/report"
}

# ---- the report ---------------------------------------------------------------------------------

start=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
t_start=$(date +%s)
load_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
: >"$tmp/report"
for s in $SECTIONS; do
	log "section $s"
	"section_$s"
done
{
	echo "# spancap benchmarks"
	echo
	echo "Generated by \`bench/run_bench.sh\`; do not edit. Every figure comes from the run"
	echo "described here; the machine may be shared and noisy, hence medians with min and max."
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| date | $start ($(( $(date +%s) - t_start )) s) |"
	echo "| command | \`$BENCH_COMMAND\` |"
	echo "| knobs | ROUNDS=$ROUNDS CALLS=$CALLS INNER=$INNER SLOW_DIV=$SLOW_DIV WORKLOAD_SECONDS=$WORKLOAD_SECONDS WORKLOAD_RATE=$WORKLOAD_RATE STEP_SECONDS=$STEP_SECONDS CPU_SECONDS=$CPU_SECONDS CPU_RATE=$CPU_RATE BYTES_CALLS=$BYTES_CALLS REPLAY_EVENTS=$REPLAY_EVENTS RECORDER_EVENTS=$RECORDER_EVENTS RING_SECONDS=$RING_SECONDS RING_LONG_SECONDS=$RING_LONG_SECONDS RING_SIZE=$RING_SIZE LARGE_RECORDS=$LARGE_RECORDS LARGE_ROUNDS=$LARGE_ROUNDS SPAWNS=$SPAWNS DEMO_REQUESTS=$DEMO_REQUESTS BENCH_SMOKE=$SMOKE |"
	echo "| CPU | $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $NCPU online CPUs |"
	echo "| memory | $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) |"
	echo "| kernel | $(uname -r) $(uname -m) |"
	echo "| OS | Debian $(cat /etc/debian_version 2>/dev/null || echo unknown) |"
	echo "| load average | $load_start at the start, $(cut -d ' ' -f 1-3 /proc/loadavg) at the end |"
	echo "| spancap | $("$SPANCAP" --version 2>&1 | head -n 1), git $(git rev-parse --short HEAD 2>/dev/null || echo unknown) |"
	echo "| peers | $(bpftrace --version 2>/dev/null || echo 'bpftrace: none'); $(perf version 2>/dev/null || echo 'perf: none'); $(strace -V 2>/dev/null | head -n 1 || echo 'strace: none') |"
	echo
	cat "$tmp/report"
} >"$RESULTS.tmp"
if [ "${SPLICE:-0}" = 1 ] && [ -s "$RESULTS" ]; then
	# Sections ("## N. ...") of the new report into the old one; the header gets a row
	# "| section N | ... |" saying which run measured it.
	python3 - "$RESULTS" "$RESULTS.tmp" \
		"$start, $(( $(date +%s) - t_start )) s, \`$BENCH_COMMAND\`, ROUNDS=$ROUNDS CPU_SECONDS=$CPU_SECONDS CPU_RATE=$CPU_RATE RING_SECONDS=$RING_SECONDS RING_LONG_SECONDS=$RING_LONG_SECONDS RING_SIZE=$RING_SIZE LARGE_RECORDS=$LARGE_RECORDS LARGE_ROUNDS=$LARGE_ROUNDS SPAWNS=$SPAWNS DEMO_REQUESTS=$DEMO_REQUESTS, load $load_start at the start, $(cut -d ' ' -f 1-3 /proc/loadavg) at the end, git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY' || exit 1
import re, sys
old, new, run = sys.argv[1], sys.argv[2], sys.argv[3]
# Every "## " heading starts a part. "## N. " and "## N.M " parts are sections, keyed by
# number; the others (notes measured by hand) keep their place and are never replaced.
def key(p, i):
    m = re.match(r"## (\d+)(?:\.(\d+))?\.? ", p)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else ("note", i)
def split(text):
    parts = re.split(r"(?m)^(?=## )", text)
    return parts[0], [(key(p, i), p) for i, p in enumerate(parts[1:])]
head, olds = split(open(old).read())
_, fresh = split(open(new).read())
parts = list(olds)
for k, v in fresh:
    if k[0] == "note":
        continue
    v = v if v.endswith("\n\n") else v + "\n"
    at = [i for i, (ok, _) in enumerate(parts) if ok == k]
    if at:
        parts[at[0]] = (k, v)
    else:
        later = [i for i, (ok, _) in enumerate(parts) if ok[0] != "note" and ok > k]
        parts.insert(later[0] if later else len(parts), (k, v))
    label = "%d" % k[0] if not k[1] else "%d.%d" % k
    row = "| section %s | measured in a separate run: %s |\n" % (label, run)
    head = re.sub(r"(?m)^\| section %s \|.*\n" % re.escape(label), "", head)
    head = re.sub(r"(?m)(^\| peers \|.*\n)", lambda m: m.group(1) + row, head, count=1)
open(new, "w").write(head + "".join(v for _, v in parts))
PY
fi
mv "$RESULTS.tmp" "$RESULTS"
if [ -s "$tmp/errors.log" ]; then
	log "stderr of the runs (last 20 lines):"
	tail -n 20 "$tmp/errors.log" >&2
fi
log "wrote $RESULTS"
