#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap-analyze export on a real capture of the demo service (spancap, real BPF) and on the
# checked-in sample capture:
#   otlp-json  validated against the official OpenTelemetry protobuf definitions (npm:
#              @opentelemetry/otlp-grpc-exporter-base ships opentelemetry-proto; protobufjs
#              loads it; tests/otlp_check/ pins both) and checked against the service's own
#              truth log (check_export_truth.py);
#   chrome     valid trace-event JSON, nesting per thread, counts equal to the analyzer's
#              (check_chrome_trace.py);
#   options    filters pass through, -o writes 0600 and refuses a symbolic link.
# The npm packages are installed once into $BUILD/npm-otlp-check (npm ci, from the lock file).
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
A=$BUILD/spancap-analyze
. "$here/suite_lib.sh"
TAP_DETAIL_LINES=15
suite_tmpdir

sum_json() { # field, then the spancap-analyze syscalls arguments
	local field=$1
	shift
	"$A" syscalls --json "$@" | python3 -c "import json, sys
print(sum(r['$field'] for r in json.load(sys.stdin)['rows']))"
}

# ---- the official definitions, from npm --------------------------------------------------
NPM_DIR=$BUILD/npm-otlp-check
NM=$NPM_DIR/node_modules
if ! cmp -s "$root/tests/otlp_check/package-lock.json" "$NPM_DIR/package-lock.json" ||
	[ ! -d "$NM/protobufjs" ]; then
	rm -rf "$NPM_DIR"
	mkdir -p "$NPM_DIR"
	cp "$root/tests/otlp_check/package.json" "$root/tests/otlp_check/package-lock.json" "$NPM_DIR/"
	if ! (cd "$NPM_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
		>"$tmp/npm.out" 2>&1; then
		not_ok "npm ci installs protobufjs and opentelemetry-proto" "$(tail -n 5 "$tmp/npm.out")"
		rm -rf "$NPM_DIR"
		echo "1..$n"
		exit 1
	fi
fi
if [ -f "$NM/@opentelemetry/otlp-grpc-exporter-base/build/protos/opentelemetry/proto/trace/v1/trace.proto" ]; then
	ok "opentelemetry-proto's trace.proto and protobufjs are installed from npm"
else
	not_ok "opentelemetry-proto's trace.proto and protobufjs are installed from npm"
fi
otlp_check() { node "$root/tests/otlp_check/check_otlp_json.js" "$NM" "$@"; }

# The validator itself rejects what OTLP/JSON forbids (ids in base64, enum names, unknown
# fields) and what OTEP 4947 keeps out of OTLP (threadlocal.* attributes): a validator that
# accepts anything proves nothing.
cat >"$tmp/bad.json" <<'EOF'
{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "x"}},
  {"key": "threadlocal.schema_version", "value": {"stringValue": "tlsdesc_v1_dev"}}]},
  "scopeSpans": [{"spans": [{"traceId": "S/kvNXezTaajzpKdDg5HNg==", "spanId": "00f067aa0ba902b7",
  "name": "read", "kind": "SPAN_KIND_INTERNAL", "startTimeUnixNano": "1", "endTimeUnixNano": "2",
  "durationNano": "1"}]}]}]}
EOF
out=$(otlp_check "$tmp/bad.json" 2>&1)
if [ $? -ne 0 ] && grep -q 'traceId needs 32' <<<"$out" && grep -q 'SpanKind' <<<"$out" &&
	grep -q 'no field "durationNano"' <<<"$out" &&
	grep -q 'threadlocal.schema_version: threadlocal.\* stays out of OTLP' <<<"$out"; then
	ok "the OTLP validator rejects base64 ids, enum names, unknown fields and threadlocal.*"
else
	not_ok "the OTLP validator rejects base64 ids, enum names, unknown fields and threadlocal.*" \
		"$out"
fi

# ---- a real capture -------------------------------------------------------------------------
cap=$tmp/cap.pcapng.zst
mkdir -p "$tmp/files"
if timeout 120 "$BUILD/spancap" -w "$cap" -- "$BUILD/samples/spancap-demo-service" --threads 3 \
	--requests 6 --seed 17 --dir "$tmp/files" --truth "$tmp/truth.jsonl" >"$tmp/cap.out" 2>&1; then
	ok "spancap -- spancap-demo-service --truth ($(tail -n 1 "$tmp/cap.out"))"
else
	not_ok "spancap -- spancap-demo-service --truth" "$(tail -n 5 "$tmp/cap.out")"
fi

