#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap-analyze --threads N: the replay's reader threads decompress and decode zstd frames
# ahead of the replay; every report must be the same, byte for byte (standard output, standard
# error and exit status), with 1, 2 and 3 threads. On a multi-frame capture (bench/analyze_bench
# -o: many frames, packed records, 16 threads under 2000 spans), the same capture cut in the
# middle of a frame, the same with one byte flipped in a middle frame, and the sample capture
# of the demo service (samples/captures) damaged the same ways. On the intact captures every
# report must also succeed.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
caps=$here/../../samples/captures
. "$here/suite_lib.sh"
suite_tmpdir
A=$BUILD/spancap-analyze

if ! "$BUILD/bench/analyze_bench" -n 300000 -r 1 -o "$tmp/synth.scap" >"$tmp/err" 2>&1; then
	bail "analyze_bench writes a multi-frame capture" "$tmp/err"
fi
frames=$(python3 - "$tmp/synth.scap" <<'PY'
import struct, sys
# zstd frames of the file: walk the frame headers and block headers (RFC 8878)
d = open(sys.argv[1], 'rb').read()
off, n = 0, 0
while off < len(d):
    magic = struct.unpack_from('<I', d, off)[0]
    if magic & 0xFFFFFFF0 == 0x184D2A50:
        off += 8 + struct.unpack_from('<I', d, off + 4)[0]
        continue
    fhd = d[off + 4]
    did = [0, 1, 2, 4][fhd & 3]
    single = (fhd >> 5) & 1
    fcs = [0 if not single else 1, 2, 4, 8][fhd >> 6]
    p = off + 5 + (0 if single else 1) + did + fcs
    while True:
        bh = int.from_bytes(d[p:p + 3], 'little')
        last, btype, bsize = bh & 1, (bh >> 1) & 3, bh >> 3
        p += 3 + (1 if btype == 1 else bsize)
        if last:
            break
    p += 4 if (fhd >> 2) & 1 else 0
    print(off, p)
    off, n = p, n + 1
PY
)
nframes=$(printf '%s\n' "$frames" | wc -l)
[ "$nframes" -ge 4 ]
ok "the synthetic capture has several zstd frames ($nframes)" $?

# a cut in the middle of a middle frame, and a byte flipped in another
mid=$(printf '%s\n' "$frames" | sed -n "$((nframes / 2))p")
start=${mid% *}
end=${mid#* }
head -c $(((start + end) / 2)) "$tmp/synth.scap" >"$tmp/synth-cut.scap"
cp "$tmp/synth.scap" "$tmp/synth-flip.scap"
printf '\xa5' | dd of="$tmp/synth-flip.scap" bs=1 seek=$(((start + end) / 2)) conv=notrunc \
	status=none
demo=$caps/demo-small.pcapng.zst
size=$(stat -c %s "$demo")
head -c $((size * 2 / 3)) "$demo" >"$tmp/demo-cut.scap"
cp "$demo" "$tmp/demo-flip.scap"
printf '\x5a' | dd of="$tmp/demo-flip.scap" bs=1 seek=$((size / 2)) conv=notrunc status=none

# every report; trace: the first trace of each capture
reports() {
	local cap=$1
	local id
	id=$("$A" traces --json "$cap" 2>/dev/null |
		python3 -c 'import json,sys; t=json.load(sys.stdin)["traces"]; print(t[0]["trace_id"] if t else "00")' \
			2>/dev/null) || id=00
	echo "info"
	echo "traces"
	echo "traces --json --sort=time"
	echo "spans"
	echo "syscalls"
	echo "syscalls --by=span"
	echo "processes"
	echo "files"
	echo "net"
	echo "timeline"
	echo "trace $id --timeline"
	echo "export --format otlp-json"
	echo "export --format chrome"
	echo "export --format csv"
	echo "filter --syscall %file,%net -o -"
}

for cap in synth synth-cut synth-flip demo demo-cut demo-flip; do
	f=$tmp/$cap.scap
	[ "$cap" = demo ] && f=$demo
	differ=""
	count=0
	while read -r cmd; do
		count=$((count + 1))
		# shellcheck disable=SC2086 # cmd is split into words on purpose
		for j in 1 2 3; do
			"$A" --threads $j $cmd "$f" >"$tmp/o$j" 2>"$tmp/e$j"
			echo "status $?" >>"$tmp/e$j"
		done
		case $cap in
		synth | demo) grep -qx "status 0" "$tmp/e1" || differ="$differ; $cmd failed" ;;
		esac
		for j in 2 3; do
			if ! cmp -s "$tmp/o1" "$tmp/o$j" || ! cmp -s "$tmp/e1" "$tmp/e$j"; then
				differ="$differ; $cmd (-j $j)"
			fi
		done
	done < <(reports "$f")
	if [ -z "$differ" ]; then
		ok "$cap: the $count reports are the same with 1, 2 and 3 threads"
	else
		not_ok "$cap: the $count reports are the same with 1, 2 and 3 threads" "$differ"
	fi
done

# several inputs share the threads (2 and 3: one each, 4: two each)
differ=""
for cmd in info traces spans "timeline --errors-only"; do
	# shellcheck disable=SC2086 # cmd is split into words on purpose
	for j in 1 2 3 4; do
		"$A" --threads $j $cmd "$tmp/synth.scap" "$demo" "$tmp/synth-cut.scap" >"$tmp/o$j" 2>"$tmp/e$j"
		echo "status $?" >>"$tmp/e$j"
		[ $j = 1 ] && continue
		cmp -s "$tmp/o1" "$tmp/o$j" && cmp -s "$tmp/e1" "$tmp/e$j" || differ="$differ; $cmd (-j $j)"
	done
done
if [ -z "$differ" ]; then
	ok "three inputs: the reports are the same with 1 to 4 threads"
else
	not_ok "three inputs: the reports are the same with 1 to 4 threads" "$differ"
fi

# the damaged captures are reported damaged (the comparison above saw their warnings)
"$A" --threads 2 info "$tmp/synth-cut.scap" >/dev/null 2>"$tmp/err"
grep -q truncated "$tmp/err"
ok "the cut capture is said truncated with threads" $? "$tmp/err"
"$A" --threads 2 info "$tmp/synth-flip.scap" >/dev/null 2>"$tmp/err"
grep -q corrupt "$tmp/err"
ok "the flipped capture is said corrupt with threads" $? "$tmp/err"

"$A" --threads 0 info "$demo" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad --threads" "$tmp/err"
ok "--threads 0 is refused" $? "$tmp/err"
tap_end
