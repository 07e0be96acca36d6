#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# it_analyze_cli.sh - runs spancap-analyze on the scenario of tests/analyze_scenario.h (written
# by analyze_scenario_gen) and checks the text and JSON output against what the scenario
# defines. TAP output; $1 is the build directory.
set -u
BUILD=${1:-build}
BIN=$BUILD/spancap-analyze
GEN=$BUILD/tests/analyze_scenario_gen
. "$(dirname "$0")/suite_lib.sh"
suite_tmpdir

# check DESCRIPTION PYTHON-EXPR: evaluates the expression on the JSON read from $tmp/out.json
jcheck() {
	python3 - "$tmp/out.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def span(sid):
    return [s for s in d["trace"]["spans"] if s["span_id"] == sid][0]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
	ok "$1" $?
}

A=0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a
B=0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b

"$GEN" "$tmp/s.scap" && "$GEN" "$tmp/s2.scap" 1 && "$GEN" "$tmp/plain.scap" 0 -u
ok "scenario files generated" $?

"$BIN" --help >"$tmp/help" 2>&1
ok "--help exits 0" $?
grep -q SYNOPSIS "$tmp/help" && grep -q "EXIT STATUS" "$tmp/help" && grep -q EXAMPLES "$tmp/help"
ok "--help reads like a manual" $?
"$BIN" --version | grep -q '^spancap-analyze '
ok "--version" $?

"$BIN" traces "$tmp/s.scap" >"$tmp/out" 2>"$tmp/err"
ok "traces exits 0" $?
grep -q "^$A .*checkout" "$tmp/out" && grep "^$B" "$tmp/out" | grep -q incomplete &&
	! grep "^$A" "$tmp/out" | grep -q incomplete
ok "traces text: both traces, B incomplete, A not" $?
[ ! -s "$tmp/err" ]
ok "traces: nothing on stderr for a clean file" $?

"$BIN" traces --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "traces --json: A totals" \
	'[t for t in d["traces"] if t["trace_id"] == "'$A'"][0]["stats"] == {"syscalls": 18, "errors": 2, "time_ns": [t for t in d["traces"] if t["trace_id"] == "'$A'"][0]["stats"]["time_ns"], "bytes_read": 370, "bytes_written": 179, "first_ns": 1790000000000011000, "last_ns": 1790000000000800700}'
jcheck "traces --json: A spans, threads, service" \
	'[(t["spans"], t["threads"], t["processes"], t["services"], t["incomplete"]) for t in d["traces"] if t["trace_id"] == "'$A'"] == [(2, 2, 1, ["checkout"], False)]'
jcheck "traces --json: B read 500 bytes and is incomplete" \
	'[(t["stats"]["bytes_read"], t["incomplete"]) for t in d["traces"] if t["trace_id"] == "'$B'"] == [(500, True)]'

"$BIN" traces --sort=bytes --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "traces --sort=bytes: A (549 B) before B (500 B)" \
	'[t["trace_id"] for t in d["traces"]] == ["'$A'", "'$B'"]'
"$BIN" traces --sort=errors --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "traces --sort=errors: A first" '[t["trace_id"] for t in d["traces"]][0] == "'$A'"'

"$BIN" trace 0a0a --json "$tmp/s.scap" >"$tmp/out.json"
ok "trace by id prefix exits 0" $?
jcheck "trace: span A1 reads 120 bytes of /etc/hosts" \
	'[f["bytes_read"] for f in span("a1a1a1a1a1a1a1a1")["files"] if f["path"] == "/etc/hosts"] == [120]'
jcheck "trace: span A1 wrote 79 bytes to the log through fds 1, 4 and 10" \
	'[f["bytes_written"] for f in span("a1a1a1a1a1a1a1a1")["files"] if f["path"] == "/var/log/svc.log"] == [79]'
jcheck "trace: failed openat with ENOENT on /etc/missing.conf" \
	'{"syscall": "openat", "errno_name": "ENOENT", "target": "/etc/missing.conf"}.items() <= span("a1a1a1a1a1a1a1a1")["errors"][0].items()'
