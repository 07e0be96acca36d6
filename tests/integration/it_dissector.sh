#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The Wireshark Lua dissector (dissector/spancap.lua) in tshark:
#   - on a real capture made now (spancap, real BPF) and on the checked-in sample capture, the
#     records per type, the syscall names with their trace ids, and the trace ids it extracts
#     with `tshark -T fields` match spancap-analyze --json of the same file;
#   - every record type of the analyzer's scenario file dissects without a Lua error or a
#     malformed note, with the analyzer's record counts;
#   - every x86_64 syscall number 0..519 gets the analyzer's name;
#   - the generated section of spancap.lua (errno and syscall names) is what
#     formats/syscall_list.h and analyze/engine/errno_names.c give (dissector/lua_tables.c), and a
#     stale one is caught;
#   - hand-made damaged records (check_dissector.py craft) are flagged, never a Lua error.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
A=$BUILD/spancap-analyze
LUA=$root/dissector/spancap.lua
. "$here/suite_lib.sh"
TAP_DETAIL_LINES=15
suite_tmpdir

ts() { tshark -X "lua_script:$LUA" "$@" 2>"$tmp/tshark.err"; }

# The generated tables, current; a copy with one syscall name changed is found stale.
if "$BUILD/dissector/lua_tables" --check "$LUA" 2>"$tmp/gen.err"; then
	ok "the generated section of spancap.lua is current (lua_tables --check)"
else
	not_ok "the generated section of spancap.lua is current (run make dissector-tables)" "$tmp/gen.err"
fi
sed -E 's/([[:space:]])openat([[:space:]])/\1openat_\2/' "$LUA" >"$tmp/stale.lua"
if ! cmp -s "$LUA" "$tmp/stale.lua" && ! "$BUILD/dissector/lua_tables" --check "$tmp/stale.lua" \
	2>"$tmp/stale.err" && grep -q 'is not what formats/syscall_list.h' "$tmp/stale.err"; then
	ok "a generated section with one name changed is reported stale"
else
	not_ok "a generated section with one name changed is reported stale" "$tmp/stale.err"
fi

if tshark -v 2>/dev/null | grep -q 'with Lua'; then
	ok "tshark has Lua ($(tshark -v 2>/dev/null | head -n 1))"
else
	not_ok "tshark has Lua" "$(tshark -v 2>&1 | head -n 3)"
fi

# Lua errors and malformed notes anywhere in the full dissection.
clean_dissection() { # name file
	ts -r "$2" -V >"$tmp/v.txt"
	if grep -q -i 'lua error' "$tmp/v.txt" "$tmp/tshark.err"; then
		not_ok "$1: full dissection without a Lua error" "$(grep -i -m 3 'lua error' "$tmp/v.txt" "$tmp/tshark.err")"
	elif grep -q 'Malformed spancap record\|record length .*, body\|overruns\|expected' "$tmp/v.txt"; then
		not_ok "$1: full dissection without a malformed note" "$(grep -m 3 -i 'malformed\|overruns\|expected' "$tmp/v.txt")"
	else
		ok "$1: full dissection without a Lua error or a malformed note ($(grep -c '^spancap record' "$tmp/v.txt") records)"
	fi
}

cap=$tmp/cap.pcapng.zst
mkdir -p "$tmp/files"
if timeout 120 "$BUILD/spancap" -w "$cap" -- "$BUILD/samples/spancap-demo-service" --threads 2 \
	--requests 4 --seed 23 --dir "$tmp/files" >"$tmp/cap.out" 2>&1; then
	ok "spancap -- spancap-demo-service ($(tail -n 1 "$tmp/cap.out"))"
else
	not_ok "spancap -- spancap-demo-service" "$(tail -n 5 "$tmp/cap.out")"
fi
"$BUILD/tests/analyze_scenario_gen" "$tmp/scenario.pcapng.zst"

for input in "$cap" "$root/samples/captures/demo-small.pcapng.zst" "$tmp/scenario.pcapng.zst"; do
	name=$(basename "$input")
	ts -r "$input" -T fields -e spancap.type -e spancap.trace_id -e spancap.syscall \
		-e spancap.flags -e spancap.thread_ctx.valid >"$tmp/fields"
	"$A" info --json "$input" >"$tmp/info.json" 2>/dev/null
	"$A" timeline --json "$input" >"$tmp/timeline.json" 2>/dev/null
	"$A" traces --json "$input" >"$tmp/traces.json" 2>/dev/null
	tap_from "$name: tshark -T fields: " python3 "$here/check_dissector.py" compare \
		"$tmp/fields" "$tmp/info.json" "$tmp/timeline.json" "$tmp/traces.json"
	clean_dissection "$name" "$input"
	if [ "$input" = "$cap" ]; then
		packed=$(ts -r "$input" -Y spancap.packed -T fields -e frame.number | wc -l)
		ts -r "$input" -2 -T fields -e spancap.type -e spancap.trace_id -e spancap.syscall \
			-e spancap.flags -e spancap.thread_ctx.valid >"$tmp/fields2"
		if [ "$packed" -gt 0 ] && cmp -s "$tmp/fields" "$tmp/fields2"; then
			ok "$name: $packed SYSCALL_PACKED records; a two-pass dissection (-2) gives the same fields"
		else
			not_ok "$name: packed records ($packed) and two passes agree" \
				"$(diff "$tmp/fields" "$tmp/fields2" | head -n 5)"
		fi
	fi
