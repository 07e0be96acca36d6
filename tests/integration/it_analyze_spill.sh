#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap-analyze within a memory budget (SPANCAP_ANALYZE_MEMORY, docs/SPILL.md): past it, the
# traces idle longest and their spans go to a temporary file and are merged back at the end.
# Every report must be the same, byte for byte (standard output, standard error, exit status),
# with a budget of one byte (every trace spilled between any two records, every report row
# spilled too), of 64 KiB, and with none (0: every trace kept), with 1 and 2 reader threads:
# on a synthetic multi-trace capture (bench/analyze_bench -o), the same capture damaged, the
# analyzer scenario's variant 5, and the sample capture of the demo service (samples/captures:
# the goldens too), with the filters that deselect syscalls too (and the analyzer scenario's
# variant 6, made for them). timeline drops the traces past the budget (its lines carry their
# ids). A spill file that cannot be made is a clear error naming its directory.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
caps=$here/../../samples/captures
. "$here/suite_lib.sh"
suite_tmpdir
A=$BUILD/spancap-analyze
demo=$caps/demo-small.pcapng.zst

if ! "$BUILD/bench/analyze_bench" -n 100000 -r 1 -o "$tmp/synth.scap" >"$tmp/err" 2>&1; then
	bail "analyze_bench writes a multi-trace capture" "$tmp/err"
fi
# the analyzer scenario's variant 5 (tests/analyze_scenario.h): spans whose partials must merge
# (context records only, a replaced key map, two deaths in one span)
if ! "$BUILD/tests/analyze_scenario_gen" "$tmp/scen5.scap" 5 >"$tmp/err" 2>&1; then
	bail "analyze_scenario_gen writes variant 5" "$tmp/err"
fi
size=$(stat -c %s "$tmp/synth.scap")
cp "$tmp/synth.scap" "$tmp/synth-flip.scap"
printf '\xa5' | dd of="$tmp/synth-flip.scap" bs=1 seek=$((size / 2)) conv=notrunc status=none

# variant 6: threads that find spans by unselected syscalls under filters (tests/analyze_scenario.h)
if ! "$BUILD/tests/analyze_scenario_gen" "$tmp/scen6.scap" 6 >"$tmp/err" 2>&1; then
	bail "analyze_scenario_gen writes variant 6" "$tmp/err"
fi

# the goldens of the sample capture, with every trace spilled
if ! SPANCAP_ANALYZE_MEMORY=1 "$caps/golden_commands.sh" "$A" "$demo" "$tmp/gold" \
	>"$tmp/err" 2>&1; then
	TAP_DETAIL_LINES=5 bail "every golden report runs with a budget of one byte" "$tmp/err"