jcheck "trace: A2 peer 127.0.0.1:5432, 100 bytes sent, 250 received" \
	'[(p["bytes_written"], p["bytes_read"], p["connects"]) for p in span("a2a2a2a2a2a2a2a2")["network"] if p["peer"] == "127.0.0.1:5432"] == [(100, 250, 1)]'
jcheck "trace: A2 child process 200 ran sh -c true and exited 0" \
	'[(c["pid"], c["argv"], c["exit_status"]) for c in span("a2a2a2a2a2a2a2a2")["children"]] == [(200, "sh -c true", 0)]'
jcheck "trace: attributes resolved through the key map (last value wins)" \
	'span("a1a1a1a1a1a1a1a1")["attributes"] == {"http.route": "/api/orders", "http.method": "POST"}'
jcheck "trace: net class percentiles, max 90us" \
	'[c["max_ns"] for c in span("a2a2a2a2a2a2a2a2")["classes"] if c["class"] == "net"] == [90000]'

"$BIN" trace $A --timeline "$tmp/s.scap" >"$tmp/out"
grep -q "ENOENT /etc/missing.conf" "$tmp/out" && grep -q "child processes:" "$tmp/out" &&
	grep -q "http.method=POST" "$tmp/out" && grep -q '^timeline:' "$tmp/out"
ok "trace text: errors, children, attributes, timeline" $?

"$BIN" trace ffff "$tmp/s.scap" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "no trace ffff" "$tmp/err"
ok "trace of an absent id: exit 1, one line" $?

"$BIN" timeline "$tmp/s.scap" >"$tmp/out"
grep -q "100/101 openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC, 0) = 3 <0.000012000> trace=$A span=a1a1a1a1a1a1a1a1" "$tmp/out"
ok "timeline: strace-like openat line with trace and span" $?
grep -q 'read(3</etc/hosts>, 0x2000, 4096) = 120' "$tmp/out" &&
	grep -q 'write(4, 0x3000, 3) = -1 EBADF' "$tmp/out" &&
	grep -q '+++ exited with 0 +++' "$tmp/out" && grep -q -- '--- lost 17 events' "$tmp/out"
ok "timeline: fds decorated, errors named, process events and losses" $?
"$BIN" timeline --errors-only "$tmp/s.scap" >"$tmp/out"
[ "$(wc -l <"$tmp/out")" -eq 2 ]
ok "timeline --errors-only: the 2 failed syscalls" $?
"$BIN" timeline --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "timeline --json: 25 syscalls" 'len([e for e in d["events"] if e["kind"] == "syscall"]) == 25'
"$BIN" timeline --json --syscall=connect,sendto --pid 100 "$tmp/s.scap" >"$tmp/out.json"
jcheck "timeline --syscall --pid" '[e["syscall"] for e in d["events"]] == ["connect", "sendto"]'

"$BIN" info "$tmp/s.scap" >"$tmp/out"
grep -q "host: scenario-host" "$tmp/out" && grep -q "no module defines otel_thread_ctx_v1" "$tmp/out" &&
	grep -qx "loss: 17 events not in the file, in 1 window, ringbuf-full 17" "$tmp/out" &&
	grep -qx "faults: 3 syscalls recorded without an argument or their context, arg-fault 3" "$tmp/out" &&
	grep -q "spancap record -o scenario.scap" "$tmp/out"
ok "info: host, capture command, loss (dropped events only), faults, unresolved context reason" $?
"$BIN" info --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "info --json: record counts and ctx status" \
	'd["records"]["syscall"] == 25 and d["records"]["loss"] == 2 and [p["ctx_status"] for p in d["processes"] if p["pid"] == 100] == ["resolved"]'

"$BIN" processes --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "processes --json: service and child exit" \
	'[p["service"] for p in d["processes"] if p["pid"] == 100] == ["checkout"] and [p["exit_status"] for p in d["processes"] if p["pid"] == 200] == [0]'
"$BIN" files --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "files --json: the log got 83 bytes (fork inherited fd 1)" \
	'[f["bytes_written"] for f in d["files"] if f["path"] == "/var/log/svc.log"] == [83]'
jcheck "files --json: close-on-exec fd 7 unknown in the child" \
	'any(f["path"] == "[pid 200 fd 7]" for f in d["files"]) and not any(f["path"] == "/srv/data.db" for f in d["files"])'