done

# Every syscall number: the dissector's table against the analyzer's.
python3 "$here/check_dissector.py" sweep "$tmp/sweep.pcapng"
ts -r "$tmp/sweep.pcapng" -T fields -e spancap.syscall | sed 1d >"$tmp/names.tshark"
"$A" timeline --json "$tmp/sweep.pcapng" 2>/dev/null | python3 -c "import json, sys
for e in json.load(sys.stdin)['events']:
    print(e['syscall'])" >"$tmp/names.analyze"
if [ "$(wc -l <"$tmp/names.tshark")" -eq 520 ] && cmp -s "$tmp/names.tshark" "$tmp/names.analyze"; then
	ok "syscall names of numbers 0..519 match the analyzer's"
else
	not_ok "syscall names of numbers 0..519 match the analyzer's" \
		"$(diff "$tmp/names.tshark" "$tmp/names.analyze" | head -n 10)"
fi

# Damaged and unknown records: flagged, not a Lua error.
python3 "$here/check_dissector.py" craft "$tmp/craft.pcapng"
ts -r "$tmp/craft.pcapng" -T fields -E separator='|' -e spancap.type -e spancap.syscall \
	-e spancap.syscall.errno -e spancap.path -e spancap.sockaddr -e spancap.item.tag \
	-e _ws.expert.message >"$tmp/craft.txt"
expect() { # line-number description pattern
	if sed -n "$1p" "$tmp/craft.txt" | grep -q -- "$3"; then
		ok "crafted record $1: $2"
	else
		not_ok "crafted record $1: $2" "$(sed -n "$1p" "$tmp/craft.txt")"
	fi
}
expect 2 "openat, ENOENT, its path and peer" '^6|openat|ENOENT|/etc/missing|127.0.0.1:5432|1,3|openat failed: ENOENT$'
expect 3 "an item overrunning the record is flagged" 'item tag 1 of 200 bytes overruns the record'
expect 4 "an unknown record type and item tag are shown, not rejected" '^99|||||4242|$'
expect 5 "a body shorter than 104 bytes is flagged" 'SYSCALL body of 60 bytes, at least 104 expected'
expect 6 "SYSCALL_PACKED (FORMAT.md's example) unpacks to read() = ESRCH" '^6|read|ESRCH||||read failed: ESRCH$'
expect 7 "SYSCALL_PACKED with pid and ids by reference unpacks" '^6|read|ESRCH||||read failed: ESRCH$'
expect 8 "SYSCALL_PACKED referring to an unseen thread is flagged" 'pid by reference to thread 301'
expect 10 "a SECTION empties the table of SYSCALL_PACKED references" 'pid by reference to thread 300'
ts -r "$tmp/craft.pcapng" -T fields -E separator='|' -e spancap.trace_id -e spancap.span_id \
	-e spancap.syscall.ret -e spancap.syscall.arg2 >"$tmp/craft_ids.txt" 2>/dev/null
ts -r "$tmp/craft.pcapng" -2 -T fields -E separator='|' -e spancap.trace_id -e spancap.span_id \
	-e spancap.syscall.ret -e spancap.syscall.arg2 >"$tmp/craft_ids2.txt" 2>/dev/null
want_ids='4bf92f3577b34da6a3ce929d0e0e4736|00f067aa0ba902b7|-3|4096$'
if [ "$(sed -n 6p "$tmp/craft_ids.txt")" = "$(sed -n 7p "$tmp/craft_ids.txt")" ] &&
	sed -n 7p "$tmp/craft_ids.txt" | grep -q "^$want_ids" &&
	cmp -s "$tmp/craft_ids.txt" "$tmp/craft_ids2.txt"; then
	ok "SYSCALL_PACKED ids by reference: the example's trace, span and ret, the same in two passes"
else
	not_ok "SYSCALL_PACKED ids by reference" "$(sed -n 6,7p "$tmp/craft_ids.txt"; sed -n 6,7p "$tmp/craft_ids2.txt")"
fi
if grep -q -i 'lua error' "$tmp/craft.txt" "$tmp/tshark.err"; then
	not_ok "crafted records: no Lua error" "$(grep -i 'lua error' "$tmp/craft.txt" "$tmp/tshark.err")"
else
	ok "crafted records: no Lua error"
fi

tap_end
