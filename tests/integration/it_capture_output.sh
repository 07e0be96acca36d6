#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The output side of spancap, with real BPF and real processes:
#   - rotation: -G and -C give a series of files whose names sort in time order, each a
#     self-contained capture that spancap-analyze reads alone (the demo service's process,
#     service name and traces in every file); -W COUNT keeps the last COUNT files;
#   - crash safety: after SIGKILL the file reads up to about the last second;
#   - a full file system: spancap stops with a message naming the file and the error, exits 1,
#     and the file reads cleanly up to the failure; compressed, inside the first frame, the
#     reader gets what `zstd -dc` gets and the final line counts no event the file lacks;
#   - a flipped byte in a data frame: the frames after it read, the gap reported;
#   - loss accounting under overload (a 4 KiB ring buffer): the flood's own count of getppid()
#     calls equals the calls recorded plus the events reported lost (within the handful of
#     other syscalls the flood makes), and the LOSS records add up to the END record's total,
#     across rotated files too;
#   - the compressor thread: on two CPUs a second thread (spancap-zstd) compresses, with no
#     more capabilities than the main thread; --compress-inline or one CPU keep compression
#     on the main thread; -c N is exact either way; after SIGINT the END record counts the
#     syscall records the file holds;
#   - option errors.
# Every workload is bounded by a count or paced (the demo service's --requests and --rate, the
# flood's CALLS and RATE; the full file system by its size), so that a faster machine records no
# more; durations are safety nets. Prints TAP. A BPF program that cannot load is a failure, never a skip.
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
ANALYZE="$BUILD/spancap-analyze"
DEMO="$BUILD/samples/spancap-demo-service"
FLOOD="$BUILD/tests/getppid_flood"
. "$(dirname "$0")/suite_lib.sh"
TAP_DETAIL_FROM=tail
TAP_DETAIL_LINES=20
suite_tmpdir
suite_cleanup() {
	[ -n "${flood_pid:-}" ] && kill "$flood_pid" 2>/dev/null
	mountpoint -q "$tmp/full" 2>/dev/null && umount "$tmp/full"
	mountpoint -q "$tmp/fullz" 2>/dev/null && umount "$tmp/fullz"
}
py() { python3 -c "$@"; }

# ---- option errors -------------------------------------------------------------------------
refused() { # description, expected message part, spancap args...
	local d=$1 msg=$2; shift 2
	if "$SPANCAP" "$@" >"$tmp/out" 2>&1; then
		not_ok "$d (accepted)" "$tmp/out"
	elif grep -q -- "$msg" "$tmp/out"; then
		ok "$d"
	else
		not_ok "$d (message)" "$tmp/out"
	fi
}
refused "-W without -C or -G is refused" "give -C or -G" -w "$tmp/x" -W 3 -- true
refused "rotation to standard output is refused" "standard output" -w - -G 1 -- true
refused "a -C size below 4k is refused" "bad -C size" -w "$tmp/x" -C 100 -- true
refused "a -C size with a bad suffix is refused" "bad -C size" -w "$tmp/x" -C 10x -- true
refused "compression level 0 is refused" "bad compression level" -w "$tmp/x" \
	--compress-level 0 -- true
refused "--compress-level with -u is refused" "contradict" -w "$tmp/x" -u --compress-level 3 \
	-- true

# ---- rotation by time ------------------------------------------------------------------------
mkdir -p "$tmp/g/files"
"$SPANCAP" -w "$tmp/g/cap.pcapng.zst" -G 1 -- "$DEMO" --threads 2 --rate 100 --requests 400 \
	--duration 8 --seed 5 --dir "$tmp/g/files" --truth "$tmp/g/truth.jsonl" \
	>"$tmp/g.out" 2>&1
rc=$?
files=$(ls "$tmp"/g/cap-*.pcapng.zst 2>/dev/null)
nf=$(echo "$files" | grep -c . || true)
if [ $rc -eq 0 ] && [ "$nf" -ge 3 ] && [ ! -e "$tmp/g/cap.pcapng.zst" ]; then
	ok "-G 1 over ~4 s writes $nf numbered files"