"$BIN" net --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "net --json: one peer" '[p["peer"] for p in d["peers"]] == ["127.0.0.1:5432"]'
"$BIN" syscalls --by=span --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "syscalls --by=span: A1 read twice" \
	'[r["count"] for r in d["rows"] if r.get("span_id") == "a1a1a1a1a1a1a1a1" and r["syscall"] == "read"] == [2]'
"$BIN" syscalls --json "$tmp/s.scap" >"$tmp/out.json"
jcheck "syscalls: openat 3 calls, 1 ENOENT" \
	'[(r["count"], r["errnos"]) for r in d["rows"] if r["syscall"] == "openat"] == [(3, {"ENOENT": 1})]'
"$BIN" spans --json --since +1ms "$tmp/s.scap" >"$tmp/out.json"
jcheck "spans --since +1ms: only B1" '[s["span_id"] for s in d["spans"]] == ["b1b1b1b1b1b1b1b1"]'

"$BIN" traces --json "$tmp/s.scap" "$tmp/s2.scap" >"$tmp/out.json"
jcheck "two hosts merge by trace id" \
	'[(t["hosts"], t["spans"], t["stats"]["bytes_read"]) for t in d["traces"] if t["trace_id"] == "'$A'"] == [(["scenario-host", "scenario-host-2"], 3, 412)]'

size=$(stat -c %s "$tmp/plain.scap")
head -c $((size / 2)) "$tmp/plain.scap" >"$tmp/cut.scap"
"$BIN" traces "$tmp/cut.scap" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && grep -q "warning: .*cut.scap.*offset" "$tmp/err" && grep -q "^$A" "$tmp/out"
ok "truncated file: exit 0, warning names file and offset, earlier records analysed" $?

"$BIN" traces "$tmp/nope.scap" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
ok "missing file: exit 1 with one line" $?
"$BIN" frobnicate "$tmp/s.scap" >/dev/null 2>&1
[ $? -eq 2 ]
ok "unknown command: exit 2" $?
"$BIN" traces --syscall=nosuch "$tmp/s.scap" >/dev/null 2>&1
[ $? -eq 2 ]
ok "unknown syscall name: exit 2" $?

usage2() { # description, expected message (ERE), arguments
	local d=$1 msg=$2
	shift 2
	"$BIN" "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ "$rc" -eq 2 ] && grep -Eq -- "$msg" "$tmp/err"
	ok "$d (status $rc)" $?
}

# ---- the same file given twice is read once -------------------------------------------------------

"$BIN" traces --json "$tmp/s.scap" >"$tmp/once.json"
ln "$tmp/s.scap" "$tmp/s-hardlink.scap"
"$BIN" traces --json "$tmp/s.scap" "$tmp/s.scap" "$tmp/s-hardlink.scap" >"$tmp/out.json" 2>"$tmp/err"
[ $? -eq 0 ] && cmp -s "$tmp/once.json" "$tmp/out.json" &&
	[ "$(grep -c 'is the same file as .*s.scap: read once' "$tmp/err")" -eq 2 ]
ok "the same file given twice (and by a second name) is read once, with a warning" $?
"$BIN" filter -o "$tmp/twice.scap" "$tmp/s.scap" "$tmp/s.scap" 2>"$tmp/err" &&
	"$BIN" info --json "$tmp/twice.scap" >"$tmp/out.json" &&
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["records"]["syscall"] != 25)' "$tmp/out.json" &&
	grep -q 'is the same file as' "$tmp/err"
ok "filter: the same input given twice is written once" $?

# ---- times as the tables print them can be pasted into --since and --until ----------------------

"$BIN" timeline --since 14:13:20.000030000 --until 14:13:20.000030000 "$tmp/s.scap" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
	grep -q '^14:13:20.000030000 100/101 read(3</etc/hosts>' "$tmp/out"
ok "timeline --since/--until with a time of day from its own lines: exactly that syscall" $?
SAMPLE="$(dirname "$0")/../../samples/captures/demo-small.pcapng.zst"
row=$("$BIN" spans "$SAMPLE" | sed -n 3p)
span=$(echo "$row" | awk '{print $2}')
start=$(echo "$row" | awk '{print $6}')
"$BIN" spans --since "$start" --until "$start" "$SAMPLE" >"$tmp/out" 2>"$tmp/err" &&
	[ "$(sed 1d "$tmp/out" | awk '{print $2}')" = "$span" ]
