#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# `make demo`: capture the sample service for a few seconds with spancap, then show what
# spancap-analyze reconstructs: the capture summary, every trace, and one request in detail.
#
#   samples/run_demo.sh BUILD
set -euo pipefail
BUILD=${1:-build}
out="$BUILD/demo"
cap="$out/demo.pcapng.zst"
rm -rf "$out"
mkdir -p "$out/files"

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo: spancap loads BPF programs: run it as root (sudo make demo)" >&2
	exit 1
fi

banner() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

banner "spancap -w $cap -- spancap-demo-service (4 threads, 3 s)"
"$BUILD/spancap" -w "$cap" -- "$BUILD/samples/spancap-demo-service" --threads 4 \
	--requests 40 --rate 15 --duration 3 --seed 7 --dir "$out/files" \
	--truth "$out/truth.jsonl"

banner "spancap-analyze info $cap"
"$BUILD/spancap-analyze" info "$cap"

banner "spancap-analyze traces --sort=syscalls $cap"
# (through a file: head would close the pipe early, and pipefail would call that a failure)
"$BUILD/spancap-analyze" traces --sort=syscalls "$cap" >"$out/traces.txt"
head -n 25 "$out/traces.txt"
rows=$(($(wc -l <"$out/traces.txt") - 1))
[ "$rows" -le 24 ] || echo "... $rows traces in all: $out/traces.txt"

# The busiest request whose trace touched the network and the disk.
id=$("$BUILD/spancap-analyze" traces --json --sort=syscalls "$cap" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
rows = doc["traces"] if isinstance(doc, dict) else doc
print(rows[0]["trace_id"] if rows else "")')
if [ -n "$id" ]; then
	banner "spancap-analyze trace $id $cap"
	"$BUILD/spancap-analyze" trace "$id" "$cap"
fi

printf '\nThe capture is %s; the sample service'"'"'s own log of what it did is %s.\n' \
	"$cap" "$out/truth.jsonl"