else
	not_ok "-G 1 over ~4 s writes several numbered files (rc $rc, $nf files)" "$tmp/g.out"
fi
bad_mode=$(stat -c '%a %n' $files | grep -v '^600 ' || true)
[ -z "$bad_mode" ] && ok "every rotated file is mode 0600" || not_ok "modes: $bad_mode"
# Each file alone: no warning, the demo service described with its service name, traces.
i=0
alone_ok=1
for f in $files; do
	i=$((i + 1))
	if ! "$ANALYZE" info --json "$f" >"$tmp/info.json" 2>"$tmp/info.err" ||
		[ -s "$tmp/info.err" ]; then
		alone_ok=0; not_ok "file $i ($f) reads alone without warning" "$tmp/info.err"; continue
	fi
	"$ANALYZE" traces --json "$f" >"$tmp/traces.json" 2>/dev/null
	r=$(py '
import json, sys
info = json.load(open(sys.argv[1])); tr = json.load(open(sys.argv[2]))
procs = [p for p in info["processes"] if p["comm"].startswith("spancap-demo")]
named = [p for p in procs if p["service"] == "spancap-demo-service" and p["key_map_size"]]
served = [t for t in tr["traces"] if "spancap-demo-service" in t["services"]]
print(info["sections"][0]["start_ns"], len(named), len(served), info["records"]["syscall"])
' "$tmp/info.json" "$tmp/traces.json" 2>&1)
	echo "$r" >>"$tmp/starts"
	set -- $r
	# the last file may start as the service exits: it may hold nothing of it
	if [ $# -ne 4 ] || { [ "$i" -lt "$nf" ] && { [ "$2" -lt 1 ] || [ "$3" -lt 1 ]; }; }; then
		alone_ok=0
		echo "$r" >"$tmp/out"
		not_ok "file $i alone: the demo service with its service name and key map, and traces" \
			"$tmp/out"
	fi
done
[ $alone_ok -eq 1 ] && ok "each of the $nf files, alone: the demo service (service name, key map) and its traces"
# Names sort in time order: the section start times follow the name order.
if [ -f "$tmp/starts" ] && cut -d' ' -f1 "$tmp/starts" | sort -n -c 2>/dev/null &&
	[ "$(cut -d' ' -f1 "$tmp/starts" | sort -u | wc -l)" -eq "$nf" ]; then
	ok "file names sort in the order of their sections' start times"
else
	not_ok "file names sort in time order" "$tmp/starts"
fi
# Together: every syscall once (no duplicate across files), the sum of the files alone.
sum=$(awk '{s += $4} END {print s + 0}' "$tmp/starts" 2>/dev/null)
all=$("$ANALYZE" info --json $files 2>/dev/null | py 'import json,sys; print(json.load(sys.stdin)["records"]["syscall"])')
[ -n "$all" ] && [ "$all" = "$sum" ] && [ "$all" -gt 0 ] &&
	ok "the files read together hold the syscalls of the files alone ($all)" ||
	not_ok "files together: $all syscalls, alone: $sum"
# Section indexes count across the files (0, 1, 2 ... in name order), so that info can say which
# files of a capture are missing: here the second one is left out.
idx=$("$ANALYZE" info --json $files 2>/dev/null |
	py 'import json,sys; print(" ".join(str(s["index"]) for s in json.load(sys.stdin)["sections"]))')
[ "$idx" = "$(seq -s ' ' 0 $((nf - 1)))" ] &&
	ok "the $nf rotated files hold sections 0 to $((nf - 1)), in name order" ||
	not_ok "section indexes of the rotated files: '$idx'"
without2=$(echo "$files" | sed 2d)
"$ANALYZE" info $without2 >"$tmp/gap.txt" 2>&1
"$ANALYZE" info --json $without2 >"$tmp/gap.json" 2>>"$tmp/gap.txt"
gap=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][0]["missing_sections"])' \
	"$tmp/gap.json" 2>>"$tmp/gap.txt")
