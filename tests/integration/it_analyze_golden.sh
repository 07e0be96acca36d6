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
. "$here/suite_lib.sh"
suite_tmpdir

if ! "$caps/golden_commands.sh" "$BUILD/spancap-analyze" "$caps/demo-small.pcapng.zst" \
	"$tmp/out" >"$tmp/err" 2>&1; then
	TAP_DETAIL_LINES=5 bail "spancap-analyze runs every report on the sample capture" "$tmp/err"
fi
for golden in "$caps"/golden/*; do
	name=$(basename "$golden")
	if cmp -s "$golden" "$tmp/out/$name"; then
		ok "$name matches its golden output"
	else
		not_ok "$name matches its golden output" \
			"$(diff -u "$golden" "$tmp/out/$name" | head -20)"
	fi
done
# The replay's reader threads (-j) change nothing in any report.
for n in 1 2; do
	if ! "$caps/golden_commands.sh" "$BUILD/spancap-analyze" "$caps/demo-small.pcapng.zst" \
		"$tmp/out-j$n" --threads "$n" >"$tmp/err" 2>&1; then
		TAP_DETAIL_LINES=5 not_ok "every report runs with --threads $n" "$tmp/err"
		continue
	fi
	differ=$(for golden in "$caps"/golden/*; do
		cmp -s "$golden" "$tmp/out-j$n/$(basename "$golden")" || basename "$golden"
	done)
	if [ -z "$differ" ]; then
		ok "every report with --threads $n matches its golden output"
	else
		not_ok "every report with --threads $n matches its golden output" "differ: $differ"
	fi
done
[ "$(ls "$tmp/out" | wc -l)" -eq "$(ls "$caps/golden" | wc -l)" ]
ok "every report has a golden output" $?
tap_from "truth: " python3 "$here/check_analyze_truth.py" "$BUILD/spancap-analyze" \
	"$caps/demo-small.pcapng.zst" "$caps/demo-small.truth.jsonl"
tap_end
