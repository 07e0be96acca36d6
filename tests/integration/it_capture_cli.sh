#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap's command line as an operator meets it: --help and man/spancap.8 document every
# option of the code's option table (parsed from capture/capture.c, so an option added without
# documentation fails here), the man page renders without a groff warning, -q leaves errors
# only, --stats prints live lines and a final line whose counters are named and valued as the
# file's END record; the command contract strace/perf/tcpdump users expect: with -w - the
# command's standard output goes to standard error, the command's exit status is passed on
# (126/127 and no file when it cannot be run), -c is exact, -p ends when its targets have
# exited, unwritable targets are refused before the command runs; bad combinations and every
# out-of-range numeric value are refused with exit 2. Real BPF, real processes. Prints TAP.
set -u
BUILD=${1:-build}
SPANCAP="$BUILD/spancap"
CHECK="$BUILD/tests/capture_check"
SRC=capture/capture.c
MAN=man/spancap.8
. "$(dirname "$0")/suite_lib.sh"
suite_tmpdir

need_files "$SPANCAP" "$CHECK" "$SRC" "$MAN"
need_commands groff man

# ---- documentation against the option table -------------------------------------------------

# Long options: the {"name", no_argument|required_argument|optional_argument, ...} rows.
sed -n 's/^[[:space:]]*{"\([a-z][a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$SRC" \
	>"$tmp/longopts"