grep -q '^    missing sections (files not given, or lost): 1$' "$tmp/gap.txt" &&
	[ "$gap" = "[[{'from': 1, 'to': 1}]]" ] &&
	ok "info on the files without the second: missing section 1 (text and JSON)" ||
	not_ok "info on the files without the second names the missing section ($gap)" "$tmp/gap.txt"

# ---- a step of the wall clock during a rotated capture ----------------------------------------
# spancap under tests/clock_step_shim.so sees CLOCK_REALTIME jump a day ahead 1.5 s in (the
# host's clock is not touched): the files after the step must carry the new time, a CLOCK record
# must say where it stepped, info must report the step, and times of day printed past the
# capture's first day must carry their date (and read back with --since).
mkdir -p "$tmp/ck/files"
LD_PRELOAD="$(cd "$BUILD/tests" && pwd)/clock_step_shim.so" CLOCK_STEP_AFTER_MS=1500 \
	CLOCK_STEP_S=86400 "$SPANCAP" -w "$tmp/ck/cap.pcapng.zst" -G 1 -- "$DEMO" --threads 2 \
	--rate 100 --requests 350 --duration 8 --seed 7 --dir "$tmp/ck/files" >"$tmp/ck.out" 2>&1
ck_files=$(ls "$tmp"/ck/cap-*.pcapng.zst 2>/dev/null)
"$ANALYZE" info --json $ck_files >"$tmp/ck.json" 2>>"$tmp/ck.out"
"$ANALYZE" info $ck_files >"$tmp/ck.txt" 2>>"$tmp/ck.out"
r=$(py '
import json, sys
d = json.load(open(sys.argv[1])); h = d["hosts"][0]
starts = [s["start_ns"] for s in d["sections"]]
jumps = [b - a for a, b in zip(starts, starts[1:])]
steps = h["clock_steps"]
ok = (len(steps) == 1 and abs(steps[0]["step_ns"] - 86400e9) < 0.1e9 and
      sum(1 for j in jumps if j > 86300e9) == 1 and all(j > 0 for j in jumps) and
      d["records"]["clock"] >= len(starts))
print("%s: %d files, section starts move by %s s; clock steps %s; %d CLOCK records" % (
    "good" if ok else "bad", len(starts), ["%.1f" % (j / 1e9) for j in jumps],
    [s["step_ns"] / 1e9 for s in steps], d["records"]["clock"]))
' "$tmp/ck.json" 2>&1)
case $r in
good*) ok "a wall-clock step of +86400 s during -G 1: $r" ;;
*) echo "$r" >>"$tmp/ck.out"; not_ok "a wall-clock step of +86400 s during -G 1 is followed and reported" "$tmp/ck.out" ;;
esac
grep -q '^  clock: the wall clock stepped +86400\.[0-9]* s at ' "$tmp/ck.txt" &&
	ok "info says when and by how much the wall clock stepped" ||
	not_ok "info says when and by how much the wall clock stepped" "$tmp/ck.txt"
"$ANALYZE" timeline $ck_files >"$tmp/ck.tl" 2>>"$tmp/ck.out"
dated=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ ' "$tmp/ck.tl")
first=$(head -n 1 "$tmp/ck.tl" | cut -d' ' -f1)
last=$(tail -n 1 "$tmp/ck.tl" | cut -d' ' -f1,2)
"$ANALYZE" timeline --since "$last" $ck_files >"$tmp/ck.since" 2>>"$tmp/ck.out"
[ "$dated" -gt 0 ] && [ "$dated" -lt "$(wc -l <"$tmp/ck.tl")" ] &&
	[[ $first =~ ^[0-9]{2}:[0-9]{2}: ]] && [ -s "$tmp/ck.since" ] &&
	[ "$(head -n 1 "$tmp/ck.since" | cut -d' ' -f1,2)" = "$last" ] &&
	ok "timeline: times of the next day carry their date ($dated lines), and --since reads one back" ||
	not_ok "timeline: times of the next day carry their date ($dated lines; first '$first', last '$last')" "$tmp/ck.out"