for input in "$root/samples/captures/demo-small.pcapng.zst" "$cap"; do
	name=$(basename "$input")
	case $input in
	"$cap") truth=$tmp/truth.jsonl ;;
	*) truth=$root/samples/captures/demo-small.truth.jsonl ;;
	esac
	# (the real capture comes last: the filter tests below use its exports)
	for g in syscall span; do
		if "$A" export --format otlp-json --granularity $g -o "$tmp/$g.json" "$input" \
			2>"$tmp/err"; then
			out=$(otlp_check "$tmp/$g.json" "$tmp/$g.jsonl" 2>&1)
			if [ $? -eq 0 ]; then
				ok "$name: otlp-json --granularity $g is a valid ExportTraceServiceRequest ($out)"
			else
				not_ok "$name: otlp-json --granularity $g is a valid ExportTraceServiceRequest" "$out"
			fi
		else
			not_ok "$name: export --format otlp-json --granularity $g" "$(cat "$tmp/err")"
		fi
	done
	tap_from "$name: otlp-json truth: " python3 "$here/check_export_truth.py" "$tmp/syscall.jsonl" \
		"$tmp/span.jsonl" "$input" "$truth"

	# --orphans: every syscall of the capture, with or without context
	total=$(sum_json count "$input")
	"$A" export --format otlp-json --orphans "$input" >"$tmp/orph.json" 2>"$tmp/err"
	out=$(otlp_check "$tmp/orph.json" "$tmp/orph.jsonl" 2>&1)
	if [ $? -eq 0 ] && [ "$out" = "ok: $total spans in $(python3 -c "import json
print(len(json.load(open('$tmp/orph.json'))['resourceSpans']))") resourceSpans" ]; then
		ok "$name: otlp-json --orphans exports all $total syscalls, valid ($out)"
	else
		not_ok "$name: otlp-json --orphans exports all $total syscalls, valid" "$out $(cat "$tmp/err")"
	fi

	# JSON Lines: the same spans, at most --max-spans per line, each line a valid request
	"$A" export --format otlp-jsonl --max-spans 25 --orphans "$input" >"$tmp/lines.jsonl" \
		2>"$tmp/err"
	out=$(otlp_check "$tmp/lines.jsonl" "$tmp/lines.spans" 25 2>&1)
	lines=$(wc -l <"$tmp/lines.jsonl")
	if [ $? -eq 0 ] && [ "$lines" -eq $(((total + 24) / 25)) ] &&
		cmp -s "$tmp/lines.spans" "$tmp/orph.jsonl"; then
		ok "$name: otlp-jsonl --max-spans 25: $lines valid lines, the same spans ($out)"
	else
		not_ok "$name: otlp-jsonl --max-spans 25: valid lines, the same spans" \
			"$out; $lines lines for $total spans $(cat "$tmp/err")"
	fi

	# chrome
	if "$A" export --format chrome "$input" >"$tmp/chrome.json" 2>"$tmp/err"; then
		tap_from "$name: " python3 "$here/check_chrome_trace.py" "$tmp/chrome.json" \
			"$total" "$(sum_json errors "$input")"
	else
		not_ok "$name: export --format chrome" "$(cat "$tmp/err")"
	fi
done

# ---- filters, output file -----------------------------------------------------------------
tr=$(python3 -c "import json
print(json.loads(open('$tmp/syscall.jsonl').readline())['trace_id'])" 2>/dev/null)
"$A" export --format otlp-json --trace "$tr" "$cap" >"$tmp/one.json" 2>/dev/null
otlp_check "$tmp/one.json" "$tmp/one.jsonl" >/dev/null 2>&1
want=$(sum_json count --trace "$tr" "$cap")
got=$(python3 -c "import json
ids = {json.loads(l)['trace_id'] for l in open('$tmp/one.jsonl')}
print(sum(1 for l in open('$tmp/one.jsonl')) if ids == {'$tr'} else -1)")
if [ -n "$tr" ] && [ "$got" = "$want" ]; then
	ok "export --trace ${tr:0:8}: only that trace, $got spans as the analyzer counts"
else
	not_ok "export --trace ${tr:0:8}: only that trace, as the analyzer counts" "got $got, want $want"
fi
"$A" export --format chrome --errors-only "$cap" >"$tmp/err.json" 2>/dev/null
nerr=$(sum_json errors "$cap")
tap_from "--errors-only: " python3 "$here/check_chrome_trace.py" "$tmp/err.json" "$nerr" "$nerr"

umask 022
"$A" export --format chrome -o "$tmp/out.json" "$cap" 2>"$tmp/err"
if [ "$(stat -c %a "$tmp/out.json" 2>/dev/null)" = 600 ]; then
	ok "-o creates the export mode 0600"
else
	not_ok "-o creates the export mode 0600" "$(stat -c %a "$tmp/out.json" 2>&1) $(cat "$tmp/err")"
fi
echo precious >"$tmp/target"
ln -s "$tmp/target" "$tmp/link.json"
"$A" export --format chrome -o "$tmp/link.json" "$cap" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(cat "$tmp/target")" = precious ] && grep -q 'symbolic link' "$tmp/err"; then
	ok "-o refuses a symbolic link and leaves its target alone"
else
	not_ok "-o refuses a symbolic link and leaves its target alone" "rc $rc: $(cat "$tmp/err")"
fi
"$A" export --format chrome -o "$tmp/gone.json" "$cap" "$tmp/nonexistent" 2>/dev/null
rc=$?
if [ "$rc" -eq 1 ] && [ ! -e "$tmp/gone.json" ]; then
	ok "a failed export leaves no partial output file"
else
	not_ok "a failed export leaves no partial output file" "rc $rc"
fi
"$A" export "$cap" >/dev/null 2>"$tmp/err"
rc1=$?
"$A" traces --format chrome "$cap" >/dev/null 2>&1
rc2=$?
"$A" export --format chrome --granularity span "$cap" >/dev/null 2>&1
rc3=$?
"$A" export --format chrome --orphans "$cap" >/dev/null 2>&1
rc4=$?
"$A" export --format otlp-json --max-spans 5 "$cap" >/dev/null 2>&1
rc5=$?
if [ "$rc1" -eq 2 ] && [ "$rc2" -eq 2 ] && [ "$rc3" -eq 2 ] && [ "$rc4" -eq 2 ] && [ "$rc5" -eq 2 ] &&
	grep -q -- '--format' "$tmp/err"; then
	ok "usage errors: no --format, --format elsewhere, options of another format"
else
	not_ok "usage errors: no --format, --format elsewhere, options of another format" \
		"$rc1 $rc2 $rc3 $rc4 $rc5: $(cat "$tmp/err")"
fi

tap_end
