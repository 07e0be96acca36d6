#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Interoperability of spancap files with the pcapng ecosystem: tshark reads the compressed
# file directly, `zstd -d` yields a valid pcapng file, and libpcap (tcpdump) reads that; each
# record is one frame, with its nanosecond timestamp and length intact. Prints TAP.
set -u
BUILD=${1:-build}
GEN="$BUILD/tests/formats_sample_gen"
. "$(dirname "$0")/suite_lib.sh"
TAP_DETAIL_LINES=20
suite_tmpdir

N=2000
"$GEN" "$tmp/cap.pcapng.zst" "$N" >"$tmp/expected" || { echo "not ok 1 - generator failed"; exit 1; }

check "the file is zstd-compressed, in several frames" \
	bash -c "[ \"\$(head -c4 '$tmp/cap.pcapng.zst' | od -An -tx1 | tr -d ' ')\" = 28b52ffd ] &&
		 [ \$(zstd -lv '$tmp/cap.pcapng.zst' 2>/dev/null | sed -n 's/^# Zstandard Frames: *//p') -gt 1 ]"

check "capture files are created mode 0600" \
	bash -c "[ \"\$(stat -c %a '$tmp/cap.pcapng.zst')\" = 600 ]"

# tshark on the compressed file: one frame per record, epoch time with 9 decimals, length.
tshark -r "$tmp/cap.pcapng.zst" -T fields -e frame.time_epoch -e frame.len \
	>"$tmp/tshark" 2>"$tmp/tshark.err"
awk '{print $1, $2}' "$tmp/tshark" >"$tmp/tshark.cmp"
if diff -q "$tmp/expected" "$tmp/tshark.cmp" >/dev/null; then
	ok "tshark reads all $N records of the .pcapng.zst with exact ns timestamps and lengths"
else
	diff "$tmp/expected" "$tmp/tshark.cmp" | head -5 >"$tmp/d"; cat "$tmp/tshark.err" >>"$tmp/d"
	not_ok "tshark reads all $N records of the .pcapng.zst with exact ns timestamps and lengths" "$tmp/d"
fi

check "capinfos sees link type USER0 and nanosecond resolution" \
	bash -c "capinfos '$tmp/cap.pcapng.zst' >'$tmp/ci' 2>&1 &&
		 grep -q 'File encapsulation: *USER 0' '$tmp/ci' &&
		 grep -q 'Time resolution = 0x09' '$tmp/ci'"

check "zstd -d yields a valid pcapng file" zstd -q -d "$tmp/cap.pcapng.zst" -o "$tmp/cap.pcapng"

# tcpdump (libpcap) on the decompressed file.
# tcpdump prints a hex dump under each frame of a link type it does not decode: keep the
# frame lines, which start with the timestamp.
tcpdump -r "$tmp/cap.pcapng" -tt --time-stamp-precision=nano -n 2>"$tmp/tcpdump.err" |
	awk '$1 ~ /^[0-9]+\.[0-9]+$/ {print $1}' >"$tmp/tcpdump.ts"
if diff -q <(awk '{print $1}' "$tmp/expected") "$tmp/tcpdump.ts" >/dev/null; then
	ok "tcpdump reads all $N records of the decompressed file with exact ns timestamps"
else
	{ diff <(awk '{print $1}' "$tmp/expected") "$tmp/tcpdump.ts" | head -5; cat "$tmp/tcpdump.err"; } >"$tmp/d"
	not_ok "tcpdump reads all $N records of the decompressed file with exact ns timestamps" "$tmp/d"
fi

# The uncompressed option writes plain pcapng that tcpdump reads as it is.
"$GEN" "$tmp/plain.pcapng" "$N" -u >"$tmp/expected.plain"
tcpdump -r "$tmp/plain.pcapng" -tt --time-stamp-precision=nano -n 2>/dev/null |
	awk '$1 ~ /^[0-9]+\.[0-9]+$/ {print $1}' >"$tmp/plain.ts"
if diff -q <(awk '{print $1}' "$tmp/expected.plain") "$tmp/plain.ts" >/dev/null; then
	ok "uncompressed output is plain pcapng that tcpdump reads whole"
else
	not_ok "uncompressed output is plain pcapng that tcpdump reads whole"
fi

tap_end