# ---- rotation by size, ring of files ---------------------------------------------------------
mkdir -p "$tmp/c/files"
"$SPANCAP" -w "$tmp/c/cap.pcapng.zst" -C 64k -W 3 -- "$DEMO" --threads 2 --requests 600 \
	--duration 3 --seed 6 --dir "$tmp/c/files" >"$tmp/c.out" 2>&1
rc=$?
files=$(ls "$tmp"/c/cap-*.pcapng.zst 2>/dev/null)
nf=$(echo "$files" | grep -c . || true)
last=$(echo "$files" | tail -n 1 | sed 's/.*cap-0*\([0-9]*\)\.pcapng\.zst/\1/')
want=$(for s in $(seq $((last - 2)) "$last"); do printf '%s/c/cap-%06d.pcapng.zst\n' "$tmp" "$s"; done)
if [ $rc -eq 0 ] && [ "$nf" -eq 3 ] && [ "${last:-0}" -gt 3 ] && [ "$files" = "$want" ]; then
	ok "-C 64k -W 3: $last files written, the last 3 kept"
else
	not_ok "-C 64k -W 3 keeps the last 3 files (rc $rc, kept: $(echo $files))" "$tmp/c.out"
fi
# Every file but the last reached the limit and stayed within twice of it.
sizes=$(stat -c %s $files | head -n -1)
bad=$(for s in $sizes; do [ "$s" -ge 65536 ] && [ "$s" -le 131072 ] || echo "$s"; done)
[ -n "$sizes" ] && [ -z "$bad" ] && ok "rotated files are between 64k and 128k ($(echo $sizes))" ||
	not_ok "rotated file sizes: $(echo $sizes)"
check "a file of the ring reads alone" "$ANALYZE" traces "$(echo "$files" | head -n 1)"

# ---- SIGKILL ---------------------------------------------------------------------------------
for t in 0.4 1.5 3; do
	f="$tmp/kill-$t.pcapng.zst"
	"$SPANCAP" -w "$f" -- "$FLOOD" 1 0 - 300000 >/dev/null 2>&1 & # paced: 300k calls/s
	cap_pid=$!
	sleep "$t"
	flood_pid=$(pgrep -P "$cap_pid" | head -n 1)
	kill_ns=$(date +%s%N)
	kill -9 "$cap_pid"
	wait "$cap_pid" 2>/dev/null
	[ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null
	flood_pid=
	if "$ANALYZE" info --json "$f" >"$tmp/kinfo.json" 2>"$tmp/kinfo.err"; then
		r=$(py '
import json, sys
d = json.load(open(sys.argv[1])); k = int(sys.argv[2]); t = float(sys.argv[3])
last = d["files"][0]["last_ns"] or 0
n = d["records"]["syscall"]
# frames end every second; allow a second more for a loaded machine
if t >= 1.5 and (n == 0 or last < k - 2.5e9):
	print("bad: %d syscalls, last record %.2f s before the kill" % (n, (k - last) / 1e9))
else:
	print("good: %d syscalls, last record %.2f s before the kill" % (n, (k - last) / 1e9))
' "$tmp/kinfo.json" "$kill_ns" "$t")
		case $r in
		good*) ok "SIGKILL after ${t}s: the file reads ($r)" ;;
		*) echo "$r" >"$tmp/out"; not_ok "SIGKILL after ${t}s: $r" "$tmp/out" ;;
		esac
	else
		not_ok "SIGKILL after ${t}s: the file cannot be read" "$tmp/kinfo.err"
	fi
done

