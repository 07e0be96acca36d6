#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Regenerates the sample capture and the analyzer's golden outputs (needs root: it runs spancap).
#
#   samples/captures/regenerate.sh [BUILD]          capture anew, then the goldens
#   samples/captures/regenerate.sh [BUILD] --golden only the goldens, from the capture here
#
# A new capture has new times, pids and ids: review `git diff` of the goldens before committing
# (tests/integration/it_analyze_golden.sh also checks the capture against its truth log, which
# does not come from the analyzer).
set -euo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

if [ "${2:-}" != --golden ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/files"
	"$BUILD/spancap" -w "$work/demo-small.pcapng.zst" -- "$BUILD/samples/spancap-demo-service" \
		--threads 2 --requests 4 --seed 3 --dir "$work/files" --truth "$work/truth.jsonl"
	install -m 0644 "$work/demo-small.pcapng.zst" "$here/demo-small.pcapng.zst"
	install -m 0644 "$work/truth.jsonl" "$here/demo-small.truth.jsonl"
fi

# The goldens: what each command prints for the sample capture.
"$here/golden_commands.sh" "$BUILD/spancap-analyze" "$here/demo-small.pcapng.zst" "$here/golden"
