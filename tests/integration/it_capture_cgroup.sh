#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap --cgroup PATH and --container ID with real BPF: three shell loops, each opening its
# own marker file every 20 ms (through cat, a fork and an exec per round): one in a new cgroup
# v2 directory, one in a container-like cgroup below it (docker-ID.scope, ID random), one
# outside both. --cgroup of the first directory records the first two loops (a cgroup and
# those below it) and not the third; --container with a prefix of ID records only the second;
# the kernel filters (no syscall, process or thread of another cgroup reaches the file). Also:
# a path relative to the hierarchy's root, an unknown cgroup and an unknown container are
# refused with exit status 2. Prints TAP.
set -u
BUILD=${1:-build}
here=$(dirname "$0")
SPANCAP=$BUILD/spancap
ANALYZE=$BUILD/spancap-analyze
. "$here/suite_lib.sh"
suite_tmpdir
need_built "$SPANCAP" "$ANALYZE"
need_commands jq awk

mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
[ -n "$mnt" ] || bail "a cgroup v2 hierarchy is mounted"
id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
name=spancap-it-$$
cg=$mnt/$name
ct=$cg/docker-$id.scope
loops=()
suite_cleanup() {
	[ ${#loops[@]} -gt 0 ] && kill "${loops[@]}" 2>/dev/null
	wait 2>/dev/null
	rmdir "$ct" "$cg" 2>/dev/null
}
mkdir "$cg" "$ct" || bail "a cgroup can be made under $mnt"
for m in inside container outside; do echo "$m" >"$tmp/$m"; done

# loop MARKER CGROUP-DIR ("" for this suite's own): cat MARKER every 20 ms, in that cgroup.
loop() {
	# shellcheck disable=SC2016 # expanded by the loop's shell
	sh -c '[ -z "$2" ] || echo $$ >"$2/cgroup.procs" || exit 1
		while :; do cat "$1" >/dev/null; sleep 0.02; done' loop "$tmp/$1" "$2" &
	loops+=($!)
}
loop inside "$cg"
loop container "$ct"
loop outside ""
sleep 0.2
pid_in=${loops[0]} pid_ct=${loops[1]} pid_out=${loops[2]}
grep -qx "0::/$name" "/proc/$pid_in/cgroup" &&
	grep -qx "0::/$name/docker-$id.scope" "/proc/$pid_ct/cgroup" ||
	bail "the loops run in their cgroups"

# capture NAME SPANCAP-OPTIONS...: one second of capture into $tmp/NAME.pcapng.zst
capture() {
	local name=$1
	shift
	if "$SPANCAP" -q -w "$tmp/$name.pcapng.zst" --duration 1 "$@" 2>"$tmp/$name.err"; then
		ok "$name: spancap $* records for 1 s and exits 0"
	else
		not_ok "$name: spancap $* records for 1 s and exits 0" "$tmp/$name.err"
	fi
	"$ANALYZE" files --json "$tmp/$name.pcapng.zst" 2>/dev/null |
		jq -r '.. | objects | .path? // empty' | sort -u >"$tmp/$name.paths"
	"$ANALYZE" processes --json "$tmp/$name.pcapng.zst" 2>/dev/null |
		jq -r '.processes[] | "\(.pid) \(.ppid) \(.comm) \(.argv // "" | gsub("\\s+"; " "))"' |
		sort -u >"$tmp/$name.procs"
}

# marks NAME: which markers the capture opened, "inside container outside" order
marks() {
	local m out=""
	for m in inside container outside; do
		grep -qx "$tmp/$m" "$tmp/$1.paths" && out+="$m "
	done
	echo "${out% }"
}

# foreign NAME "MARKER..." PID...: the capture's processes that are none of PID and no child
# of one, or that ran cat on a marker not in the list. (A process gone before spancap read
# /proc has its parent unknown, 0, in the file: it is judged by its argv alone.)
foreign() {
	local f=$1 keep=$2
	shift 2
	awk -v pids=" $* " -v dir="$tmp/" -v keep=" $keep " '
		{ other = 0
		  if (i = index($0, dir)) {
			  m = substr($0, i + length(dir)); sub(/[ \t].*/, "", m)
			  other = index(keep, " " m " ") == 0
		  }
		  if ((index(pids, " " $1 " ") == 0 && index(pids, " " $2 " ") == 0 && $2 != 0) ||
		      other) print }' "$tmp/$f.procs"
}

capture cgroup --cgroup "$cg"
m=$(marks cgroup)
ok "cgroup: the loops of the cgroup and of the one below it opened their markers, the other's is not there (files: $m)" \
	"$([ "$m" = "inside container" ]; echo $?)"
f=$(foreign cgroup "inside container" "$pid_in" "$pid_ct")
ok "cgroup: every process recorded is a loop of the cgroup or its child ($(wc -l <"$tmp/cgroup.procs") processes)" \
	"$([ -z "$f" ] && [ -s "$tmp/cgroup.procs" ]; echo $?)"
[ -z "$f" ] || echo "$f" | sed 's/^/#   foreign: /'

capture relative --cgroup "$name"
m=$(marks relative)
ok "relative: --cgroup $name (relative to the hierarchy's root) selects the same (files: $m)" \
	"$([ "$m" = "inside container" ]; echo $?)"

capture container --container "${id:0:12}"
m=$(marks container)
ok "container: --container ${id:0:12} records the loop of docker-$id.scope alone (files: $m)" \
	"$([ "$m" = container ]; echo $?)"
f=$(foreign container container "$pid_ct")
ok "container: every process recorded is that loop or its child" \
	"$([ -z "$f" ] && [ -s "$tmp/container.procs" ]; echo $?)"
[ -z "$f" ] || echo "$f" | sed 's/^/#   foreign: /'

"$SPANCAP" -w "$tmp/x.pcapng.zst" --cgroup "$name/no-such-cgroup" --duration 1 \
	>"$tmp/x.out" 2>&1
rc=$?
ok "an unknown cgroup is refused with status 2 ($(head -n 1 "$tmp/x.out"))" \
	"$([ $rc -eq 2 ] && [ ! -e "$tmp/x.pcapng.zst" ]; echo $?)"
"$SPANCAP" -w "$tmp/y.pcapng.zst" --container "${id:0:6}ff0000" --duration 1 >"$tmp/y.out" 2>&1
rc=$?
ok "an unknown container is refused with status 2 ($(head -n 1 "$tmp/y.out"))" \
	"$([ $rc -eq 2 ] && [ ! -e "$tmp/y.pcapng.zst" ]; echo $?)"

tap_end
