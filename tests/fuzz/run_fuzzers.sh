#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs every libFuzzer target for FUZZ_SECONDS (default 60), or FUZZ_RUNS inputs if that comes
# first (default -1: no bound; make test's smoke bounds it, so that a faster machine does no
# more), from seed corpora made of real data, then over every saved regression input. Prints TAP; a crash is a failure, and its input
# is kept under $BUILD/fuzz/crashes/ to be added to tests/fuzz/regressions/<target>/.
#
#   tests/fuzz/run_fuzzers.sh BUILD [TARGET...]     (default: every target)
#
# Seeds: spancap files (written by the formats library, the committed sample capture) and
# their records; the sample binaries and libraries for the ELF reader; /proc/PID/maps text and
# the OTEP 4719 payload of a live spancap-demo-service; the OTEP 4947 thread records a capture
# of it holds. The corpora grow under $BUILD/fuzz/work/ between runs.
set -u
BUILD=${1:-build}
shift
SECS=${FUZZ_SECONDS:-60}
RUNS=${FUZZ_RUNS:--1}
cd "$(dirname "$0")/../.."
work="$BUILD/fuzz/work"
mkdir -p "$work" "$BUILD/fuzz/crashes"
n=0
fails=0
targets=${*:-fuzz_file_reader fuzz_frame_index fuzz_record_decoder fuzz_process_context \
fuzz_thread_ctx_attrs fuzz_elf_tls fuzz_proc_maps}

seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{file,fidx,record,pctx,tctx,elf,maps}
"$BUILD/tests/formats_sample_gen" "$seeds/file/a.pcapng.zst" 40 >/dev/null
"$BUILD/tests/formats_sample_gen" "$seeds/file/b.pcapng" 40 -u >/dev/null
head -c 900 "$seeds/file/a.pcapng.zst" >"$seeds/file/c-cut.pcapng.zst"
# Several frames, one of them damaged: the reader skips it and resumes (FORMAT.md 2).
"$BUILD/tests/formats_sample_gen" "$seeds/file/d.pcapng.zst" 400 >/dev/null
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0x10; open(sys.argv[2], "wb").write(d)' \
	"$seeds/file/d.pcapng.zst" "$seeds/file/e-flipped.pcapng.zst"
