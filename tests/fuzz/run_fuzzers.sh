#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs every libFuzzer target for FUZZ_SECONDS (default 60) from a seed corpus made of real
# spancap files, then over every saved regression input. Prints TAP; a crash is a failure, and
# its input is kept under $BUILD/fuzz/crashes/ to be added to tests/fuzz/regress/<target>/.
#
#   tests/fuzz/run_fuzzers.sh BUILD
set -u
BUILD=${1:-build}
SECS=${FUZZ_SECONDS:-60}
cd "$(dirname "$0")/../.."
work="$BUILD/fuzz/work"
mkdir -p "$work" "$BUILD/fuzz/crashes"
n=0
fails=0

# Seeds: compressed and plain files, a cut file, and the records of a plain file one per input.
seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/file" "$seeds/record"
"$BUILD/tests/formats_sample_gen" "$seeds/file/a.pcapng.zst" 40 >/dev/null
"$BUILD/tests/formats_sample_gen" "$seeds/file/b.pcapng" 40 -u >/dev/null
head -c 900 "$seeds/file/a.pcapng.zst" >"$seeds/file/c-cut.pcapng.zst"
python3 - "$seeds/file/b.pcapng" "$seeds/record" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
off = i = 0
while off + 12 <= len(data):
    btype, blen = struct.unpack_from('<II', data, off)
    if btype == 6:
        caplen = struct.unpack_from('<I', data, off + 20)[0]
        open('%s/r%03d' % (sys.argv[2], i), 'wb').write(data[off + 28:off + 28 + caplen])
        i += 1
    off += blen
PY

for target in fuzz_file_reader fuzz_record_decoder; do
	bin="$BUILD/fuzz/$target"
	case $target in
	fuzz_file_reader) seed="$seeds/file" ;;
	*) seed="$seeds/record" ;;
	esac
	corpus="$work/corpus-$target"
	mkdir -p "$corpus"
	log="$work/$target.log"
	if "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$BUILD/fuzz/crashes/$target-" "$corpus" "$seed" >"$log" 2>&1; then
		n=$((n + 1))
		echo "ok $n - $target ran ${SECS}s without a crash ($(grep -o 'cov: [0-9]*' "$log" | tail -n1))"
	else
		n=$((n + 1))
		fails=$((fails + 1))
		echo "not ok $n - $target crashed"
		grep -E 'ERROR|SUMMARY|artifact' "$log" | head -5 | sed 's/^/#   /'
	fi
	regress="tests/fuzz/regress/$target"
	if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
		n=$((n + 1))
		if "$bin" -runs=0 "$regress"/* >"$log.regress" 2>&1; then
			echo "ok $n - $target replays $(ls "$regress" | wc -l) regression inputs"
		else
			fails=$((fails + 1))
			echo "not ok $n - $target fails on a regression input"
			grep -E 'ERROR|SUMMARY' "$log.regress" | head -5 | sed 's/^/#   /'
		fi
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
