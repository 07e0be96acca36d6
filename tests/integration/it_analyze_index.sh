#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The frame index (FORMAT.md 7): every report is the same with and without it. The golden
# commands run on the sample capture (written before format 1.3: no index frames) with a
# sidecar built by `spancap-analyze index`, and must match the goldens made without one; on a
# capture of processes that run one after the other (bench/analyze_bench -P), `trace ID` and
# `filter --trace/--pid/--until` give the same bytes with the index as with --no-index while
# leaving frames undecompressed (the reader seeks past them); on one process whose descriptors
# change in every frame (tests/fd_churn_gen), `trace ID` of many traces gives the same bytes
# with the index as with --no-index and on 1 or 2 reader threads, leaving out frames by the
# descriptors they change (FORMAT.md 7.3 rule 7); a cut file, a damaged index frame, a stale
# sidecar and an uncompressed file fall back to reading, said on stderr.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
caps=$here/../../samples/captures
A=$BUILD/spancap-analyze
. "$here/suite_lib.sh"
suite_tmpdir
need_built "$A" "$BUILD/bench/analyze_bench" "$BUILD/spancap" "$BUILD/samples/spancap-demo-service" \
	"$BUILD/tests/fd_churn_gen"
need_commands strace python3 cmp zstd
A=$(cd "$(dirname "$A")" && pwd)/$(basename "$A")

# ---- the sample capture, with a sidecar ------------------------------------------------------
mkdir -p "$tmp/side"
cp "$caps/demo-small.pcapng.zst" "$tmp/side/"
cap=$tmp/side/demo-small.pcapng.zst
id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["traces"][0]["trace_id"])' \
	"$caps/golden/traces.json")
"$A" trace "$id" "$cap" >/dev/null 2>"$tmp/noidx.err"
check "without index frames or sidecar, trace says once that it reads every frame" \
	bash -c "[ \$(grep -c 'no sidecar.*reading every frame' '$tmp/noidx.err') = 1 ]"
"$A" index "$cap" >"$tmp/index.out" 2>&1
check "spancap-analyze index writes FILE.idx, mode 0600" \
	bash -c "[ -f '$cap.idx' ] && [ \"\$(stat -c %a '$cap.idx')\" = 600 ] &&
		 grep -q 'frames of .* indexed' '$tmp/index.out'"