cp samples/captures/demo-small.pcapng.zst "$seeds/file/"
# The frame index: the files above (their index frames), and a sidecar (the target writes it).
cp "$seeds"/file/*.zst "$seeds/fidx/"
case " $targets " in
*" fuzz_frame_index "*)
	FUZZ_SEED_OUT="$seeds/fidx/sidecar" "$BUILD/fuzz/fuzz_frame_index" -runs=0 \
		"$seeds/fidx" >/dev/null 2>&1 || rm -f "$seeds/fidx/sidecar"
	;;
esac

# ELF: every sample executable and library (the 16 variants' modules).
for f in "$BUILD"/samples/spancap-demo-service* "$BUILD"/samples/libspancap-otel-*.so; do
	[ -f "$f" ] && cp "$f" "$seeds/elf/"
done

# A live demo service holding its contexts (until its stdin, a FIFO, closes): its maps text and
# its process context payload, read from its memory.
rm -f "$work/hold"
mkfifo "$work/hold"
"$BUILD/samples/spancap-demo-service" --threads 2 --hold --hold-timeout 20 \
	<"$work/hold" >/dev/null 2>&1 &
demo=$!
exec 8>"$work/hold"
sleep 1
cp /proc/$demo/maps "$seeds/maps/demo"
cp /proc/self/maps "$seeds/maps/self"
python3 - "$demo" "$seeds/pctx" <<'PY'
import struct, sys
pid, out = sys.argv[1], sys.argv[2]
maps = open('/proc/%s/maps' % pid).read().splitlines()
mem = open('/proc/%s/mem' % pid, 'rb')
for line in maps:
    if 'OTEL_CTX' not in line:
        continue
    start = int(line.split('-')[0], 16)
    mem.seek(start)
    hdr = mem.read(32)
    size, payload = struct.unpack_from('<I', hdr, 12)[0], struct.unpack_from('<Q', hdr, 24)[0]
    mem.seek(payload)
    body = mem.read(size)
    open(out + '/payload', 'wb').write(body)
    # The same payload as a synthetic address space: header at 0x10000, payload right after.
    space = hdr[:24] + struct.pack('<Q', 0x10000 + 32) + body
    open(out + '/space', 'wb').write(space)
    break
PY
exec 8>&-
wait "$demo"
rm -f "$work/hold"

# Records: of a plain file one per input; thread records of the sample capture as OTEP 4947
# memory (a key map size byte, the 28-byte header, attrs_data).
python3 - "$seeds/file/b.pcapng" "$seeds/record" samples/captures/demo-small.pcapng.zst \
	"$seeds/tctx" <<'PY'
import os, struct, sys
sys.path.insert(0, 'tests/integration')
import check_capture_truth as cf
data = open(sys.argv[1], 'rb').read()
off = i = 0
while off + 12 <= len(data):
    btype, blen = struct.unpack_from('<II', data, off)
    if btype == 6:
        caplen = struct.unpack_from('<I', data, off + 20)[0]
        open('%s/r%03d' % (sys.argv[2], i), 'wb').write(data[off + 28:off + 28 + caplen])
        i += 1
    off += blen
seen = set()
for ts, rtype, flags, body, items in cf.records(sys.argv[3]):
    if rtype != 5:
        continue
    raw = items.get(21, b'')
    rec = bytes([8]) + body[8:32] + bytes([body[33], body[32]]) + body[34:36] + raw
    if rec not in seen and len(seen) < 64:
        seen.add(rec)
        open('%s/t%03d' % (sys.argv[4], len(seen)), 'wb').write(rec)
PY

for target in $targets; do
	bin="$BUILD/fuzz/$target"
	case $target in
	fuzz_file_reader) seed="$seeds/file" ;;
	fuzz_frame_index) seed="$seeds/fidx" ;;
	fuzz_record_decoder) seed="$seeds/record" ;;
	fuzz_process_context) seed="$seeds/pctx" ;;
	fuzz_thread_ctx_attrs) seed="$seeds/tctx" ;;
	fuzz_elf_tls) seed="$seeds/elf" ;;
	fuzz_proc_maps) seed="$seeds/maps" ;;
	*)
		echo "run_fuzzers.sh: unknown target $target" >&2
		exit 2
		;;
	esac
	n=$((n + 1))
	if [ -z "$(ls -A "$seed")" ]; then
		fails=$((fails + 1))
		echo "not ok $n - $target: no seed could be made in $seed"
		continue
	fi
	corpus="$work/corpus-$target"
	mkdir -p "$corpus"
	log="$work/$target.log"
	if "$bin" -max_total_time="$SECS" -runs="$RUNS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=1048576 -artifact_prefix="$BUILD/fuzz/crashes/$target-" "$corpus" "$seed" \
		>"$log" 2>&1; then
		echo "ok $n - $target ran without a crash (at most ${SECS} s; $(grep -Eo \
			'Done [0-9]+ runs' "$log" | tail -n1), $(grep -Eo 'cov: [0-9]+' "$log" |
			tail -n1), corpus $(ls "$corpus" | wc -l) inputs)"
	else
		fails=$((fails + 1))
		echo "not ok $n - $target crashed"
		grep -E 'ERROR|SUMMARY|artifact' "$log" | head -5 | sed 's/^/#   /'
	fi
	regress="tests/fuzz/regressions/$target"
	if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
		n=$((n + 1))
		if "$bin" -runs=0 "$regress"/* >"$log.regress" 2>&1; then
			echo "ok $n - $target replays $(ls "$regress" | wc -l) regression inputs"
		else
			fails=$((fails + 1))
			echo "not ok $n - $target fails on a regression input"
			grep -E 'ERROR|SUMMARY|Running' "$log.regress" | tail -5 | sed 's/^/#   /'
		fi
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