# ---- full file system --------------------------------------------------------------------------
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=1m,mode=0700 tmpfs "$tmp/full"; then
	timeout 120 "$SPANCAP" -u -w "$tmp/full/cap.pcapng" -- "$FLOOD" 1 0 >"$tmp/full.out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$tmp/full/cap.pcapng: .*No space left on device" "$tmp/full.out"; then
		ok "a full file system stops spancap with exit 1 and names the file and the error"
	else
		not_ok "full file system: exit $rc" "$tmp/full.out"
	fi
	# The file system fills inside a record (a warning names the cut) or, now and then, exactly
	# at a record's end (the file then reads whole and lacks its END record).
	if "$ANALYZE" info --json "$tmp/full/cap.pcapng" >"$tmp/finfo.json" 2>"$tmp/finfo.err" &&
		py '
import json, sys
d = json.load(open(sys.argv[1]))
warned = "truncated" in open(sys.argv[2]).read()
assert d["records"]["syscall"] > 1000, d["records"]
assert d["hosts"][0]["end"] is None, "no END record after the failure"
assert d["files"][0]["damaged"] == warned, "the cut is reported as damage, with a warning"
' "$tmp/finfo.json" "$tmp/finfo.err" 2>>"$tmp/finfo.err"; then
		ok "the file of a full file system reads up to the failure, the cut reported"
	else
		not_ok "the file of a full file system reads up to the failure" "$tmp/finfo.err"
	fi
	umount "$tmp/full"
else
	not_ok "mount a 1 MiB tmpfs"
fi

# Compressed, the disk fills long before the first data frame ends (1 s or 4 MiB of pcapng):
# the reader takes every record zstd decodes from that cut frame (as many as `zstd -dc`
# recovers), says truncated, and the final line counts as written only events the file holds.
mkdir -p "$tmp/fullz"
if mount -t tmpfs -o size=160k,mode=0700 tmpfs "$tmp/fullz"; then
	timeout 120 "$SPANCAP" -w "$tmp/fullz/cap.pcapng.zst" -- "$FLOOD" 1 0 >"$tmp/fullz.out" 2>&1
	rc=$?
	zstd -q -dc "$tmp/fullz/cap.pcapng.zst" >"$tmp/fullz.pcapng" 2>/dev/null
	if [ $rc -eq 1 ] && grep -q "$tmp/fullz/cap.pcapng.zst: .*No space left on device" "$tmp/fullz.out" &&
		"$ANALYZE" info --json "$tmp/fullz/cap.pcapng.zst" >"$tmp/fzinfo.json" 2>"$tmp/fzinfo.err" &&
		py '
import json, re, struct, sys
d = json.load(open(sys.argv[1])); err = open(sys.argv[2]).read(); out = open(sys.argv[3]).read()
z = open(sys.argv[4], "rb").read()
off = epbs = 0
while len(z) - off >= 12:  # the whole pcapng blocks zstd -dc recovers
	t, n = struct.unpack_from("<II", z, off)
	if n < 12 or n % 4 or n > len(z) - off:
		break
	epbs += t == 6; off += n
recs = d["records"]
frames = d["files"][0]
cut = re.search(r"cap.pcapng.zst: truncated: the zstd frame at compressed offset (\d+) .* ends early at compressed offset \d+", err)
assert cut, err
assert int(cut.group(1)) < 4096, "the cut frame is the first data frame, after the header: " + err
assert frames["records"] == epbs, "reader %d records, zstd -dc %d" % (frames["records"], epbs)
assert recs["syscall"] > 1000, recs
m = re.search(r"^(\d+) events written, (\d+) lost$", out, re.M)
assert m, out
written = int(m.group(1))
# records of kernel events (a fork or exec may add process and thread records)
events = sum(recs.get(k, 0) for k in ("syscall", "proc_event", "thread_ctx", "process", "thread"))
assert 0 < written <= events, "written %d, readable events %d" % (written, events)
print("%d records read (zstd -dc: %d), %d syscalls, final line: %d written, %s lost" % (frames["records"], epbs, recs["syscall"], written, m.group(2)))
' "$tmp/fzinfo.json" "$tmp/fzinfo.err" "$tmp/fullz.out" "$tmp/fullz.pcapng" >"$tmp/fz.r" 2>&1; then
		ok "a compressed capture cut by a full disk in its first frame reads what zstd decodes; written counts only that ($(cat "$tmp/fz.r"))"
	else
		cat "$tmp/fz.r" "$tmp/fzinfo.err" >>"$tmp/fullz.out" 2>/dev/null
		not_ok "a compressed capture cut by a full disk in its first frame reads what zstd decodes (exit $rc)" "$tmp/fullz.out"
	fi
	umount "$tmp/fullz"
