# SPDX-License-Identifier: BSD-2-Clause
#
# suite_lib.sh - what the integration suites (it_*.sh) share: TAP reporting, a temporary
# directory removed at exit, checks that the build and the tools are present, and waiting for a
# running capture. Sourced, never run: `. "$(dirname "$0")/suite_lib.sh"`.
#
# TAP state: $n tests reported so far, $failed of them failed. A failure's detail (a file, or
# text) is printed as "#   " comments: the first TAP_DETAIL_LINES lines (default 30; 0 for all),
# or the last ones when TAP_DETAIL_FROM is tail.

n=0
failed=0
TAP_DETAIL_LINES=${TAP_DETAIL_LINES:-30}
TAP_DETAIL_FROM=${TAP_DETAIL_FROM:-head}

# ok DESCRIPTION [STATUS]: a passed test, or a failed one when STATUS is given and not 0.
ok() {
	if [ "${2:-0}" -ne 0 ]; then
		not_ok "$1"
		return 0
	fi
	n=$((n + 1))
	echo "ok $n - $1"
}

# not_ok DESCRIPTION [DETAIL]: a failed test; DETAIL is a file to quote, or text.
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] || return 0
	if [ -f "$2" ]; then cat "$2"; else printf '%s\n' "$2"; fi | tap_detail_lines | sed 's/^/#   /'
	return 0
}
# tap_detail_lines: standard input cut to the lines not_ok quotes.
tap_detail_lines() {
	if [ "$TAP_DETAIL_LINES" -gt 0 ]; then "$TAP_DETAIL_FROM" -n "$TAP_DETAIL_LINES"; else cat; fi
}

# check DESCRIPTION COMMAND...: one test, passed when COMMAND exits 0; its output is the detail.
check() {
	local d=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else not_ok "$d" "$tmp/out"; fi
}

# bail DESCRIPTION [DETAIL]: a failed test after which the suite cannot go on.
bail() {
	not_ok "$1" "${2:-}"
	echo "1..$n"
	exit 1
}

# tap_from PREFIX COMMAND...: runs a TAP-printing checker and renumbers its lines into this
# suite, PREFIX before each name; a checker that exits non-zero without a "not ok" line (a
# crash) is a failure too.
tap_from() {
	local prefix=$1 line rc before=$failed
	shift
	"$@" >"$tmp/tap.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$prefix${line#ok * - }" ;;
		"not ok "*) not_ok "$prefix${line#not ok * - }" ;;
		*) echo "# $line" ;;
		esac
	done <"$tmp/tap.out"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		not_ok "$prefix$(basename "$2") exited with status $rc"
	fi
}

# tap_end: the plan line; the suite's status is 1 when a test failed.
tap_end() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

# suite_tmpdir [MKTEMP-ARGS...]: sets $tmp to a new directory, removed at exit unless KEEP is
# set when it is made. At exit suite_cleanup runs first when the suite defines it (to stop
# what it started).
suite_tmpdir() {
	tmp=$(mktemp -d "$@")
	suite_keep_tmp=${KEEP:-}
	trap suite_exit EXIT
}
suite_exit() {
	declare -F suite_cleanup >/dev/null && suite_cleanup
	[ -n "$suite_keep_tmp" ] || rm -rf "$tmp"
}

# need_built FILE...: bails unless every FILE is an executable of the build.
need_built() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || bail "$f is built"
	done
}

# need_files FILE...: bails unless every FILE exists.
need_files() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || bail "$f exists"
	done
}

# need_commands COMMAND...: bails unless every COMMAND is installed.
need_commands() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || bail "$c is installed (make deps)"
	done
}

# wait_for FILE PATTERN TRIES [PID]: returns 0 once FILE has a line matching PATTERN, 1 when
# TRIES checks 0.05 s apart did not see it or PID (default $cap_pid) has exited.
wait_for() {
	local pid=${4:-${cap_pid:-}}
	for _ in $(seq 1 "$3"); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# capture_released CAPTURE LOG ARGS...: $SPANCAP -v -w CAPTURE $CAPTURE_OPTS -- ARGS, spancap's
# output and the command's in LOG, where ARGS run spancap-demo-service with --start-on-stdin (or
# the program RELEASE_PROG names, which also waits for a line on stdin): the service's
# requests start once spancap -v reports it resolved (at most 20 s). spancap resolves an exec'ed
# program after the exec, when its user space gets a CPU (man spancap.8, --sched, CONTEXT
# DISCOVERY): on a loaded host a service that starts its requests at once can make its first
# spans, or all of them, before spancap knows where its thread context lives. Sets rc
# (spancap's status), released ("resolved" or "not resolved"), and cap_pid while spancap runs.
capture_released() {
	local cap=$1 log=$2
	shift 2
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	# shellcheck disable=SC2086 # CAPTURE_OPTS is a word list
	"$SPANCAP" -v -w "$cap" ${CAPTURE_OPTS:-} -- "$@" <"$tmp/go" >"$log" 2>&1 &
	cap_pid=$!
	exec 7>"$tmp/go"
	released="not resolved"
	wait_for "$log" "resolved via .* in .*/${RELEASE_PROG:-spancap-demo-service}" 400 &&
		released=resolved
	(echo go >&7) 2>/dev/null # a subshell: no SIGPIPE for the suite when spancap is gone
	exec 7>&-
	wait "$cap_pid"
	rc=$?
	cap_pid=
}