ok "spans: the START of a row pasted into --since and --until selects that span ($start)" $?
usage2 "a time of day out of range is refused" "bad --since time '24:00:00'" \
	spans --since 24:00:00 "$tmp/s.scap"

# ---- one convention for usage errors (2) and absent traces (1) ----------------------------------

"$BIN" timeline --trace ffff "$tmp/s.scap" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no trace ffff" "$tmp/err"
ok "timeline --trace of an absent id: exit 1, as trace ID" $?
"$BIN" spans --trace ffff --json "$tmp/s.scap" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no trace ffff" "$tmp/err"
ok "spans --trace of an absent id: exit 1" $?
"$BIN" timeline --trace 0a0a "$tmp/s.scap" >/dev/null 2>"$tmp/err"
ok "timeline --trace of a present id: exit 0" $?
usage2 "--since after --until (relative): usage error" "--since is after --until" \
	timeline --since +2s --until +1s "$tmp/s.scap"
usage2 "--since after --until (absolute): usage error" "--since is after --until" \
	spans --since 1790000000000800700 --until 1790000000000011000 "$tmp/s.scap"
usage2 "--since after --until (relative against absolute): usage error" "--since is after --until" \
	timeline --since +1s --until 1790000000000011000 "$tmp/s.scap"
usage2 "a file where the command goes: a hint naming the command" \
	"unknown command .*s.scap.*: the command comes first, as in spancap-analyze info .*s.scap" \
	"$tmp/s.scap"
usage2 "--sort given to spans is refused" "--sort is not an option of spans" --sort=time spans "$tmp/s.scap"
usage2 "--by given to traces is refused" "--by is not an option of traces" traces --by=span "$tmp/s.scap"
usage2 "--timeline given to timeline is refused" "--timeline is not an option of timeline" \
	timeline --timeline "$tmp/s.scap"
usage2 "--json given to export is refused" "--json is not an option of export" \
	export --format chrome --json "$tmp/s.scap"
usage2 "--json given to filter is refused" "--json is not an option of filter" \
	filter --json -o "$tmp/never.scap" "$tmp/s.scap"
usage2 "--pid given to info (which describes the whole capture) is refused" \
	"a selection option .* is not an option of info" info --pid 100 "$tmp/s.scap"
usage2 "-o given to traces is refused" "are for export" traces -o "$tmp/never.scap" "$tmp/s.scap"
usage2 "--redact given to traces is refused" "belong to filter" traces --redact "$tmp/s.scap"
[ ! -e "$tmp/never.scap" ]
ok "no refused command line wrote a file" $?
"$BIN" --help | sed -n '/^EXAMPLES/,/^EXIT/p' >"$tmp/examples"
! grep -q '\.scap' "$tmp/examples" && grep -q 'pcapng.zst' "$tmp/examples" &&
	grep -q 'stands for a trace id' "$tmp/examples"
ok "--help examples use spancap's .pcapng.zst names and mark the example id as a placeholder" $?

# The checked-in sample has a loss window of one event.
"$BIN" timeline "$(dirname "$0")/../../samples/captures/demo-small.pcapng.zst" >"$tmp/out" &&
	grep -q -- '--- lost 1 event (unmatched)' "$tmp/out" && ! grep -q ' 1 events' "$tmp/out"
ok "timeline: 'lost 1 event', not '1 events'" $?
grep -Eq -- '^[0-9:.]+ --- lost 1 event \(unmatched\) on cpu [0-9]+, window [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}\.\.[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} ---$' "$tmp/out"
ok "timeline: a loss window in times of day, not epoch nanoseconds" $?

# ---- an interrupted -o leaves no file (export and filter) ----------------------------------------