fi
differ=$(for golden in "$caps"/golden/*; do
	cmp -s "$golden" "$tmp/gold/$(basename "$golden")" || basename "$golden"
done)
[ -z "$differ" ]
ok "with a budget of one byte every report matches its golden output" $? \
	"differ: $differ"

reports() {
	local id pt
	id=$(SPANCAP_ANALYZE_MEMORY=0 "$A" traces --json --sort=syscalls "$1" 2>/dev/null |
		python3 -c 'import json,sys; t=json.load(sys.stdin)["traces"]; print(t[0]["trace_id"][:5] if t else "00")' \
			2>/dev/null) || id=00
	# the pid and tid of a span midway, for --pid and --tid
	pt=$(SPANCAP_ANALYZE_MEMORY=0 "$A" spans --json "$1" 2>/dev/null |
		python3 -c 'import json,sys; s=json.load(sys.stdin)["spans"]; m=s[len(s)//2] if s else {"pid":1,"tid":1}; print(m["pid"], m["tid"])' \
			2>/dev/null) || pt="1 1"
	# shellcheck disable=SC2086 # pid and tid, two words
	set -- "$1" $pt
	echo "traces"
	for key in start syscalls time bytes errors; do
		echo "traces --sort=$key"
		echo "traces --json --sort=$key"
	done
	echo "spans"
	echo "spans --json"
	echo "traces --trace $id"
	echo "spans --json --trace $id"
	echo "traces --host nosuchhost"
	echo "traces --since +1ms"
	echo "spans --errors-only"
	echo "spans --json --syscall read,openat"
	echo "traces --json --until +2ms"
	echo "spans --since +500us --until +3ms"
	echo "spans --json --pid $2"
	echo "traces --tid $3"
	echo "timeline --errors-only"
	echo "export --format otlp-jsonl --syscall write"
	echo "timeline"
	echo "export --format otlp-json"
	echo "export --format otlp-jsonl"
	echo "export --format otlp-json --orphans"
	echo "export --format otlp-json --granularity span"
	echo "export --format otlp-jsonl --granularity span --orphans"
	echo "export --format otlp-json --granularity span --since +1ms --pid $2"
	echo "export --format chrome"
	echo "export --format chrome --syscall read,openat"
	echo "export --format chrome --tid $3 --until +3ms"
	echo "syscalls --by span"
	echo "syscalls --by span --json --errors-only"
	echo "syscalls --by span --since +500us --until +3ms"
	echo "export --format csv"
	echo "export --format jsonl"
}

for cap in synth synth-flip demo scen5; do
	f=$tmp/$cap.scap
	[ "$cap" = demo ] && f=$demo
	differ=""
	count=0
	while read -r cmd; do
		count=$((count + 1))
		for run in "0 1" "1 1" "1 2" "65536 2"; do
			set -- $run
			# shellcheck disable=SC2086 # cmd is split into words on purpose
			SPANCAP_ANALYZE_MEMORY=$1 "$A" --threads "$2" $cmd "$f" >"$tmp/o-$1-$2" \
				2>"$tmp/e-$1-$2"
			echo "status $?" >>"$tmp/e-$1-$2"
			[ "$1" = 0 ] && continue
			if ! cmp -s "$tmp/o-0-1" "$tmp/o-$1-$2" || ! cmp -s "$tmp/e-0-1" "$tmp/e-$1-$2"; then
				differ="$differ; $cmd (budget $1, -j $2)"
			fi
		done
		case $cap in
		synth | demo | scen5) grep -qx "status 0" "$tmp/e-0-1" || differ="$differ; $cmd failed" ;;
		esac
	done < <(reports "$f")
	if [ -z "$differ" ]; then
		ok "$cap: the $count reports are the same with budgets of 1 byte, 64 KiB and none"
	else
		not_ok "$cap: the $count reports are the same with budgets of 1 byte, 64 KiB and none" \
			"$differ"
	fi
done

# filters that deselect syscalls: a thread that finds a span without getting it (variant 6),
# with budgets that spill at every record, at some, and none
differ=""
count=0
for filt in "--syscall read" "--errors-only" "--syscall write" "--pid 950" "--pid 970" \
	"--tid 951" "--tid 952" "--since +21us" "--since +31us" "--until +22us" "--until +31us" \
	"--until +38us" "--until +42us" "--since +20us --until +42us"; do
	for cmd in spans "spans --json" "traces --json" timeline "export --format otlp-jsonl" \
		"syscalls --by span --json" "export --format chrome" \
		"export --format otlp-jsonl --granularity span"; do
		count=$((count + 1))
		# shellcheck disable=SC2086 # cmd and filt are split into words on purpose
		for run in "0 1" "1 1" "1 2" "700 1" "1400 2" "2000 1" "65536 2"; do
			set -- $run
			SPANCAP_ANALYZE_MEMORY=$1 "$A" --threads "$2" $cmd $filt "$tmp/scen6.scap" \
				>"$tmp/f-$1-$2" 2>&1
			echo "status $?" >>"$tmp/f-$1-$2"
			[ "$1" = 0 ] && continue
			cmp -s "$tmp/f-0-1" "$tmp/f-$1-$2" ||
				differ="$differ; $cmd $filt (budget $1, -j $2)"
		done
		grep -qx "status 0" "$tmp/f-0-1" || differ="$differ; $cmd $filt failed"
	done
done
[ -z "$differ" ]
ok "scen6: the $count filtered reports are the same with budgets of 1 byte to 64 KiB and none" \
	$? "$differ"
# the reports that show more of a span than its totals spill too: without a directory for the
# spill file they fail and say where
differ=""
for cmd in "export --format chrome" "export --format otlp-json --granularity span" \
	"syscalls --by span"; do
	# shellcheck disable=SC2086 # cmd is split into words on purpose
	SPANCAP_ANALYZE_MEMORY=1 TMPDIR=$tmp/none "$A" $cmd "$tmp/synth.scap" >/dev/null \
		2>"$tmp/err"
	st=$?
	{ [ $st = 1 ] && grep -q "cannot make a spill file in $tmp/none" "$tmp/err"; } ||
		differ="$differ; $cmd (status $st: $(head -c 200 "$tmp/err"))"
done
[ -z "$differ" ]
ok "chrome, the span granularity and syscalls by span spill past their budget" $? "$differ"
# and the filters do spill: without a directory for its file, a filtered report fails
SPANCAP_ANALYZE_MEMORY=1 TMPDIR=$tmp/none "$A" spans --syscall read "$tmp/scen6.scap" \
	>/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "cannot make a spill file in $tmp/none" "$tmp/err"
ok "a filtered report spills past its budget" $? "$tmp/err"

# several inputs, several hosts: one set of traces across them
differ=""
for cmd in traces "traces --json --sort=bytes" spans "spans --json" timeline \
	"export --format otlp-jsonl" "export --format chrome" \
	"export --format otlp-json --granularity span" "syscalls --by span"; do
	# shellcheck disable=SC2086 # cmd is split into words on purpose
	for b in 0 1 65536; do
		SPANCAP_ANALYZE_MEMORY=$b "$A" --threads 2 $cmd "$tmp/synth.scap" "$demo" \
			"$tmp/scen5.scap" >"$tmp/m$b" 2>&1
		echo "status $?" >>"$tmp/m$b"
		[ $b = 0 ] || cmp -s "$tmp/m0" "$tmp/m$b" || differ="$differ; $cmd (budget $b)"
	done
done
[ -z "$differ" ]
ok "three inputs: the same with budgets of 1 byte, 64 KiB and none" $? "$differ"

# the spill really is taken: without a directory for its file, traces fails and says where
SPANCAP_ANALYZE_MEMORY=1 TMPDIR=$tmp/none "$A" traces "$tmp/synth.scap" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 1 ] && grep -q "cannot make a spill file in $tmp/none" "$tmp/err"
ok "a spill file that cannot be made is an error naming its directory" $? "$tmp/err"
# a write that fails (the file size limit, its signal ignored): an error naming the file and
# the byte offset
# (-j 2: runs are written on the sorter's thread, -j 1 on the replay's)
mkdir -p "$tmp/spill"
for j in 1 2; do
	(
		trap '' XFSZ
		ulimit -f 64
		SPANCAP_ANALYZE_MEMORY=1 TMPDIR=$tmp/spill exec "$A" traces -j $j "$tmp/synth.scap"
	) >/dev/null 2>"$tmp/err"
	st=$?
	[ $st = 1 ] &&
		grep -Eq "spill file $tmp/spill/\(unnamed temporary file\): write at byte [0-9]+: File too large" \
			"$tmp/err"
	ok "a spill file that cannot be written is an error naming it and the offset (-j $j)" $? \
		"$tmp/err"
done
SPANCAP_ANALYZE_MEMORY=0 TMPDIR=$tmp/none "$A" traces "$tmp/synth.scap" >/dev/null 2>"$tmp/err"
ok "with no budget nothing spills" $? "$tmp/err"
SPANCAP_ANALYZE_MEMORY=12Q "$A" traces "$tmp/synth.scap" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "bad SPANCAP_ANALYZE_MEMORY '12Q'" "$tmp/err"
ok "a budget that is no size is a usage error" $? "$tmp/err"
tap_end