if "$caps/golden_commands.sh" "$A" "$cap" "$tmp/gold" >"$tmp/err" 2>&1; then
	bad=""
	for golden in "$caps"/golden/*; do
		cmp -s "$golden" "$tmp/gold/$(basename "$golden")" || bad="$bad $(basename "$golden")"
	done
	[ -z "$bad" ]
	ok "with the sidecar, every golden report is byte for byte the same" $?
else
	not_ok "the golden commands run with the sidecar" "$tmp/err"
fi
check "a sidecar that matches is used silently" bash -c "! grep -q 'index\|frame' '$tmp/err'"
touch -d '2001-01-01' "$cap"
(cd "$tmp/side" && "$A" trace "$id" --json demo-small.pcapng.zst) >"$tmp/stale.json" 2>"$tmp/stale.err"
check "a stale sidecar is ignored with a message naming it, the report unchanged" \
	bash -c "grep -q 'demo-small.pcapng.zst.idx is stale' '$tmp/stale.err' &&
		 cmp '$tmp/stale.json' '$caps/golden/trace-busiest.json'"

# ---- processes one after the other: frames to skip ----------------------------------------
big=$tmp/seq.pcapng.zst
"$BUILD/bench/analyze_bench" -n 400000 -P 20 -r 1 -o "$big" >/dev/null ||
	bail "analyze_bench -P writes a capture"
check "the capture holds index frames (skippable frames 0x184D2A5C)" \
	python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read().count(b"\x5c\x2a\x4d\x18") < 5)' \
	"$big"
"$A" traces --json "$big" >"$tmp/traces.json"
python3 - "$tmp/traces.json" >"$tmp/ids" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["traces"]
for i in (0, len(t) // 3, len(t) // 2, len(t) - 1):
    print(t[i]["trace_id"])
PY
same=0 total=0 skipped=0
while read -r tid; do
	for args in "" "--json" "--timeline"; do
		total=$((total + 1))
		"$A" trace "$tid" $args "$big" >"$tmp/a" 2>"$tmp/a.err"
		"$A" trace "$tid" $args --no-index "$big" >"$tmp/b" 2>"$tmp/b.err"
		cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err" && same=$((same + 1))
	done
	strace -qq -e trace=lseek -o "$tmp/st" "$A" trace "$tid" "$big" >/dev/null 2>&1
	[ "$(grep -c SEEK_SET "$tmp/st")" -gt 0 ] && skipped=$((skipped + 1))
done <"$tmp/ids"
[ "$same" = "$total" ]
ok "trace ID gives the same bytes with the index as with --no-index ($same of $total runs)" $?
[ "$skipped" = 4 ]
ok "trace ID leaves frames undecompressed (the reader seeks past them) for each trace" $?
strace -qq -e trace=lseek -o "$tmp/st" "$A" trace "$(head -1 "$tmp/ids")" --no-index "$big" \
	>/dev/null 2>&1
check "with --no-index no frame is skipped" bash -c "! grep -q SEEK_SET '$tmp/st'"
prefix=$(head -1 "$tmp/ids" | cut -c1-12)
strace -qq -e trace=lseek -o "$tmp/st" "$A" trace "$prefix" "$big" >"$tmp/a" 2>"$tmp/a.err"
"$A" trace "$(head -1 "$tmp/ids")" "$big" >"$tmp/b" 2>/dev/null
check "a prefix of 12 hex digits (the filter needs 16) reads every frame, the same report" \
	bash -c "! grep -q SEEK_SET '$tmp/st' && [ ! -s '$tmp/a.err' ] && cmp '$tmp/a' '$tmp/b'"

absent=0123456789abcdef0123456789abcdef
"$A" trace $absent "$big" >"$tmp/a" 2>"$tmp/a.err"
ra=$?
"$A" trace $absent --no-index "$big" >"$tmp/b" 2>"$tmp/b.err"
rb=$?
check "a trace that is not there: the same message and status with and without the index" \
	bash -c "[ $ra = $rb ] && [ $ra = 1 ] && cmp '$tmp/a.err' '$tmp/b.err' && cmp '$tmp/a' '$tmp/b'"

pid=1700 # the eighth process of analyze_bench -P
tid=$(sed -n 2p "$tmp/ids")
for sel in "--trace $tid" "--pid $pid" "--until +40ms" "--pid $pid --since +10ms"; do
	# shellcheck disable=SC2086
	"$A" filter $sel -o "$tmp/f1.pcapng.zst" "$big" 2>"$tmp/f1.err"
	# shellcheck disable=SC2086
	"$A" filter $sel --no-index -o "$tmp/f2.pcapng.zst" "$big" 2>"$tmp/f2.err"
	check "filter $sel writes the same file with and without the index" \
		cmp "$tmp/f1.pcapng.zst" "$tmp/f2.pcapng.zst"
done

# --since/--until: every report that takes them gives the same bytes (and status) with the
# index as with --no-index, and leaves frames undecompressed: the processes that ended before
# --since (analyze_bench -P runs them one after the other, ~12 ms each), and for the reports
# that show nothing syscalls after --until change, the frames of syscalls only after it.
tid=$(sed -n 3p "$tmp/ids")
# Runs the analyzer's REPORT WINDOW (words split as written) on FILE with and without the
# index: counts the run in total, and in same when both give the same output, errors and
# status, else says how they differ.
same_with_index() { # file report window
	total=$((total + 1))
	# shellcheck disable=SC2086
	"$A" $2 $3 "$1" >"$tmp/a" 2>"$tmp/a.err"
	ra=$?
	# shellcheck disable=SC2086
	"$A" $2 $3 --no-index "$1" >"$tmp/b" 2>"$tmp/b.err"
	rb=$?
	if [ $ra = $rb ] && cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err"; then
		same=$((same + 1))
	else
		echo "# differs: $2 $3 (status $ra, --no-index $rb)"
		head -c 300 "$tmp/a.err" "$tmp/b.err" | sed 's/^/# /'
	fi
}
same=0 total=0
for win in "--since +100ms --until +110ms" "--since +150ms --until +160ms" "--since +215ms" \
	"--until +30ms" "--since +60ms --until +61ms"; do
	for rep in traces "traces --json" spans "spans --json" syscalls "syscalls --by process" \
		"syscalls --by span --json" processes "processes --json" files "files --json" net \
		timeline "timeline --json" "export --format csv" "export --format jsonl" \
		"export --format otlp-json" "export --format chrome" "trace $tid" \
		"trace $tid --json"; do
		same_with_index "$big" "$rep" "$win"
	done
done
[ "$same" = "$total" ]
ok "--since/--until: every report gives the same bytes with and without the index ($same of $total runs)" $?
seeks() { # seeks REPORT ARGS...: frames the reader seeked past
	strace -qq -e trace=lseek -o "$tmp/st" "$A" "$@" "$big" >/dev/null 2>&1
	grep -c SEEK_SET "$tmp/st"
}
n1=$(seeks traces --since +150ms --until +160ms)
n2=$(seeks processes --since +200ms)
n3=$(seeks files --since +100ms)
n4=$(seeks files --until +30ms)
n5=$(seeks export --format csv --since +60ms --until +61ms)
check "--since/--until leave frames undecompressed: traces $n1, processes $n2, files $n3 and $n4 (--until), export $n5 seeks" \
	bash -c "[ $n1 -ge 2 ] && [ $n2 -ge 3 ] && [ $n3 -ge 1 ] && [ $n4 -ge 1 ] && [ $n5 -ge 2 ]"
n1=$(seeks traces --since +150ms --until +160ms --no-index)
n4=$(seeks processes --until +30ms)
check "with --no-index, and for processes after --until (its threads and argv), no frame is skipped" \
	bash -c "[ $n1 = 0 ] && [ $n4 = 0 ]"

# Readers that do not know index frames see the same pcapng stream: zstd passes over them.
"$A" traces "$big" >"$tmp/a"
zstd -dc "$big" | "$A" traces - >"$tmp/b" 2>/dev/null
check "zstd -dc passes over the index frames: traces of the decompressed stream are the same" \
	bash -c "[ \$(wc -l <'$tmp/a') -gt 100 ] && cmp '$tmp/a' '$tmp/b'"

# ---- one process: frames left out by the descriptors they change (FORMAT.md 7.2, 7.3 rule 7)
# fd_churn_gen writes one process whose 8 threads open (absolute and relative paths), connect,
# bind, accept, dup, close and close_range a pool of 64 descriptors in frames of 16 KiB, in
# exit order with overlapping times, while traces read and write them: a trace's report shows
# the path or peer the whole capture leaves behind each descriptor it uses. For every 50th
# trace, `trace ID` gives the same bytes with the index as with --no-index, and with -j 1 and
# -j 2 (and --json for every 4th of those); with few copies between descriptors (2% of what
# the first capture has) most frames are left out, and some still when the process forks now
# and then (children that connect a descriptor they share with it, some killed by a signal).
declare -A seeks_of
for mix in "100 0" "2 0" "2 20"; do
	read -r alias forks <<<"$mix"
	churn=$tmp/churn$alias-$forks.pcapng.zst
	"$BUILD/tests/fd_churn_gen" "$churn" 100000 7 "$alias" "$forks" >"$tmp/err" 2>&1 ||
		bail "fd_churn_gen writes a one-process capture" "$tmp/err"
	"$A" traces --json "$churn" |
		python3 -c 'import json, sys; t = json.load(sys.stdin)["traces"]; [print(x["trace_id"]) for x in t[::50]]' \
			>"$tmp/churn.ids"
	same=0 total=0 seeks=0 k=0
	while read -r tid; do
		k=$((k + 1))
		"$A" trace "$tid" --no-index -j 1 "$churn" >"$tmp/b" 2>"$tmp/b.err"
		for args in "" "-j 1" "-j 2"; do
			total=$((total + 1))
			# shellcheck disable=SC2086
			"$A" trace "$tid" $args "$churn" >"$tmp/a" 2>"$tmp/a.err"
			if cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err"; then
				same=$((same + 1))
			else
				echo "# differs: trace $tid $args (copies $alias%, forks $forks)"
			fi
		done
		if [ $((k % 4)) = 1 ]; then
			total=$((total + 1))
			"$A" trace "$tid" --json "$churn" >"$tmp/a" 2>&1
			"$A" trace "$tid" --json --no-index "$churn" >"$tmp/b" 2>&1
			cmp -s "$tmp/a" "$tmp/b" && same=$((same + 1))
		fi
		if [ $((k % 5)) = 1 ]; then
			strace -qq -e trace=lseek -o "$tmp/st" "$A" trace "$tid" "$churn" >/dev/null 2>&1
			seeks=$((seeks + $(grep -c SEEK_SET "$tmp/st")))
		fi
	done <"$tmp/churn.ids"
	[ "$total" -ge 150 ] && [ "$same" = "$total" ]
	ok "one process (copies $alias%, forks $forks per mille of some syscalls): trace ID is the same with the index, with --no-index, -j 1 and -j 2 ($same of $total runs; $seeks frames skipped in a fifth of them)" $?
	seeks_of[$mix]=$seeks
done
# a fifth of 60 traces, each reading a few of its ~380 frames
[ "${seeks_of[2 0]:-0}" -ge 1000 ]
ok "one process: with few copies between descriptors, trace ID leaves most frames undecompressed (${seeks_of[2 0]:-0} seeks)" $?
# the frames of the process after its last fork before the trace, and after the trace
[ "${seeks_of[2 20]:-0}" -ge 20 ]
ok "one process that forks: trace ID still leaves frames undecompressed (${seeks_of[2 20]:-0} seeks)" $?

# ---- a real capture: the demo service run four times, one after the other ------------------
mkdir -p "$tmp/files"
DEMO=$(cd "$BUILD/samples" && pwd)/spancap-demo-service
"$BUILD/spancap" -q -w "$tmp/real.pcapng.zst" -- sh -c "for s in 1 2 3 4; do
	'$DEMO' --threads 1 --requests 3 --seed \$s --dir '$tmp/files' >/dev/null; sleep 1.1; done" \
	2>"$tmp/real.err"
ok "a capture of four runs of the demo service" $?
"$A" traces --json "$tmp/real.pcapng.zst" >"$tmp/real.json"
python3 -c 'import json, sys; [print(t["trace_id"]) for t in json.load(open(sys.argv[1]))["traces"]]' \
	"$tmp/real.json" >"$tmp/real.ids"
same=0 total=0 seeks=0
while read -r tid; do
	total=$((total + 1))
	"$A" trace "$tid" --json "$tmp/real.pcapng.zst" >"$tmp/a" 2>"$tmp/a.err"
	"$A" trace "$tid" --json --no-index "$tmp/real.pcapng.zst" >"$tmp/b" 2>"$tmp/b.err"
	cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err" && same=$((same + 1))
	strace -qq -e trace=lseek -o "$tmp/st" "$A" trace "$tid" "$tmp/real.pcapng.zst" >/dev/null 2>&1
	seeks=$((seeks + $(grep -c SEEK_SET "$tmp/st")))
done <"$tmp/real.ids"
[ "$total" -ge 8 ] && [ "$same" = "$total" ]
ok "real capture: trace ID --json is the same with and without the index for every trace ($same of $total; $seeks frames skipped in all)" $?

# One process of the demo service, 4 threads for about 3 s (frames end every second): every
# trace's report, text and JSON, on 1 and 2 reader threads, is the same with and without the
# index. (The service forks a child in some requests and every one-second frame holds fork,
# exec and exit events: FORMAT.md 7.3 rule 7 leaves none of its frames out here; the
# synthetic captures above are those where it does.)
"$BUILD/spancap" -q -w "$tmp/one.pcapng.zst" -- "$DEMO" --threads 4 --requests 30 --rate 10 \
	--dir "$tmp/files" >/dev/null 2>"$tmp/one.err"
ok "a capture of one run of the demo service, 4 threads, 3 s" $?
"$A" traces --json "$tmp/one.pcapng.zst" |
	python3 -c 'import json, sys; [print(t["trace_id"]) for t in json.load(sys.stdin)["traces"]]' \
		>"$tmp/one.ids"
same=0 total=0
while read -r tid; do
	"$A" trace "$tid" --no-index -j 1 "$tmp/one.pcapng.zst" >"$tmp/b" 2>"$tmp/b.err"
	"$A" trace "$tid" --json --no-index "$tmp/one.pcapng.zst" >"$tmp/bj" 2>&1
	for args in "" "-j 1" "-j 2"; do
		total=$((total + 1))
		# shellcheck disable=SC2086
		"$A" trace "$tid" $args "$tmp/one.pcapng.zst" >"$tmp/a" 2>"$tmp/a.err"
		cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err" && same=$((same + 1))
	done
	total=$((total + 1))
	"$A" trace "$tid" --json "$tmp/one.pcapng.zst" >"$tmp/a" 2>&1
	cmp -s "$tmp/a" "$tmp/bj" && same=$((same + 1))
done <"$tmp/one.ids"
[ "$total" -ge 200 ] && [ "$same" = "$total" ]
ok "real capture, one process: trace ID (text and --json, -j 1 and -j 2) is the same with and without the index for every trace ($same of $total runs)" $?
for pid in $("$A" processes --json "$tmp/real.pcapng.zst" |
	python3 -c 'import json, sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin)["processes"]))'); do
	"$A" filter --pid "$pid" -o "$tmp/r1.pcapng.zst" "$tmp/real.pcapng.zst" 2>/dev/null
	r1=$?
	"$A" filter --pid "$pid" --no-index -o "$tmp/r2.pcapng.zst" "$tmp/real.pcapng.zst" 2>/dev/null
	r2=$?
	if [ $r1 != $r2 ] || { [ $r1 = 0 ] && ! cmp -s "$tmp/r1.pcapng.zst" "$tmp/r2.pcapng.zst"; }; then
		not_ok "real capture: filter --pid $pid is the same with and without the index"
		pid=bad
		break
	fi
	rm -f "$tmp/r1.pcapng.zst" "$tmp/r2.pcapng.zst"
done
[ "$pid" != bad ] && ok "real capture: filter --pid gives the same file with and without the index, for every process"

# --since/--until on the real capture: the reports are the same. (The shell that runs the four
# services lives through the capture and names itself in every frame: the services' frames
# before --since are its frames too, and are read.)
same=0 total=0
for win in "--since +2.3s" "--since +3.4s --until +3.6s" "--until +1s"; do
	for rep in traces spans processes files net timeline "export --format csv" "syscalls"; do
		same_with_index "$tmp/real.pcapng.zst" "$rep" "$win"
	done
done
[ "$same" = "$total" ]
ok "real capture: --since/--until give the same reports with and without the index ($same of $total)" $?

# Two inputs: a process of one may be a process of the other's window (the same host): --since
# keeps the processes any input's window names: pid 1000 ends early in the -P capture and runs
# through the window in the second one (analyze_bench -P 1).
"$BUILD/bench/analyze_bench" -n 400000 -P 1 -r 1 -o "$tmp/seq2.pcapng.zst" >/dev/null
same=0 total=0
for rep in traces processes files "export --format csv"; do
	total=$((total + 1))
	# shellcheck disable=SC2086
	"$A" $rep --since +150ms "$big" "$tmp/seq2.pcapng.zst" >"$tmp/a" 2>"$tmp/a.err"
	# shellcheck disable=SC2086
	"$A" $rep --since +150ms --no-index "$big" "$tmp/seq2.pcapng.zst" >"$tmp/b" 2>"$tmp/b.err"
	cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err" && same=$((same + 1))
done
[ "$same" = "$total" ]
ok "two inputs: --since gives the same reports with and without the index ($same of $total)" $?

# ---- what has no usable index: cut, damaged, uncompressed ----------------------------------
head -c $(($(stat -c %s "$big") * 2 / 3)) "$big" >"$tmp/cut.pcapng.zst"
"$A" trace "$(sed -n 3p "$tmp/ids")" --json "$tmp/cut.pcapng.zst" >"$tmp/a" 2>"$tmp/a.err"
"$A" trace "$(sed -n 3p "$tmp/ids")" --json --no-index "$tmp/cut.pcapng.zst" >"$tmp/b" 2>"$tmp/b.err"
check "a cut file: the same report (its frames that ended are indexed)" cmp "$tmp/a" "$tmp/b"

# An index frame whose pid count is damaged: ignored by the index (its frame is read), and
# reported as damage at its offset by the reader, the same with --no-index.
python3 - "$big" "$tmp/bad.pcapng.zst" >"$tmp/badoff" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
at = [i for i in range(len(d) - 4) if d[i:i + 4] == b"\x5c\x2a\x4d\x18"][5]
d[at + 8 + 60] ^= 0x01
open(sys.argv[2], "wb").write(d)
print(at)
PY
tid=$(sed -n 1p "$tmp/ids")
"$A" trace "$tid" --json "$tmp/bad.pcapng.zst" >"$tmp/a" 2>"$tmp/a.err"
"$A" trace "$tid" --json --no-index "$tmp/bad.pcapng.zst" >"$tmp/b" 2>"$tmp/b.err"
check "a damaged index frame: the same report with and without the index" cmp "$tmp/a" "$tmp/b"
check "a damaged index frame is named by its compressed offset" \
	grep -q "index frame at compressed offset $(cat "$tmp/badoff")" "$tmp/a.err"

"$BUILD/bench/analyze_bench" -n 20000 -u -r 1 -o "$tmp/plain.pcapng" >/dev/null
tid=$("$A" traces --json "$tmp/plain.pcapng" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["traces"][3]["trace_id"])')
"$A" trace "$tid" "$tmp/plain.pcapng" >/dev/null 2>"$tmp/plain.err"
check "an uncompressed file: said once, every record read" \
	bash -c "[ \$(grep -c 'not compressed: it has no frame index' '$tmp/plain.err') = 1 ]"
tap_end
