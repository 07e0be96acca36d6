#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap's command line as an operator meets it: --help and man/spancap.8 document every
# option of the code's option table (parsed from capture/capture.c, so an option added without
# documentation fails here), the man page renders without a groff warning, -q leaves errors
# only, --stats prints live lines and a final line whose counters are named and valued as the
# file's END record, and bad combinations are refused. Real BPF, real processes. Prints TAP.
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

"$SPANCAP" -q --stats=0.1 -w "$tmp/qs.scap" -- sleep 0.5 >/dev/null 2>"$tmp/qs.err"
[ $? -eq 0 ] && grep -q '^spancap: stats final ' "$tmp/qs.err" &&
	! grep -q 'events written' "$tmp/qs.err" && ok "-q --stats: stats lines, no summary line" ||
	not_ok "-q --stats: stats lines, no summary line" "$tmp/qs.err"

# ---- refused command lines ------------------------------------------------------------------

refused() { # description, expected message (ERE), args...
	local d=$1 msg=$2
	shift 2
	"$SPANCAP" "$@" >"$tmp/r.out" 2>"$tmp/r.err"
	local rc=$?
	if [ "$rc" -eq 1 ] && grep -Eq "$msg" "$tmp/r.err" && [ ! -e "$tmp/r.scap" ]; then ok "$d"
	else not_ok "$d (status $rc)" "$tmp/r.err"; fi
}
refused "-q with -v is refused" "contradict" -q -v -w "$tmp/r.scap" -- true
refused "-Z without a command is refused" "applies to -- CMD" -Z nobody -w "$tmp/r.scap" --all
refused "--stats=0 is refused" "bad --stats interval" --stats=0 -w "$tmp/r.scap" -- true
refused "--stats=abc is refused" "bad --stats interval" --stats=abc -w "$tmp/r.scap" -- true
refused "an unknown user is refused before anything runs" "no such user" \
	-Z no-such-user-spancap -w "$tmp/r.scap" -- true
refused "an unknown option points to --help" "see --help" --no-such-option -w "$tmp/r.scap" -- true

tap_end