else
	not_ok "mount a 160 KiB tmpfs"
fi

# ---- a damaged frame -----------------------------------------------------------------------------
# One flipped byte in the first data frame of a real capture: the frames after it still read,
# the gap is a warning with the file, its offsets and time range, and info lists it.
"$SPANCAP" -w "$tmp/flip.pcapng.zst" -- "$FLOOD" 1 300000 >"$tmp/flip.out" 2>&1
if py '
import json, subprocess, sys
path, out = sys.argv[1], sys.argv[2]
z = bytearray(open(path, "rb").read())
def skippable(d, o):  # an index frame (FORMAT.md 7) or another skippable frame
	return d[o] & 0xf0 == 0x50 and d[o + 1:o + 4] == b"\x2a\x4d\x18"
def frame_len(d, o):  # a zstd frame: header, blocks up to the last, checksum
	if skippable(d, o):
		return 8 + int.from_bytes(d[o + 4:o + 8], "little")
	assert d[o:o + 4] == b"\x28\xb5\x2f\xfd", "frame magic at %d" % o
	fhd = d[o + 4]; p = o + 5
	single = (fhd >> 5) & 1
	p += (0 if single else 1) + [0, 1, 2, 4][fhd & 3] + [1 if single else 0, 2, 4, 8][fhd >> 6]
	while True:
		bh = d[p] | d[p + 1] << 8 | d[p + 2] << 16; p += 3
		p += 1 if (bh >> 1) & 3 == 1 else bh >> 3
		if bh & 1:
			break
	return p - o + (4 if (fhd >> 2) & 1 else 0)
starts, ends, pos = [], [], 0  # the data frames (an index frame belongs to the one before it)
while pos < len(z):
	if not skippable(z, pos):
		starts.append(pos)
		ends.append(pos + frame_len(z, pos))
	pos += frame_len(z, pos)
starts.append(len(z))
assert len(starts) >= 5, "frames: %d" % (len(starts) - 1)
def records(a, b):
	plain = subprocess.run(["zstd", "-qdc"], input=bytes(z[a:b]), capture_output=True).stdout
	off = n = 0
	while off < len(plain):
		t, l = int.from_bytes(plain[off:off + 4], "little"), int.from_bytes(plain[off + 4:off + 8], "little")
		n += t == 6; off += l
	return n