# The input is a FIFO: the run blocks on it with its output open, where SIGTERM then finds it.
# export streams its input (the FIFO is kept open after the file); filter reads its inputs
# twice, and blocks when it opens the FIFO again for the second pass, its output created.
interrupted() { # description, signal, keep-open (1: export), arguments before the input
	local d=$1 sig=$2 keep=$3 pid rc left
	shift 3
	rm -rf "$tmp/int" "$tmp/fifo"
	mkdir "$tmp/int"
	mkfifo "$tmp/fifo"
	# (a background job of a script starts with SIGINT ignored: give it back its default)
	env --default-signal=INT "$BIN" "$@" "$tmp/fifo" >/dev/null 2>"$tmp/int.err" &
	pid=$!
	exec 7>"$tmp/fifo"
	cat "$tmp/s.scap" >&7
	[ "$keep" -eq 1 ] || exec 7>&-
	for _ in $(seq 1 100); do
		[ -n "$(ls -A "$tmp/int")" ] && break
		sleep 0.05
	done
	sleep 0.1
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	exec 7>&-
	left=$(ls -A "$tmp/int")
	if [ "$rc" -ge 128 ] && [ -z "$left" ]; then
		ok "$d"
	else
		not_ok "$d (status $rc, left: ${left:-nothing})" "$tmp/int.err"
	fi
}
interrupted "export -o interrupted by SIGTERM: no partial file, no temporary file left" TERM 1 \
	export --format chrome -o "$tmp/int/out.json"
interrupted "export -o interrupted by SIGINT: no partial file, no temporary file left" INT 1 \
	export --format otlp-json -o "$tmp/int/out.json"
interrupted "filter -o interrupted by SIGTERM: no partial file, no temporary file left" TERM 0 \
	filter -o "$tmp/int/out.scap"
"$BIN" export --format chrome -o "$tmp/int/done.json" "$tmp/s.scap" 2>"$tmp/err" &&
	[ "$(ls -A "$tmp/int")" = done.json ] && [ "$(stat -c %a "$tmp/int/done.json")" = 600 ] &&
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/int/done.json"
ok "a complete export is renamed into place, mode 0600, alone in its directory" $?
"$BIN" export --format chrome -o /dev/null "$tmp/s.scap" 2>"$tmp/err" && [ -c /dev/null ]
ok "-o /dev/null is written in place (not replaced by a file)" $?

# ---- bytes that are not UTF-8: a real process opens a path holding 0xff, 0xc3 0x28 and a \ ----
mkdir -p "$tmp/u"
uname_=$(printf 'a\xffb\xc3(c\\d')
echo hi >"$tmp/u/$uname_"
ucap=$tmp/u.pcapng.zst
if timeout 60 "$BUILD/spancap" -w "$ucap" -- /bin/cat "$tmp/u/$uname_" >"$tmp/ucap.out" 2>&1; then
	ok "spancap -- cat on a path that is not UTF-8"
else
	not_ok "spancap -- cat on a path that is not UTF-8" "$(tail -n 5 "$tmp/ucap.out")"
fi
# text, as strace prints it: \xNN for each byte outside UTF-8, \\ for the backslash
utext="$tmp/u/a\\xffb\\xc3(c\\\\d"
"$BIN" files "$ucap" >"$tmp/u.txt" 2>"$tmp/err"
check "files: the path's row is the escaped text, byte for byte" \
	bash -c '[ "$(grep -F -- "$2/u/a" "$1" | cut -d" " -f1)" = "$3" ]' _ "$tmp/u.txt" "$tmp" "$utext"
check "files: no raw 0xff byte in the text output" bash -c '! LC_ALL=C grep -q $'"'"'\xff'"'"' "$1"' _ "$tmp/u.txt"
"$BIN" timeline "$ucap" >"$tmp/u.txt" 2>"$tmp/err"
check "timeline: openat(AT_FDCWD, \"$utext\", O_RDONLY...)" \
	grep -qF -- "openat(AT_FDCWD, \"$utext\", O_RDONLY" "$tmp/u.txt"
# JSON: the same text, JSON-escaped; it decodes back to the bytes
ujson=$(printf '%s' "$utext" | sed 's/\\/\\\\/g')
for cmd in files timeline; do
	"$BIN" $cmd --json "$ucap" >"$tmp/u.json" 2>"$tmp/err"
	check "$cmd --json: the path is \"$ujson\" byte for byte" \
		grep -qF -- "\"$ujson\"" "$tmp/u.json"
	check "$cmd --json: no U+FFFD, valid JSON whose path decodes back to the bytes" \
		python3 -c '
