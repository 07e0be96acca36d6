#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap-analyze export --format csv and --format jsonl (one row per syscall) on real captures
# (spancap, real BPF):
#   sqlite3    the CSV loads into a real database (Debian's sqlite3) under the documented
#              schema; per-trace syscall, error and byte counts queried there equal
#              `spancap-analyze traces --json` on the same capture, the row count equals the
#              analyzer's syscall count;
#   jsonl      holds the same rows as the CSV, with the same keys, numbers as numbers;
#   selection  --trace and --pid select the same syscalls as the reports;
#   quoting    a file whose name holds a comma, a double quote, a newline and a byte that is
#              not UTF-8, opened by cat under spancap, comes back from sqlite3 intact (the
#              byte as \xNN).
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
A=$BUILD/spancap-analyze
. "$here/suite_lib.sh"
TAP_DETAIL_LINES=20
suite_tmpdir

for tool in sqlite3 python3; do
	command -v "$tool" >/dev/null || bail "$tool is installed (make deps)"
done

# The documented schema (man/spancap-analyze.1, ROW EXPORT), as a table for sqlite3.
SCHEMA='CREATE TABLE rows (ts_ns INTEGER, time TEXT, host TEXT, boot_id TEXT, pid INTEGER,
 tid INTEGER, trace_id TEXT, span_id TEXT, syscall TEXT, args TEXT, result INTEGER,
 errno TEXT, duration_ns INTEGER, path TEXT, peer TEXT, bytes_read INTEGER,
 bytes_written INTEGER, flags TEXT, ret_host_pid INTEGER);'

# load CSV DB: the CSV (header skipped) into table rows of a new database
load() {
	rm -f "$2"
	sqlite3 "$2" "$SCHEMA" && sqlite3 "$2" ".import --csv --skip 1 $1 rows"
}

# ---- the demo service ----------------------------------------------------------------------
cap=$tmp/cap.pcapng.zst
mkdir -p "$tmp/files"
if timeout 120 "$BUILD/spancap" -w "$cap" -- "$BUILD/samples/spancap-demo-service" --threads 2 \
	--requests 8 --seed 5 --dir "$tmp/files" --truth "$tmp/truth.jsonl" >"$tmp/cap.out" 2>&1; then
	ok "spancap -- spancap-demo-service --threads 2 --requests 8 ($(tail -n 1 "$tmp/cap.out"))"
else
	bail "spancap -- spancap-demo-service --threads 2 --requests 8" "$(tail -n 5 "$tmp/cap.out")"
fi

check "export --format csv" "$A" export --format csv -o "$tmp/rows.csv" "$cap"
check "export --format jsonl" "$A" export --format jsonl -o "$tmp/rows.jsonl" "$cap"
head -n 1 "$tmp/rows.csv" >"$tmp/head"
if [ "$(cat "$tmp/head")" = "ts_ns,time,host,boot_id,pid,tid,trace_id,span_id,syscall,args,result,errno,duration_ns,path,peer,bytes_read,bytes_written,flags,ret_host_pid" ]; then
	ok "the CSV header names the documented columns in order"
else
	not_ok "the CSV header names the documented columns in order" "$tmp/head"
fi
check "sqlite3 loads the CSV under the documented schema" load "$tmp/rows.csv" "$tmp/rows.db"

# Per-trace counts: sqlite3 on the rows, the analyzer's traces report.
sqlite3 -separator ' ' "$tmp/rows.db" "SELECT trace_id, count(*), sum(errno <> ''),
	sum(bytes_read), sum(bytes_written) FROM rows WHERE trace_id <> ''
	GROUP BY trace_id ORDER BY trace_id" >"$tmp/db.txt" 2>&1
"$A" traces --json "$cap" | python3 -c 'import json, sys
for t in sorted(json.load(sys.stdin)["traces"], key=lambda t: t["trace_id"]):
    s = t["stats"]
    print(t["trace_id"], s["syscalls"], s["errors"], s["bytes_read"], s["bytes_written"])' \
	>"$tmp/an.txt" 2>&1
ntr=$(wc -l <"$tmp/an.txt")
nerr=$(awk '{e += $3} END {print e + 0}' "$tmp/an.txt")
if [ "$ntr" -ge 8 ] && [ "$nerr" -gt 0 ] && diff "$tmp/an.txt" "$tmp/db.txt" >"$tmp/diff"; then
	ok "per-trace syscalls, errors and bytes in sqlite3 equal traces --json ($ntr traces, $nerr errors)"
else
	not_ok "per-trace syscalls, errors and bytes in sqlite3 equal traces --json ($ntr traces, $nerr errors)" "$tmp/diff"
