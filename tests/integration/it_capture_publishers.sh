#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap against OTEP 4719 publishers that behave as real ones do (samples/ctx_publisher.c):
# a memfd mapping never named with prctl, a publication first thing in main of a static and of
# a dynamic executable, two threads on one span with different attribute values, extra
# ProcessContext attributes, an update without a key map, an unpublish while running. Each
# variant runs RUNS times (default 20) under `spancap -w F -- CMD`; every run must be complete
# (check_publisher_truth.py: the process context, its named and extra attributes recorded,
# no context on the wrong thread). Each run is bounded by a count of operations (--ops).
# Prints TAP, one line per variant, and the misses per check as comments.
#
# VARIANTS="plain unpublish" runs only those (names of the list below); RUNS=N, OPS=N.
set -u
BUILD=${1:-build}
here=$(dirname "$0")
S=$BUILD/samples
SPANCAP=$BUILD/spancap
. "$here/suite_lib.sh"
suite_tmpdir
RUNS=${RUNS:-20}
OPS=${OPS:-300}

need_built "$SPANCAP" "$S/spancap-ctx-publisher" "$S/spancap-ctx-publisher-static"
need_commands zstd python3

# name | executable | --variant
cat >"$tmp/variants" <<LIST
plain|spancap-ctx-publisher|plain
plain-static|spancap-ctx-publisher-static|plain
memfd-noprctl|spancap-ctx-publisher|memfd-noprctl
memfd-noprctl-static|spancap-ctx-publisher-static|memfd-noprctl
two-threads|spancap-ctx-publisher|two-threads
extra-attrs|spancap-ctx-publisher|extra-attrs
update-nokeymap|spancap-ctx-publisher|update-nokeymap
unpublish|spancap-ctx-publisher|unpublish
LIST

while IFS='|' read -r name exe variant; do
	case " ${VARIANTS:-$name} " in *" $name "*) ;; *) continue ;; esac
	d=$tmp/$name
	mkdir -p "$d"
	complete=0
	: >"$d/fails"
	for i in $(seq 1 "$RUNS"); do
		cap=$d/$i.pcapng.zst
		if ! timeout 60 "$SPANCAP" -q -w "$cap" -- "$S/$exe" --variant "$variant" \
			--truth "$d/$i.truth.jsonl" --ops "$OPS" >"$d/$i.log" 2>&1; then
			echo "run $i: spancap or the publisher failed: $(tail -3 "$d/$i.log")" >>"$d/fails"
			continue
		fi
		if python3 "$here/check_publisher_truth.py" "$cap" "$d/$i.truth.jsonl" \
			>"$d/$i.check" 2>&1; then
			complete=$((complete + 1))
			rm -f "$cap"
		else
			grep -A3 '^not ok' "$d/$i.check" | sed "s/^/run $i: /" >>"$d/fails"
		fi
	done
	# the misses per check, for the record
	cat "$d"/*.check 2>/dev/null | sed -n 's/^not ok [0-9]* - //p' | sed 's/([^)]*)//g' |
		sort | uniq -c | sed 's/^/# miss: /'
	if [ "$complete" -eq "$RUNS" ]; then
		ok "$name: $complete/$RUNS runs complete (process context, named and extra attributes, no context on the wrong thread)"
	else
		not_ok "$name: $complete/$RUNS runs complete" "$d/fails"
	fi
done <"$tmp/variants"
tap_end