import json, re, sys
raw = open(sys.argv[1], "rb").read()
assert b"\\ufffd" not in raw and "\ufffd".encode() not in raw
d = json.loads(raw)
want = (sys.argv[2] + "/a").encode() + b"\xffb\xc3(c\\d"
def back(t):
    return re.sub(rb"\\(\\|x([0-9a-f]{2}))",
                  lambda m: bytes([int(m.group(2), 16)]) if m.group(2) else b"\\", t.encode())
def strings(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("path", "target"):
                yield v
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)
sys.exit(0 if want in [back(s) for s in strings(d) if isinstance(s, str)] else 1)
' "$tmp/u.json" "$tmp/u"
done

# ---- -s truncation: strings cut at the capture's snaplen say so ------------------------------
# Two paths cut to the same 16 bytes are one row, marked cut, never the exact path of that name.
mkdir -p "$tmp/snap"
for f in 0123456789abcdefAAA 0123456789abcdefBBB short; do echo x >"$tmp/snap/$f"; done
scap=$tmp/snap.pcapng.zst
cap_bin=$(cd "$BUILD" && pwd)/spancap
if (cd "$tmp/snap" && timeout 60 "$cap_bin" -s 16 -w "$scap" -- /bin/cat \
	0123456789abcdefAAA 0123456789abcdefBBB short) >"$tmp/scap.out" 2>&1; then
	ok "spancap -s 16 -- cat on two long paths and a short one"
else
	not_ok "spancap -s 16 -- cat on two long paths and a short one" "$(tail -n 5 "$tmp/scap.out")"
fi
"$BIN" files "$scap" >"$tmp/snap.txt" 2>"$tmp/err"
check "files: the cut paths are one row '0123456789abcdef...' with 2 opens" \
	grep -qE '^0123456789abcdef\.\.\. +file +[0-9]+ +2 ' "$tmp/snap.txt"
check "files: no row presents the cut prefix as an exact path" \
	bash -c '! grep -qE "^0123456789abcdef " "$1"' _ "$tmp/snap.txt"
check "files: the short path is exact (no '...')" grep -qE '^short +file ' "$tmp/snap.txt"
"$BIN" files --json "$scap" >"$tmp/snap.json" 2>"$tmp/err"
check "files --json: the cut row has \"truncated\": true, the short one no such key" \
	python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["files"]
cut = [r for r in rows if r["path"] == "0123456789abcdef"]
short = [r for r in rows if r["path"] == "short"]
sys.exit(0 if [(r.get("truncated"), r["opens"]) for r in cut] == [(True, 2)] and
         [r.get("truncated") for r in short] == [None] else 1)' "$tmp/snap.json"
"$BIN" timeline "$scap" >"$tmp/snap.txt" 2>"$tmp/err"
check "timeline: openat(AT_FDCWD, \"0123456789abcdef\"..., twice, and its fd <...>" \
	bash -c '[ "$(grep -c "openat(AT_FDCWD, \"0123456789abcdef\"\.\.\., O_RDONLY" "$1")" = 2 ] &&
		grep -qF "close(3<0123456789abcdef...>)" "$1" &&
		grep -qF "openat(AT_FDCWD, \"short\", O_RDONLY" "$1"' _ "$tmp/snap.txt"
# the new image's argument block is cut at 16 bytes as a whole: "/bin/cat\0" and 7 bytes
check "timeline: execve(\"/bin/cat\", [\"/bin/cat\", \"0123456\"...]: the block's last string cut" \
	grep -qF 'execve("/bin/cat", ["/bin/cat", "0123456"...], ' "$tmp/snap.txt"
"$BIN" timeline --json "$scap" >"$tmp/snap.json" 2>"$tmp/err"
check "timeline --json: the cut openat targets carry \"target_truncated\": true, short not" \
	python3 -c '
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e.get("syscall") == "openat"]
cut = [e.get("target_truncated") for e in ev if e.get("target") == "0123456789abcdef"]
short = [e.get("target_truncated") for e in ev if e.get("target") == "short"]
sys.exit(0 if cut == [True, True] and short == [None] else 1)' "$tmp/snap.json"