fi
rows=$(sqlite3 "$tmp/rows.db" "SELECT count(*) FROM rows")
total=$("$A" syscalls --json "$cap" | python3 -c "import json, sys
print(sum(r['count'] for r in json.load(sys.stdin)['rows']))")
if [ -n "$rows" ] && [ "$rows" = "$total" ]; then
	ok "one row per syscall ($rows rows, the analyzer counts $total)"
else
	not_ok "one row per syscall ($rows rows, the analyzer counts $total)"
fi
# every failed syscall has its errno name and a negative result; none that succeeded has one
bad=$(sqlite3 "$tmp/rows.db" "SELECT count(*) FROM rows WHERE (errno <> '') <> (result < 0 AND
	result >= -4095 AND flags NOT LIKE '%no_exit%') OR (errno <> '' AND errno NOT GLOB 'E*')")
fails=$(sqlite3 "$tmp/rows.db" "SELECT count(*) FROM rows WHERE errno <> ''")
if [ "$bad" = 0 ] && [ "$fails" -gt 0 ]; then
	ok "errno is the name of a failed syscall's error, empty otherwise ($fails failures)"
else
	not_ok "errno is the name of a failed syscall's error, empty otherwise ($fails failures)" \
		"$bad rows differ"
fi

# The same rows in both formats: keys, order, and types (numbers in JSONL for integer columns).
cat >"$tmp/same.py" <<'EOF'
import csv, json, sys
INT = {"ts_ns", "pid", "tid", "result", "duration_ns", "bytes_read", "bytes_written",
       "ret_host_pid"}
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rd = csv.reader(f)
    head = next(rd)
    crow = [dict(zip(head, r)) for r in rd]
jrow = []
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        o = json.loads(line)
        if list(o) != head:
            sys.exit("keys differ: %s" % list(o))
        for k, v in o.items():
            if k in INT:
                if not (v is None or (isinstance(v, int) and not isinstance(v, bool))):
                    sys.exit("%s is not a number or null: %r" % (k, v))
            elif not isinstance(v, str):
                sys.exit("%s is not a string: %r" % (k, v))
        jrow.append({k: "" if v is None else str(v) for k, v in o.items()})
if len(crow) != len(jrow):
    sys.exit("%d CSV rows, %d JSONL lines" % (len(crow), len(jrow)))
for i, (a, b) in enumerate(zip(crow, jrow)):
    if a != b:
        sys.exit("row %d differs:\n%s\n%s" % (i + 1, a, b))
print(len(crow))
EOF
check "jsonl holds the same rows as csv, integer columns as JSON numbers" \
	python3 "$tmp/same.py" "$tmp/rows.csv" "$tmp/rows.jsonl"

# Selection: one trace, one process.
tr=$(awk 'NR == 3 {print $1}' "$tmp/an.txt")
want=$(awk -v t="$tr" '$1 == t {print $2}' "$tmp/an.txt")
"$A" export --format csv --trace "${tr:0:12}" "$cap" >"$tmp/tr.csv"
got=$(($(wc -l <"$tmp/tr.csv") - 1))
other=$(tail -n +2 "$tmp/tr.csv" | grep -vc "$tr")
if [ -n "$tr" ] && [ "$got" = "$want" ] && [ "$other" = 0 ]; then
	ok "--trace selects the trace's rows ($got, traces --json: $want)"
else
	not_ok "--trace selects the trace's rows ($got, traces --json: $want, $other of other traces)"
fi
pid=$(sqlite3 "$tmp/rows.db" "SELECT pid FROM rows WHERE trace_id <> '' LIMIT 1")
want=$(sqlite3 "$tmp/rows.db" "SELECT count(*) FROM rows WHERE pid = $pid")
"$A" export --format jsonl --pid "$pid" "$cap" >"$tmp/pid.jsonl"
got=$(wc -l <"$tmp/pid.jsonl")
other=$(grep -vc "\"pid\":$pid," "$tmp/pid.jsonl")
if [ "$got" = "$want" ] && [ "$got" -gt 0 ] && [ "$other" = 0 ]; then
	ok "--pid selects the process's rows ($got)"
else
	not_ok "--pid selects the process's rows ($got, want $want, $other of others)"
fi
if ! "$A" export --format csv --granularity span "$cap" >/dev/null 2>"$tmp/err" &&
	grep -q 'granularity and --orphans are for the otlp formats' "$tmp/err"; then
	ok "csv refuses --granularity span, saying why"
else
	not_ok "csv refuses --granularity span, saying why" "$tmp/err"
fi

# ---- quoting: a path with a comma, a quote, a newline and a byte that is not UTF-8 ----------
mkdir -p "$tmp/q"
name=$(printf 'a,b"c\nd\xffe.txt')
echo hello >"$tmp/q/$name"
qcap=$tmp/q.pcapng.zst
if timeout 60 "$BUILD/spancap" -w "$qcap" -- cat "$tmp/q/$name" >"$tmp/qcap.out" 2>&1; then
	ok "spancap -- cat on a file whose name needs quoting"
else
	not_ok "spancap -- cat on a file whose name needs quoting" "$(tail -n 5 "$tmp/qcap.out")"
fi
"$A" export --format csv -o "$tmp/q.csv" "$qcap"
"$A" export --format jsonl -o "$tmp/q.jsonl" "$qcap"
load "$tmp/q.csv" "$tmp/q.db" >"$tmp/out" 2>&1 || not_ok "sqlite3 loads the quoting CSV" "$tmp/out"
want=$(printf '%s/q/a,b"c\nd\\xffe.txt' "$tmp")
got=$(sqlite3 "$tmp/q.db" "SELECT path FROM rows WHERE syscall = 'openat' AND path LIKE '%/q/a,b%'")
if [ "$got" = "$want" ]; then
	ok "the path comes back from sqlite3 with its comma, quote and newline, \\xff escaped"
else
	not_ok "the path comes back from sqlite3 with its comma, quote and newline, \\xff escaped" \
		"got: $got"
fi
# cat reads with read or copy_file_range, depending on its version
got=$(sqlite3 "$tmp/q.db" "SELECT count(*) FROM rows WHERE path LIKE '%/q/a,b%' AND
	bytes_read = 6")
if [ "$got" = 1 ]; then
	ok "cat's read of the file's 6 bytes is a row with that path and bytes_read 6"
else
	not_ok "cat's read of the file's 6 bytes is a row with that path and bytes_read 6" "$got rows"
fi
check "the quoting capture's jsonl holds the same rows as its csv" \
	python3 "$tmp/same.py" "$tmp/q.csv" "$tmp/q.jsonl"

echo "1..$n"
[ "$failed" -eq 0 ]