# Short options: the getopt_long option string.
shortopts=$(sed -n 's/.*getopt_long(argc, argv, "+\{0,1\}\([A-Za-z:]*\)".*/\1/p' "$SRC" | tr -d ':')
[ "$(wc -l <"$tmp/longopts")" -ge 10 ] && [ ${#shortopts} -ge 5 ] ||
	bail "the option table of $SRC parses ($(wc -l <"$tmp/longopts") long, '${shortopts}' short)"

"$SPANCAP" --help >"$tmp/help" 2>"$tmp/help.err"
[ $? -eq 0 ] && [ -s "$tmp/help" ] && [ ! -s "$tmp/help.err" ] &&
	ok "spancap --help prints on stdout and exits 0" ||
	not_ok "spancap --help prints on stdout and exits 0" "$tmp/help.err"

groff -man -Tutf8 -ww -z "$MAN" >"$tmp/groff.err" 2>&1
[ $? -eq 0 ] && [ ! -s "$tmp/groff.err" ] && ok "groff -man -ww renders $MAN without a warning" ||
	not_ok "groff -man -ww renders $MAN without a warning" "$tmp/groff.err"
MANWIDTH=80 man -l "$MAN" >"$tmp/man.txt" 2>"$tmp/man.err"
[ $? -eq 0 ] && [ -s "$tmp/man.txt" ] && [ ! -s "$tmp/man.err" ] && grep -q '^NAME' "$tmp/man.txt" &&
	ok "man -l $MAN renders without a message" || not_ok "man -l $MAN renders" "$tmp/man.err"
# Plain text, one long line per paragraph and no hyphenation: every option stays whole.
groff -man -Tascii -rLL=250n -rHY=0 -P-c -P-b -P-u -P-o "$MAN" 2>/dev/null >"$tmp/man.plain"

for doc in help man.plain; do
	missing=""
	while read -r opt; do
		grep -Eq -- "--$opt([^a-z0-9-]|$)" "$tmp/$doc" || missing="$missing --$opt"
	done <"$tmp/longopts"
	for ((i = 0; i < ${#shortopts}; i++)); do
		grep -Eq -- "(^|[^a-zA-Z0-9-])-${shortopts:i:1}([^a-zA-Z0-9]|$)" "$tmp/$doc" ||
			missing="$missing -${shortopts:i:1}"
	done
	[ -z "$missing" ] && ok "$doc documents every option of the table" ||
		not_ok "$doc documents every option of the table (missing:$missing)"
	# And the other way: no documented --option the code does not have (what follows a
	# " -- " separator belongs to the recorded command).
	extra=""
	for opt in $(sed 's/ -- .*//' "$tmp/$doc" | grep -Eo -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -qx -- "${opt#--}" "$tmp/longopts" || extra="$extra $opt"
	done
	[ -z "$extra" ] && ok "$doc documents no option the code lacks" ||
		not_ok "$doc documents no option the code lacks (extra:$extra)"
done

# ---- -q -------------------------------------------------------------------------------------

"$SPANCAP" -q -w "$tmp/q.scap" -- /bin/true >"$tmp/q.out" 2>"$tmp/q.err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$tmp/q.err" ] && ok "-q: exit 0 and nothing on stderr" ||
	not_ok "-q: exit 0 and nothing on stderr (status $rc)" "$tmp/q.err"
check "-q: the file reads back to a clean, consistent END" "$CHECK" "$tmp/q.scap"
"$SPANCAP" -q -w "$tmp/q2.scap" -p 999999999 >/dev/null 2>"$tmp/q2.err"
rc=$?
[ "$rc" -ne 0 ] && [ -s "$tmp/q2.err" ] && ok "-q still prints errors (a bad pid)" ||
	not_ok "-q still prints errors (a bad pid: status $rc)" "$tmp/q2.err"

# ---- --stats --------------------------------------------------------------------------------

"$SPANCAP" --stats=0.2 -w "$tmp/s.scap" -- sh -c 'i=0; while [ $i -lt 30 ]; do cat /etc/hostname >/dev/null; sleep 0.05; i=$((i+1)); done' \
	>/dev/null 2>"$tmp/s.err"
rc=$?
[ "$rc" -eq 0 ] || not_ok "--stats: spancap exits 0 (status $rc)" "$tmp/s.err"
"$CHECK" "$tmp/s.scap" >"$tmp/s.dump" 2>&1 || not_ok "--stats: the file reads back" "$tmp/s.dump"
grep '^spancap: stats ' "$tmp/s.err" >"$tmp/s.lines"
live=$(grep -vc '^spancap: stats final ' "$tmp/s.lines")
final=$(grep -c '^spancap: stats final ' "$tmp/s.lines")
[ "$live" -ge 2 ] && [ "$final" -eq 1 ] && tail -n 2 "$tmp/s.err" | head -n 1 | grep -q '^spancap: stats final ' &&
	tail -n 1 "$tmp/s.err" | grep -Eq '^[0-9]+ events written, [0-9]+ lost$' &&
	ok "--stats: $live interval lines, one final line, then the summary" ||
	not_ok "--stats: interval lines, one final line, then the summary" "$tmp/s.err"
# records= never decreases from line to line
sed -n 's/.* records=\([0-9]*\).*/\1/p' "$tmp/s.lines" | sort -n -c 2>/dev/null &&
	ok "--stats: records= never decreases" || not_ok "--stats: records= never decreases" "$tmp/s.lines"

# The final line against the END record: same names, same values (kernel counters summed
# over CPUs, as a reader of the END record sums them).
# The names an END record can carry: formats/'s scf_counter_name() table.
sed -n '/^const char \*scf_counter_name/,/^}/s/.*\[SCF_CNT_[A-Z_]*\] = "\([a-z_]*\)".*/\1/p' \
	formats/record_codec.c >"$tmp/end_names"
python3 - "$tmp/s.lines" "$tmp/s.dump" "$tmp/end_names" >"$tmp/recon" 2>&1 <<'EOF'
import re, sys
known = set(open(sys.argv[3]).read().split())
lines = open(sys.argv[1]).read().splitlines()
final = dict(kv.split("=", 1) for kv in lines[-1].split()[4:])
end = [l for l in open(sys.argv[2]) if l.startswith("END ")][-1]
counters = {}
for c in re.search(r"counters=(\S*)", end).group(1).split(","):
    name, cpu, val = c.rsplit(":", 2)
    counters[name] = counters.get(name, 0) + int(val)
syscalls = int(re.search(r"syscalls=(\d+)", end).group(1))
extra = {"syscalls", "events/s", "procs", "resolved"}
bad = []
if len(known) < 8:
    bad.append("scf_counter_name() table not parsed: %s" % sorted(known))
if not set(counters) <= set(final) or not set(final) - extra <= known:
    bad.append("names: stats %s, END %s, known %s" % (sorted(set(final) - extra),
                                                     sorted(counters), sorted(known)))
for name in set(final) - extra:
    # END leaves out counters that stayed at 0 (but the drop counters)
    if int(final[name]) != counters.get(name, 0):
        bad.append("%s: stats %s vs END %d" % (name, final[name], counters.get(name, 0)))
if int(final.get("syscalls", -1)) != syscalls:
    bad.append("syscalls: stats %s vs END %d" % (final.get("syscalls"), syscalls))
print("\n".join(bad) or "reconciled: %s" % final)
sys.exit(1 if bad else 0)
EOF
[ $? -eq 0 ] && ok "--stats: the final line carries the END record's counter names and values" ||
	not_ok "--stats: the final line carries the END record's counter names and values" "$tmp/recon"

# The final line's events/s is the whole capture's rate: here the events come in the first
# tenths of a second, then 1.2 s of sleep, so the last interval's rate would be about 0.
"$SPANCAP" --stats=0.5 -w "$tmp/rate.pcapng.zst" -- \
	sh -c 'i=0; while [ $i -lt 200 ]; do cat /etc/hostname >/dev/null; i=$((i+1)); done; sleep 1.2' \
	>/dev/null 2>"$tmp/rate.err"
python3 - "$tmp/rate.err" >"$tmp/rate.out" 2>&1 <<'EOF'
import sys
final = [l for l in open(sys.argv[1]) if l.startswith("spancap: stats final ")][-1].split()
elapsed = float(final[3].rstrip("s"))
kv = dict(x.split("=", 1) for x in final[4:])
events, rate = int(kv["events"]), float(kv["events/s"])
want = events / elapsed
print("final: %d events in %.2f s, events/s=%.0f (whole capture: %.0f)" % (events, elapsed, rate, want))
sys.exit(0 if events > 1000 and abs(rate - want) <= 0.02 * want + 1 else 1)
EOF
[ $? -eq 0 ] && ok "--stats: the final line's events/s is the whole capture's rate ($(cat "$tmp/rate.out"))" ||
	not_ok "--stats: the final line's events/s is the whole capture's rate" "$(cat "$tmp/rate.out" "$tmp/rate.err")"

"$SPANCAP" -q --stats=0.1 -w "$tmp/qs.scap" -- sleep 0.5 >/dev/null 2>"$tmp/qs.err"
[ $? -eq 0 ] && grep -q '^spancap: stats final ' "$tmp/qs.err" &&
	! grep -q 'events written' "$tmp/qs.err" && ok "-q --stats: stats lines, no summary line" ||
	not_ok "-q --stats: stats lines, no summary line" "$tmp/qs.err"

# ---- -w -: the capture owns standard output --------------------------------------------------

# The printed words are computed, so that the recorded argv does not hold them.
"$SPANCAP" -q -w - -- sh -c 'echo cmd-says-$((40 + 2)); echo cmd-to-stderr-$((40 + 3)) >&2' >"$tmp/stdout.scap" \
	2>"$tmp/stdout.err"
rc=$?
"$CHECK" "$tmp/stdout.scap" >"$tmp/stdout.dump" 2>&1
crc=$?
if [ "$rc" -eq 0 ] && [ "$crc" -eq 0 ] && ! grep -aq cmd-says-42 "$tmp/stdout.scap" &&
	grep -q '^cmd-says-42$' "$tmp/stdout.err" && grep -q '^cmd-to-stderr-43$' "$tmp/stdout.err"; then
	ok "-w -: CMD's standard output goes to standard error, the capture stream stays readable"
else
	not_ok "-w -: CMD's standard output goes to standard error (status $rc, check $crc)" \
		"$(cat "$tmp/stdout.err" "$tmp/stdout.dump")"
fi

# ---- exit status: CMD's, passed on as strace does --------------------------------------------

"$SPANCAP" -q -w "$tmp/x7.pcapng.zst" -- sh -c 'exit 7' >/dev/null 2>"$tmp/x.err"
rc=$?
[ "$rc" -eq 7 ] && "$CHECK" "$tmp/x7.pcapng.zst" >/dev/null 2>&1 &&
	ok "CMD exits 7: spancap exits 7, the capture is whole" ||
	not_ok "CMD exits 7: spancap exits 7 (status $rc)" "$tmp/x.err"
"$SPANCAP" -q -w "$tmp/x9.pcapng.zst" -- sh -c 'kill -KILL $$' >/dev/null 2>"$tmp/x.err"
rc=$?
[ "$rc" -eq 137 ] && ok "CMD killed by SIGKILL: spancap exits 128+9" ||
	not_ok "CMD killed by SIGKILL: spancap exits 128+9 (status $rc)" "$tmp/x.err"
"$SPANCAP" -q -w "$tmp/x0.pcapng.zst" -- true >/dev/null 2>"$tmp/x.err"
rc=$?
[ "$rc" -eq 0 ] && ok "CMD exits 0: spancap exits 0" || not_ok "CMD exits 0 (status $rc)" "$tmp/x.err"
not_started() { # description, expected status, expected message (ERE), CMD...
	local d=$1 want=$2 msg=$3
	shift 3
	rm -f "$tmp/ns.pcapng.zst"
	"$SPANCAP" -w "$tmp/ns.pcapng.zst" -- "$@" >/dev/null 2>"$tmp/ns.err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq "$msg" "$tmp/ns.err" && [ ! -e "$tmp/ns.pcapng.zst" ]; then
		ok "$d"
	else
		not_ok "$d (status $rc, file $(ls "$tmp/ns.pcapng.zst" 2>/dev/null || echo absent))" \
			"$tmp/ns.err"
	fi
}
not_started "a CMD that does not exist: status 127, a message, no capture file" 127 \
	"cannot run /nonexistent: No such file" /nonexistent
not_started "a CMD that is not executable: status 126, a message, no capture file" 126 \
	"cannot run /etc/passwd: Permission denied" /etc/passwd

# ---- -c N is exact, as tcpdump's ---------------------------------------------------------------

count_syscalls() { "$CHECK" "$1" 2>/dev/null | grep -c '^SYSCALL '; }
"$SPANCAP" -q -w "$tmp/c100.pcapng.zst" -c 100 -- \
	sh -c 'i=0; while [ $i -lt 300 ]; do cat /etc/hostname >/dev/null; i=$((i+1)); done' \
	>/dev/null 2>"$tmp/c.err"
rc=$?
got=$(count_syscalls "$tmp/c100.pcapng.zst")
"$CHECK" "$tmp/c100.pcapng.zst" 2>/dev/null | grep -q '^END .*syscalls=100 .*stop=count' &&
	[ "$rc" -eq 0 ] && [ "$got" -eq 100 ] &&
	ok "-c 100 on a command making thousands of syscalls: exactly 100 syscall records" ||
	not_ok "-c 100: exactly 100 syscall records (got $got, status $rc)" "$tmp/c.err"
"$SPANCAP" -q -w "$tmp/call.pcapng.zst" --all -c 1000 >/dev/null 2>"$tmp/c.err"
rc=$?
got=$(count_syscalls "$tmp/call.pcapng.zst")
[ "$rc" -eq 0 ] && [ "$got" -eq 1000 ] &&
	ok "--all -c 1000: exactly 1000 syscall records" ||
	not_ok "--all -c 1000: exactly 1000 syscall records (got $got, status $rc)" "$tmp/c.err"

# ---- -p ends when every target has exited, as strace -p does ---------------------------------

sleep 0.5 &
p1=$!
sleep 1 &
p2=$!
timeout 20 "$SPANCAP" -q -w "$tmp/p.pcapng.zst" -p "$p1,$p2" >/dev/null 2>"$tmp/p.err"
rc=$?
wait "$p1" "$p2" 2>/dev/null
[ "$rc" -eq 0 ] && "$CHECK" "$tmp/p.pcapng.zst" 2>/dev/null | grep -q '^END .*stop=targets-exited' &&
	ok "-p: the capture ends by itself once its targets have exited (END stop=targets-exited)" ||
	not_ok "-p: the capture ends once its targets have exited (status $rc; 124: still running)" \
		"$tmp/p.err"

# ---- targets that cannot be written, found before CMD runs -------------------------------------

"$SPANCAP" -w /proc/version -- touch "$tmp/ran-proc" >/dev/null 2>"$tmp/w.err"
rc=$?
[ "$rc" -eq 1 ] && [ ! -e "$tmp/ran-proc" ] && grep -q '/proc/version' "$tmp/w.err" &&
	ok "-w /proc/version fails (status 1) before CMD runs" ||
	not_ok "-w /proc/version fails before CMD runs (status $rc, CMD ran: $([ -e "$tmp/ran-proc" ] && echo yes || echo no))" \
		"$tmp/w.err"
mkdir "$tmp/nobody-dir"
chown nobody "$tmp/nobody-dir"
chmod 0755 "$tmp/nobody-dir"
"$SPANCAP" -w "$tmp/nobody-dir/rot.pcapng.zst" -C 4k -- touch "$tmp/ran-rot" >/dev/null 2>"$tmp/w.err"
rc=$?
[ "$rc" -eq 1 ] && [ ! -e "$tmp/ran-rot" ] && grep -q 'dropped CAP_DAC_OVERRIDE' "$tmp/w.err" &&
	ok "rotation into a directory root can write only with CAP_DAC_OVERRIDE: refused at start" ||
	not_ok "rotation into an unwritable directory refused at start (status $rc)" "$tmp/w.err"

# ---- a name that says the other compression: a warning ------------------------------------------

"$SPANCAP" -u -w "$tmp/plain.pcapng.zst" -- true >/dev/null 2>"$tmp/n.err"
rc=$?
[ "$rc" -eq 0 ] && grep -q 'warning: -u writes plain pcapng, but .*plain.pcapng.zst ends in .zst' "$tmp/n.err" &&
	ok "-u with a .zst name: a warning, the file written" ||
	not_ok "-u with a .zst name: a warning (status $rc)" "$tmp/n.err"
"$SPANCAP" -w "$tmp/comp.pcapng" -- true >/dev/null 2>"$tmp/n.err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "warning: .*comp.pcapng will be zstd-compressed, but its name does not end in .zst" "$tmp/n.err" &&
	ok "zstd under a name without .zst: a warning, the file written" ||
	not_ok "zstd under a name without .zst: a warning (status $rc)" "$tmp/n.err"
"$SPANCAP" -w "$tmp/right.pcapng.zst" -- true >/dev/null 2>"$tmp/n.err"
"$SPANCAP" -u -w "$tmp/right.pcapng" -- true >/dev/null 2>>"$tmp/n.err"
! grep -q warning "$tmp/n.err" && ok "names that match the compression: no warning" ||
	not_ok "names that match the compression: no warning" "$tmp/n.err"

# ---- refused command lines ----------------------------------------------------------------------

# Usage errors exit 2 (one convention with spancap-analyze); failures while capturing exit 1.
refused() { # description, expected status, expected message (ERE), args...
	local d=$1 want=$2 msg=$3
	shift 3
	"$SPANCAP" "$@" >"$tmp/r.out" 2>"$tmp/r.err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq "$msg" "$tmp/r.err" && [ ! -e "$tmp/r.scap" ] &&
		[ ! -e "$tmp/ran" ]; then ok "$d"
	else not_ok "$d (status $rc)" "$tmp/r.err"; fi
}
refused "-q with -v is refused" 2 "contradict" -q -v -w "$tmp/r.scap" -- true
refused "-Z without a command is refused" 2 "applies to -- CMD" -Z nobody -w "$tmp/r.scap" --all
refused "--stats=0 is refused" 2 "bad --stats interval" --stats=0 -w "$tmp/r.scap" -- true
refused "--stats=abc is refused" 2 "bad --stats interval" --stats=abc -w "$tmp/r.scap" -- true
refused "an unknown user is refused before anything runs" 1 "no such user" \
	-Z no-such-user-spancap -w "$tmp/r.scap" -- true
refused "an unknown option points to --help" 2 "see --help" --no-such-option -w "$tmp/r.scap" -- true
refused "-r FILE points to spancap-analyze" 2 "spancap-analyze info x.pcapng.zst" -r x.pcapng.zst
# Every numeric option: out of range, overflowing, negative, inf and nan are refused.
for v in 1e12 inf 1e20 nan -1 0 0.0001; do
	refused "--duration $v is refused" 2 "bad --duration '$v' \(0.001 to 10000000 seconds\)" \
		--duration "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in -1 0 18446744073709551617 1000000000001 1e3; do
	refused "-c $v is refused" 2 "bad -c count '$v' \(1 to 1000000000000" \
		-c "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in -1 0 4095 18446744073709551617k 2048G 1T; do
	refused "-C $v is refused" 2 "bad -C size '$v' \(bytes, k/M/G suffix, 4k to 1024G\)" \
		-C "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in 0.01 -1 inf nan 1e8; do
	refused "-G $v is refused" 2 "bad -G period '$v'" -G "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in 0 -1 1000001 18446744073709551617; do
	refused "-W $v is refused" 2 "bad -W count '$v'" -C 1M -W "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in 0 -1 4294967297 256 1e2; do
	refused "-s $v is refused" 2 "bad snaplen '$v'" -s "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in 0 nan inf 86401 -1; do
	refused "--stats=$v is refused" 2 "bad --stats interval '$v'" --stats="$v" -w "$tmp/r.scap" \
		-- touch "$tmp/ran"
done
for v in 0 20 -8 nan 4294967297; do
	refused "--compress-level $v is refused" 2 "bad compression level '$v'" \
		--compress-level "$v" -w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in 0 1001 4294967297 -1; do
	refused "--tick-ms $v is refused" 2 "bad --tick-ms '$v'" --tick-ms "$v" -w "$tmp/r.scap" \
		-- touch "$tmp/ran"
done
for v in 4294971392 3000 2048 2147483648 -4096; do
	refused "--ringbuf-size $v is refused" 2 "bad --ringbuf-size '$v'" --ringbuf-size "$v" \
		-w "$tmp/r.scap" -- touch "$tmp/ran"
done
for v in fifo batch LOW 3 ""; do
	refused "--sched '$v' is refused" 2 "bad --sched '$v'" --sched "$v" -w "$tmp/r.scap" \
		-- touch "$tmp/ran"
done

# ---- --sched: spancap's threads, never the command ------------------------------------------

# The policy and nice value (fields 41 and 19 of /proc/PID/stat: 0 SCHED_OTHER, 3 SCHED_BATCH,
# 5 SCHED_IDLE) of the command and of each of spancap's threads, read by the command itself
# while spancap runs.
policies() { # spancap options...
	"$SPANCAP" -q -w "$tmp/s.scap" "$@" -- sh -c \
		'echo "cmd $(cut -d" " -f41,19 /proc/$$/stat)"
		 for t in /proc/$PPID/task/*; do echo "spancap $(cut -d" " -f41,19 "$t/stat")"; done'
}
for spec in ":0 0" "normal:0 0" "low:19 3" "idle:0 5"; do
	opt=${spec%%:*} want=${spec#*:}
	if [ -n "$opt" ]; then policies --sched "$opt" >"$tmp/pol" 2>&1; else policies >"$tmp/pol" 2>&1; fi
	nthr=$(grep -c '^spancap ' "$tmp/pol")
	if grep -qx "cmd 0 0" "$tmp/pol" && [ "$nthr" -ge 1 ] &&
		[ "$(grep -c "^spancap $want\$" "$tmp/pol")" = "$nthr" ]; then
		ok "--sched ${opt:-(default)}: each of spancap's $nthr threads has nice and policy '$want', the command '0 0'"
	else
		not_ok "--sched ${opt:-(default)}: each of spancap's threads has nice and policy '$want', the command '0 0'" "$tmp/pol"
	fi
done

tap_end
