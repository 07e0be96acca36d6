#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs every spancap-analyze report on a capture and writes one output file per report into DIR:
# the golden outputs (regenerate.sh) and the outputs compared with them (it_analyze_golden.sh).
#
#   golden_commands.sh SPANCAP_ANALYZE CAPTURE DIR [OPTION...]
#
# OPTIONs (--threads N) are given to every command: the outputs must not depend on them.
set -euo pipefail
ANA=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CAP=$2
mkdir -p "$3"
OUT=$(cd "$3" && pwd)
shift 3
EXTRA=("$@")
A() { "$ANA" "${EXTRA[@]}" "$@"; }
mkdir -p "$OUT"
name=$(basename "$CAP")
# Run from the capture's directory so that the file name in the outputs does not depend on where
# the repository is.
cd "$(dirname "$CAP")"
for cmd in info traces spans syscalls processes files net timeline; do
	A "$cmd" "$name" >"$OUT/$cmd.txt"
done
A syscalls --by=span "$name" >"$OUT/syscalls-by-span.txt"
A traces --json --sort=syscalls "$name" >"$OUT/traces.json"
# The busiest trace in detail, with its timeline.
id=$(A traces --json --sort=syscalls "$name" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["traces"][0]["trace_id"])')
A trace "$id" --timeline "$name" >"$OUT/trace-busiest.txt"
A trace "$id" --json "$name" >"$OUT/trace-busiest.json"
A timeline --errors-only "$name" >"$OUT/timeline-errors.txt"
