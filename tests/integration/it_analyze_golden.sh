#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap-analyze on the sample capture checked into samples/captures/ (a real capture of the
# demo service): every report must match its golden output byte for byte, and the
# reconstruction must agree with the service's own truth log, which owes nothing to the
# analyzer. Regenerate the goldens with samples/captures/regenerate.sh (see its header).
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
caps=$here/../../samples/captures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

if ! "$caps/golden_commands.sh" "$BUILD/spancap-analyze" "$caps/demo-small.pcapng.zst" \
	"$tmp/out" >"$tmp/err" 2>&1; then
	echo "not ok 1 - spancap-analyze runs every report on the sample capture"
	sed 's/^/#   /' "$tmp/err" | head -5
	echo "1..1"
	exit 1
fi
for golden in "$caps"/golden/*; do
	name=$(basename "$golden")
	n=$((n + 1))
	if cmp -s "$golden" "$tmp/out/$name"; then
		echo "ok $n - $name matches its golden output"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name matches its golden output"
		diff -u "$golden" "$tmp/out/$name" | head -20 | sed 's/^/#   /'
	fi
done
n=$((n + 1))
if [ "$(ls "$tmp/out" | wc -l)" -eq "$(ls "$caps/golden" | wc -l)" ]; then
	echo "ok $n - every report has a golden output"
else
	failed=$((failed + 1))
	echo "not ok $n - every report has a golden output"
fi
while IFS= read -r line; do
	case $line in
	"ok "*) n=$((n + 1)); echo "ok $n - truth: ${line#ok * - }" ;;
	"not ok "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - truth: ${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done < <(python3 "$here/check_analyze_truth.py" "$BUILD/spancap-analyze" \
	"$caps/demo-small.pcapng.zst" "$caps/demo-small.truth.jsonl" 2>&1)
echo "1..$n"
[ "$failed" -eq 0 ]