lost = records(starts[1], starts[2])
total = records(0, len(z))
z[(starts[1] + ends[1]) // 2] ^= 0x20
open(path, "wb").write(z)
subprocess.run([sys.argv[3], "info", "--json", path], stdout=open(out + ".json", "w"), stderr=open(out + ".err", "w"), check=True)
d = json.load(open(out + ".json")); err = open(out + ".err").read()
f = d["files"][0]
assert f["damaged"] and f["records"] == total - lost, "read %d of %d, the damaged frame held %d" % (f["records"], total, lost)
g = f["damaged_ranges"]
assert len(g) == 1 and g[0]["offset"] == starts[1] and g[0]["end_offset"] == starts[2], g
assert 0 < g[0]["last_ns"] < g[0]["next_ns"], g
want = "%s: corrupt: compressed bytes %d to %d skipped" % (path, starts[1], starts[2])
assert want in err and "the records between 20" in err, err
text = subprocess.run([sys.argv[3], "info", path], capture_output=True, text=True).stdout
assert "damaged: compressed bytes %d to %d skipped, records missing between 20" % (starts[1], starts[2]) in text, text
print("%d of %d records read, %d lost with frame 2 of %d" % (f["records"], total, lost, len(starts) - 1))
' "$tmp/flip.pcapng.zst" "$tmp/flip" "$ANALYZE" >"$tmp/flip.r" 2>&1; then
	ok "a flipped byte in the first data frame: the later frames read, the gap reported ($(cat "$tmp/flip.r"))"
else
	cat "$tmp/flip.r" >>"$tmp/flip.out"
	not_ok "a flipped byte in the first data frame: the later frames read, the gap reported" "$tmp/flip.out"
fi

# ---- the compressor thread ---------------------------------------------------------------------
# spancap -c 200000 of a flood paced at 100000 calls/s (2 s at least); a second into it, its
# threads (names and capabilities) are read from /proc. Prints "THREADS|CAPS DIFFER|SYSCALLS".
threads_of_capture() { # file, spancap options...
	local f=$1 pid names="" capdiff=0 main_caps t
	shift
	"$@" -v -c 200000 -w "$f" -- "$FLOOD" 1 0 - 100000 >"$f.out" 2>&1 &
	pid=$!
	sleep 1 # the thread starts before the command does; the flood takes 2 s at least
	main_caps=$(grep '^CapEff' /proc/$pid/status 2>/dev/null)
	for t in /proc/$pid/task/*; do
		[ -e "$t/comm" ] || continue
		names="$names $(cat "$t/comm")"
		[ "$(grep '^CapEff' "$t/status")" = "$main_caps" ] || capdiff=1
	done
	wait "$pid"
	echo "$(echo $names | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')|$capdiff|$("$ANALYZE" info --json "$f" 2>/dev/null |
		py 'import json,sys; print(json.load(sys.stdin)["records"]["syscall"])')"
}
# On these 2 CPUs (the suite's machine has two at least) a second thread compresses.
r=$(threads_of_capture "$tmp/th.pcapng.zst" "$SPANCAP")
if [ "$r" = "spancap spancap-zstd|0|200000" ] && grep -q "compressing on a second thread" "$tmp/th.pcapng.zst.out"; then
	ok "two CPUs: a second thread (spancap-zstd) compresses, with the main thread's capabilities; -c 200000 exact"
else
	not_ok "two CPUs: a second thread compresses, with the main thread's capabilities; -c exact (threads|caps differ|syscalls: $r)" "$tmp/th.pcapng.zst.out"
fi
r=$(threads_of_capture "$tmp/in.pcapng.zst" "$SPANCAP" --compress-inline)
if [ "$r" = "spancap|0|200000" ] && ! grep -q "second thread" "$tmp/in.pcapng.zst.out"; then
	ok "--compress-inline: one thread; -c 200000 exact"
else
	not_ok "--compress-inline: one thread; -c exact (threads|caps differ|syscalls: $r)" "$tmp/in.pcapng.zst.out"
fi
r=$(threads_of_capture "$tmp/one.pcapng.zst" taskset -c 0 "$SPANCAP")
if [ "$r" = "spancap|0|200000" ] && ! grep -q "second thread" "$tmp/one.pcapng.zst.out"; then
	ok "one CPU (taskset -c 0): one thread; -c 200000 exact"
else
	not_ok "one CPU (taskset -c 0): one thread; -c exact (threads|caps differ|syscalls: $r)" "$tmp/one.pcapng.zst.out"
fi

# SIGINT in the middle of an unpaced flood: every buffer handed to the thread reaches the file
# before the END record, which counts the syscall records the file holds, none lost.
"$SPANCAP" -w "$tmp/int.pcapng.zst" -- "$FLOOD" 1 0 >"$tmp/int.out" 2>&1 &
cap_pid=$!
sleep 2
kill -INT "$cap_pid"
wait "$cap_pid"
rc=$?
r=$("$ANALYZE" info --json "$tmp/int.pcapng.zst" 2>"$tmp/int.err" | py '
import json, re, sys
d = json.load(sys.stdin); end = d["hosts"][0]["end"]; n = d["records"]["syscall"]
m = re.search(r"^(\d+) events written, (\d+) lost$", open(sys.argv[1]).read(), re.M)
good = end["syscalls"] == n and n > 10000 and end["events_lost"] == 0 and m and int(m.group(2)) == 0 and int(m.group(1)) >= n
print("%s: END counts %d syscalls, the file holds %d; final line: %s" % ("good" if good else "bad", end["syscalls"], n, m.group(0) if m else "none"))
' "$tmp/int.out" 2>&1)
case "$rc $r" in
"0 good"*) ok "SIGINT during a flood, compressing on the second thread: $r" ;;
*) echo "$r" >>"$tmp/int.out"; not_ok "SIGINT during a flood: every record accepted is in the file (rc $rc)" "$tmp/int.out" ;;
esac

# ---- loss accounting under overload ------------------------------------------------------------
# One file, then the same across files rotated by size.
reconcile() { # description, files...
	local d=$1; shift
	"$ANALYZE" info --json "$@" >"$tmp/linfo.json" 2>"$tmp/linfo.err" &&
		"$ANALYZE" syscalls --json "$@" >"$tmp/lsys.json" 2>>"$tmp/linfo.err"
	r=$(py '
import json, sys
info = json.load(open(sys.argv[1])); sc = json.load(open(sys.argv[2]))
counted = int(open(sys.argv[3]).read())
rows = {r["syscall"]: r["count"] for r in sc["rows"]}
getppid, total = rows.get("getppid", 0), sum(rows.values())
loss = info["loss"]["by_reason"]
lost = loss.get("ringbuf-full", 0) + loss.get("map-full", 0)
end = info["hosts"][0]["end"]
problems = []
if not lost:
	problems.append("no loss under overload")
if end["events_lost"] != lost:
	problems.append("END events_lost %d != LOSS records %d" % (end["events_lost"], lost))
if getppid + lost < counted:
	problems.append("recorded %d + lost %d < counted %d" % (getppid, lost, counted))
if total + lost > counted + 300:
	problems.append("recorded %d + lost %d > counted %d + 300" % (total, lost, counted))
print("; ".join(problems) or "counted %d = getppid recorded %d + lost %d (+ %d others)"
      % (counted, getppid, lost, total + lost - counted))
' "$tmp/linfo.json" "$tmp/lsys.json" "$tmp/count" 2>&1)
	case $r in
	counted*) ok "$d: $r" ;;
	*) echo "$r" >>"$tmp/linfo.err"; not_ok "$d" "$tmp/linfo.err" ;;
	esac
}
"$SPANCAP" -w "$tmp/o.pcapng.zst" --ringbuf-size 4096 -- "$FLOOD" 2 150000 "$tmp/count" \
	>"$tmp/o.out" 2>&1
reconcile "overload, one file" "$tmp/o.pcapng.zst"
mkdir -p "$tmp/or"
"$SPANCAP" -w "$tmp/or/o.pcapng.zst" -C 64k --ringbuf-size 4096 -- "$FLOOD" 2 300000 \
	"$tmp/count" >"$tmp/or.out" 2>&1
nf=$(ls "$tmp"/or/o-*.pcapng.zst 2>/dev/null | wc -l)
if [ "$nf" -ge 2 ]; then
	reconcile "overload over $nf rotated files (END totals are the capture's)" \
		"$tmp"/or/o-*.pcapng.zst
else
	not_ok "overload with -C 64k gives several files ($nf)" "$tmp/or.out"
fi
# The final line reports what the END record says.
lost_line=$(sed -n 's/^\([0-9]*\) events written, \([0-9]*\) lost$/\2/p' "$tmp/o.out")
end_lost=$("$ANALYZE" info --json "$tmp/o.pcapng.zst" 2>/dev/null |
	py 'import json,sys; print(json.load(sys.stdin)["hosts"][0]["end"]["events_lost"])')
[ -n "$lost_line" ] && [ "$lost_line" = "$end_lost" ] &&
	ok "the final line reports the END record's loss ($lost_line)" ||
	not_ok "final line lost '$lost_line', END '$end_lost'" "$tmp/o.out"

tap_end
