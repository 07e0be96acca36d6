# SPDX-License-Identifier: BSD-2-Clause
#
# Sourced by the bench scripts: start a command under spancap, held at a gate until spancap
# has resolved it, then release it, so that no measured call runs before recording begins.
#
#   gated_spancap DIR SPANCAP "OPTIONS" CMD ARGS...
#       runs SPANCAP -v OPTIONS -w DIR/cap.scap -- CMD ARGS... with standard input a FIFO
#       (DIR/go), output in DIR/out and DIR/err, and returns once spancap said "resolved via"
#       and CMD printed "ready" (CMD must wait for a line on stdin: syscall_bench --wait), or
#       after 10 s; spancap's pid is in $gated_pid.
#   gated_go DIR
#       releases CMD.

gated_spancap() {
	local dir=$1 bin=$2 opts=$3
	shift 3
	rm -f "$dir/go"
	mkfifo "$dir/go"
	# shellcheck disable=SC2086 # opts is a word list
	"$bin" -v $opts -w "$dir/cap.scap" -- "$@" <"$dir/go" >"$dir/out" 2>"$dir/err" &
	gated_pid=$!
	exec 8>"$dir/go"
	for _ in $(seq 1 1000); do
		grep -q "resolved via" "$dir/err" && grep -q ready "$dir/out" && break
		sleep 0.01
	done
}

gated_go() {
	echo go >&8
	exec 8>&-
	rm -f "$1/go"
}
