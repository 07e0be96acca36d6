#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# it_analyze_filter.sh - spancap-analyze filter and --redact on real captures: the checked-in
# sample and a capture of the demo service made here with real BPF. The expected answers come
# from spancap-analyze run on the input, never from the filter's code. TAP output; $1 is the
# build directory.
set -u
BUILD=${1:-build}
BIN=$BUILD/spancap-analyze
SPANCAP=$BUILD/spancap
DEMO=$BUILD/samples/spancap-demo-service
SAMPLE=samples/captures/demo-small.pcapng.zst
. "$(dirname "$0")/suite_lib.sh"
suite_tmpdir
suite_cleanup() {
	[ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null
}

# json FILE ARGS...: the command's JSON without the "inputs" member (the file names differ)
json() {
	local f=$1
	shift
	"$BIN" "$@" --json "$f" | python3 -c '
import json, sys
d = json.load(sys.stdin)
d.pop("inputs", None)
print(json.dumps(d, sort_keys=True, indent=1))'
}

need_files "$BIN" "$SPANCAP" "$DEMO" "$SAMPLE"
need_commands zstd tshark python3

# A fresh capture of the demo service (files, pipes, loopback TCP, a child process), its
# requests started once spancap resolved it (capture_released, suite_lib.sh).
mkdir -p "$tmp/files"
capture_released "$tmp/fresh.pcapng.zst" "$tmp/cap.err" "$DEMO" --start-on-stdin --threads 2 \
	--requests 6 --seed 5 --dir "$tmp/files" --truth "$tmp/fresh.truth.jsonl"
ok "fresh capture of the demo service" "$rc"
[ "$released" = resolved ]
ok "the demo service is resolved before its requests start" $?

for in in "$SAMPLE" "$tmp/fresh.pcapng.zst"; do
	tag=$(basename "$in" .pcapng.zst)
	out=$tmp/$tag.trace.pcapng.zst
	# the trace with the most syscalls
	T=$("$BIN" traces --sort=syscalls --json "$in" | python3 -c '
import json, sys; print(json.load(sys.stdin)["traces"][0]["trace_id"])')
	"$BIN" filter --trace "$T" -o "$out" "$in" 2>"$tmp/err"
	ok "$tag: filter --trace $T exits 0" $?
	[ "$(stat -c %a "$out")" = 600 ]
	ok "$tag: the output is created 0600" $?
	[ "$(head -c4 "$out" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	ok "$tag: compressed like the input" $?

	for cmd in "trace $T" files net; do
		if [ "$cmd" = "trace $T" ]; then
			json "$in" $cmd >"$tmp/a" && json "$out" $cmd >"$tmp/b"
		else
			json "$in" $cmd --trace "$T" >"$tmp/a" && json "$out" $cmd >"$tmp/b"
		fi
		cmp -s "$tmp/a" "$tmp/b"
		ok "$tag: '$cmd' on the output answers as on the input for the trace" $?
	done
	"$BIN" trace "$T" "$in" >"$tmp/a" && "$BIN" trace "$T" "$out" >"$tmp/b"
	cmp -s "$tmp/a" "$tmp/b"
	ok "$tag: the text of 'trace' is the same too" $?

	json "$out" timeline >"$tmp/tl"
	python3 - "$tmp/tl" "$T" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
sc = [e for e in ev if e["kind"] == "syscall"]
sys.exit(0 if sc and all(e.get("trace_id") == sys.argv[2] for e in sc) else 1)
PY
	ok "$tag: every syscall of the output belongs to the trace" $?

	json "$in" trace "$T" >"$tmp/tr" && json "$in" processes >"$tmp/pin" &&
		json "$out" processes >"$tmp/pout"
	python3 - "$tmp/tr" "$tmp/pin" "$tmp/pout" <<'PY'
import json, sys
tr = json.load(open(sys.argv[1]))["trace"]
mine = {s["pid"] for s in tr["spans"]}
for s in tr["spans"]:
    mine |= {c["pid"] for c in s.get("children", [])}
pin = {p["pid"]: p for p in json.load(open(sys.argv[2]))["processes"]}
pout = {p["pid"] for p in json.load(open(sys.argv[3]))["processes"]}
others = set(pin) - mine
sys.exit(0 if pout <= mine and not (pout & others) and others else 1)
PY
	ok "$tag: no process of another trace is described in the output" $?

	zstd -qdc "$out" >"$tmp/plain.pcapng" &&
		tshark -r "$tmp/plain.pcapng" -T fields -e frame.len >"$tmp/frames" 2>"$tmp/terr"
	ok "$tag: tshark reads the output" $?
	recs=$("$BIN" info --json "$out" | python3 -c '
import json, sys; print(json.load(sys.stdin)["files"][0]["records"])' 2>/dev/null)
	[ -n "$recs" ] && [ "$(wc -l <"$tmp/frames")" -eq "$recs" ]
	ok "$tag: tshark sees every record ($recs)" $?
done

# Output handling.
in=$SAMPLE
T=$("$BIN" traces --sort=syscalls --json "$in" | python3 -c '
import json, sys; print(json.load(sys.stdin)["traces"][0]["trace_id"])')
"$BIN" filter --trace "$T" -o - "$in" >"$tmp/stdout.zst" &&
	json "$tmp/stdout.zst" trace "$T" >"$tmp/a" && json "$in" trace "$T" >"$tmp/b" &&
	cmp -s "$tmp/a" "$tmp/b"
ok "-o - writes the output to standard output" $?
"$BIN" filter --trace "$T" --no-compress -o "$tmp/plain.pcapng" "$in" &&
	[ "$(head -c4 "$tmp/plain.pcapng" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ]
ok "--no-compress writes plain pcapng" $?
"$BIN" filter -o "$tmp/again.pcapng" "$tmp/plain.pcapng" &&
	[ "$(head -c4 "$tmp/again.pcapng" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ]
ok "a plain input gives a plain output by default" $?
echo precious >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link"
! "$BIN" filter --trace "$T" -o "$tmp/link" "$in" 2>/dev/null && [ "$(cat "$tmp/victim")" = precious ]
ok "the output is never written through a symbolic link" $?
cp "$in" "$tmp/self.zst"
! "$BIN" filter -o "$tmp/self.zst" "$tmp/self.zst" 2>"$tmp/err" && cmp -s "$in" "$tmp/self.zst"
ok "an output that is also an input is refused" $?
"$BIN" filter --trace ffffffffffff -o "$tmp/none.zst" "$in" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -e "$tmp/none.zst" ] && grep -q "nothing matched" "$tmp/err"
ok "an empty selection exits 1 and writes nothing" $?
! "$BIN" traces -o "$tmp/x" "$in" 2>/dev/null
ok "-o belongs to filter only" $?
"$BIN" --help | grep -q -- "--redact\[=CLASSES\]"
ok "--help documents filter and --redact" $?

# Redaction: every string of every class, gathered from the analyzer's JSON of the input, must
# be absent from the decompressed output; the analysis must keep its shape. The JSON shows every
# resource value as text: which ones are strings (the class attrs; numbers and booleans stay)
# comes from the demo's truth log (its process_context lines), next to each input.
for in in "$SAMPLE" "$tmp/fresh.pcapng.zst"; do
	tag=$(basename "$in" .pcapng.zst)
	red=$tmp/$tag.red.pcapng.zst
	"$BIN" filter --redact -o "$red" "$in"
	ok "$tag: filter --redact exits 0" $?
	for c in info processes files net spans timeline traces; do
		json "$in" $c >"$tmp/in.$c" && json "$red" $c >"$tmp/red.$c" || echo "# $c failed"
	done
	zstd -qdc "$red" >"$tmp/red.raw"
	python3 - "$tmp" "$tmp/red.raw" "${in%.pcapng.zst}.truth.jsonl" >"$tmp/survivors" <<'PY'
import ipaddress, json, re, struct, sys
d, raw = sys.argv[1], open(sys.argv[2], "rb").read()
# the type the service published each resource key with; a key it never published counts as a
# string (checked, the stricter choice)
res_type = {}
for line in open(sys.argv[3]):
    t = json.loads(line)
    if t["type"] == "process_context":
        res_type.update((a["key"], a["type"]) for a in t["resource"])
J = lambda c: json.load(open(f"{d}/in.{c}"))
strings, addrs = set(), set()
def path_like(s):
    if s and "/" in s and not s.startswith(("pipe:", "socket", "anon_inode:", "[pid")):
        strings.add(s)
        # components; pids (/proc/PID/...) are not redacted anywhere
        strings.update(p for p in s.split("/") if len(p) >= 5 and not p.isdigit())
def addr(s):
    m = re.match(r"^(?:socket:)?\[?([0-9a-f.:]+?)\]?:(\d+)$", s)
    if m:
        a = ipaddress.ip_address(m.group(1))
        if not a.is_unspecified:
            strings.add(str(a)); addrs.add((a, int(m.group(2))))
kept = set()
for h in J("info")["hosts"]:
    strings.update([h["hostname"], h["kernel_version"]])
    # kept on purpose (documented): tool version, kernel release, machine
    kept.update(h[k] for k in ("tool_version", "kernel_release", "machine"))
    for w in h["capture_command"].split():
        strings.add(w); path_like(w)
for p in J("processes")["processes"]:
    for k in ("comm", "exe", "service"):
        if p.get(k): strings.add(p[k]); path_like(p[k])
    for w in (p.get("argv") or "").split():
        strings.add(w); path_like(w)
    for k, v in p["resource"].items():
        if res_type.get(k, "string") in ("string", "bytes"):
            strings.add(v)
    for w in (p.get("reason") or "").split():
        path_like(w.rstrip(":;,)"))
for f in J("files")["files"]:
    path_like(f["path"])
for p in J("net")["peers"]:
    addr(p["peer"])
for s in J("spans")["spans"]:
    strings.update(s["attributes"].values())
for e in J("timeline")["events"]:
    t = e.get("target") or ""
    path_like(t); addr(t)
strings = {s for s in strings if isinstance(s, str) and len(s) >= 4 and
           not any(s in k for k in kept)}
def found(s):
    b = s.encode()
    if len(b) >= 8:
        return b in raw
    # short values: only as a whole value, not inside a longer word (a key, a pseudonym)
    return re.search(rb"(?<![A-Za-z0-9._-])" + re.escape(b) + rb"(?![A-Za-z0-9._-])", raw)
bad = [s for s in sorted(strings) if found(s)]
# addresses in binary: port (little-endian, as items store it) then the address bytes
bad += [f"binary {a}:{p}" for a, p in addrs if struct.pack("<H", p) + a.packed in raw]
bad += [f"binary {a}" for a, p in addrs if a.version == 6 and a.packed in raw]
print(f"# checked {len(strings)} strings and {len(addrs)} addresses", file=sys.stderr)
for b in bad:
    print(b)
sys.exit(0 if len(strings) > 20 and addrs else 2)
PY
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/survivors" ]
	ok "$tag: no original path, argv, attribute, address, name or host string survives" $?
	[ -s "$tmp/survivors" ] && sed 's/^/# survived: /' "$tmp/survivors" | head -20
	python3 - "$tmp" >"$tmp/shape" <<'PY'
import json, sys
d = sys.argv[1]
J = lambda p, c: json.load(open(f"{d}/{p}.{c}"))
t = lambda p: {x["trace_id"]: (x["spans"], x["stats"]["syscalls"], x["stats"]["errors"])
               for x in J(p, "traces")["traces"]}
shape = lambda p, c, k: sorted((x["kind"], x["ops"], x["bytes_read"], x["bytes_written"],
                                x["errors"]) for x in J(p, c)[k])
bad = []
if t("in") != t("red"):
    bad.append(f"traces: {t('in')} became {t('red')}")
if len(J("in", "spans")["spans"]) != len(J("red", "spans")["spans"]):
    bad.append("the number of spans differs")
for c, k in (("files", "files"), ("net", "peers")):
    a, b = shape("in", c, k), shape("red", c, k)
    if a != b:
        bad.append(f"{c}: (kind, ops, read, written, errors) only before: "
                   f"{[x for x in a if x not in b]}, only after: {[x for x in b if x not in a]}")
if J("in", "info")["hosts"][0]["hostname"] == J("red", "info")["hosts"][0]["hostname"]:
    bad.append("the host name is kept")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
	if [ $? -eq 0 ]; then
		ok "$tag: same traces, spans, syscalls and errors per trace; files and peers keep their shape"
	else
		not_ok "$tag: same traces, spans, syscalls and errors per trace; files and peers keep their shape" "$tmp/shape"
	fi
done

in=$SAMPLE
"$BIN" filter --redact --redact-ids -o "$tmp/ids.zst" "$in" && json "$in" traces >"$tmp/a" &&
	json "$tmp/ids.zst" traces >"$tmp/b"
python3 - "$tmp/a" "$tmp/b" "$tmp/ids.zst" <<'PY'
import json, subprocess, sys
a, b = (json.load(open(f))["traces"] for f in sys.argv[1:3])
raw = subprocess.run(["zstd", "-qdc", sys.argv[3]], capture_output=True).stdout
shape = lambda v: sorted((x["spans"], x["stats"]["syscalls"], x["stats"]["errors"]) for x in v)
ids = {x["trace_id"] for x in a}
sys.exit(0 if shape(a) == shape(b) and not ids & {x["trace_id"] for x in b}
         and not any(bytes.fromhex(i) in raw for i in ids) else 1)
PY
ok "--redact-ids replaces trace ids everywhere and keeps the traces' shape" $?
"$BIN" filter --redact --redact-key k1 -o "$tmp/k1a.zst" "$in" &&
	"$BIN" filter --redact --redact-key k1 -o "$tmp/k1b.zst" "$in" &&
	"$BIN" filter --redact --redact-key k2 -o "$tmp/k2.zst" "$in" &&
	cmp -s "$tmp/k1a.zst" "$tmp/k1b.zst" && ! cmp -s "$tmp/k1a.zst" "$tmp/k2.zst"
ok "--redact-key gives the same pseudonyms in every run, another key others" $?
"$BIN" filter --redact=paths -o "$tmp/paths.zst" "$in" && json "$tmp/paths.zst" info >"$tmp/a" &&
	json "$in" info >"$tmp/b" && cmp -s "$tmp/a" "$tmp/b" 2>/dev/null
[ $? -ne 0 ] && grep -q '"hostname": "vm"' "$tmp/a"
ok "--redact=paths leaves the host name alone" $?
! "$BIN" filter --redact=paths,bogus -o "$tmp/x.zst" "$in" 2>"$tmp/err" && grep -q bogus "$tmp/err"
ok "an unknown redaction class is a usage error" $?

tap_end