# ---- timeline in time order: a thread sleeps 1.5 s while the other makes syscalls ----
tcap=$tmp/tl.pcapng.zst
if timeout 60 "$BUILD/spancap" -w "$tcap" -- python3 -c '
import os, threading, time
t = threading.Thread(target=time.sleep, args=(1.5,))
t.start()
end = time.monotonic() + 2
while time.monotonic() < end:
    os.getppid()
    time.sleep(0.005)
t.join()' >"$tmp/tcap.out" 2>&1; then
	ok "spancap -- a thread sleeping 1.5 s beside one making syscalls"
else
	not_ok "spancap -- a thread sleeping 1.5 s beside one making syscalls" \
		"$(tail -n 5 "$tmp/tcap.out")"
fi
"$BIN" timeline "$tcap" >"$tmp/tl.txt" 2>"$tmp/err"
check "timeline: the leading times never decrease" \
	awk '/^[0-9]/ { if (p != "" && $1 < p) { print "after " p ": " $0; bad = 1 } p = $1 }
	     END { exit bad }' "$tmp/tl.txt"
check "timeline: the 1.5 s sleep comes out at its exit as a resumed line with its entry time" \
	grep -qE '<\.\.\. clock_nanosleep resumed> clock_nanosleep\(.* = 0 <1\.[0-9]{9}> '\
'\(entered [0-9:.]+\)' "$tmp/tl.txt"
"$BIN" timeline --json "$tcap" >"$tmp/tl.json" 2>"$tmp/err"
check "timeline --json: ts_ns never decreases; the sleep has \"resumed\": true and its entry_ns" \
	python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
ts = [e["ts_ns"] for e in ev]
late = [e for e in ev if e.get("resumed")]
long_ = [e for e in late if e.get("syscall") == "clock_nanosleep" and e["duration_ns"] >= 1500000000
         and e["ts_ns"] == e["entry_ns"] + e["duration_ns"]]
sys.exit(0 if ts == sorted(ts) and long_ else 1)' "$tmp/tl.json"
"$BIN" timeline --reorder-window 3000 "$tcap" >"$tmp/tl3.txt" 2>"$tmp/err"
check "timeline --reorder-window 3000: the sleep waits in the buffer, no resumed line, same lines" \
	bash -c '! grep -q resumed "$1" && [ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] &&
		awk "/^[0-9]/ { if (p != \"\" && \$1 < p) bad = 1; p = \$1 } END { exit bad }" "$1"' \
	_ "$tmp/tl3.txt" "$tmp/tl.txt"

# ---- two boots of one host name: told apart, and selected (issue 17) ---------------------------
"$GEN" "$tmp/boot2.scap" 4
"$BIN" info "$tmp/s.scap" "$tmp/boot2.scap" >"$tmp/out" 2>&1
grep -qx 'host: scenario-host@b1b1b1b1' "$tmp/out" && grep -qx 'host: scenario-host@b2b2b2b2' "$tmp/out"
ok "two boots of host scenario-host are named scenario-host@b1b1b1b1 and @b2b2b2b2" $?
"$BIN" traces --json "$tmp/s.scap" "$tmp/boot2.scap" >"$tmp/out.json" 2>&1
jcheck "traces --json names both boots apart in a trace that ran on both" \
	'sorted([t for t in d["traces"] if t["trace_id"].startswith("0a")][0]["hosts"]) == ["scenario-host@b1b1b1b1", "scenario-host@b2b2b2b2"]'
"$BIN" traces --json --boot b2 "$tmp/s.scap" "$tmp/boot2.scap" >"$tmp/out.json" 2>&1
jcheck "--boot b2: only that boot's sections (one host, its name alone)" \
	'{h for t in d["traces"] for h in t["hosts"]} == {"scenario-host"} and len(d["traces"]) == 1'
"$BIN" info --json --host scenario-host-2 "$tmp/s.scap" "$tmp/s2.scap" >"$tmp/out.json" 2>&1
jcheck "info --host: only the sections of that host name" \
	'[h["hostname"] for h in d["hosts"]] == ["scenario-host-2"] and d["records"]["syscall"] > 0'
"$BIN" traces --boot xyz "$tmp/s.scap" >"$tmp/out" 2>&1
[ $? -eq 2 ] && grep -q "bad --boot id 'xyz'" "$tmp/out"
ok "--boot takes hex digits only (exit 2)" $?

tap_end
