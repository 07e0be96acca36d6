#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs every test suite of the build directory given as $1 and prints one closing line:
#   total: N passed, N failed
#
# Suites:
#   $BUILD/tests/test_*          cmocka unit suites (plain build)
#   $BUILD/asan/tests/test_*     the same suites under AddressSanitizer + UBSan
#   tests/integration/it_*.sh    integration suites (real BPF, real processes); they print TAP
#                                lines ("ok N - name" / "not ok N - name") and get $BUILD as $1.
#
# A suite that exits non-zero without reporting a failure (a crash, a sanitizer abort, a
# missing capability) counts as one failed test: nothing is skipped silently.
#
# Each suite runs within a budget of wall time and memory (tests/run_metered.py): past its time
# it is stopped, and a suite that ran out of time or had a process whose peak resident memory
# exceeded the budget counts as one more failed test. The budgets are generous, at least four
# times what any suite of the kind takes on the project's 2-vCPU machines (the longest on
# 2026-12-06: 70 s, it_capture_load; the largest process: 409 MB, a libFuzzer run), so that a
# suite that starts to grow with the machine's speed, or hangs, fails here, named, long before
# CI's own limit: unit suites 120 s, the same under ASan 300 s, integration suites 300 s; every
# suite 1024 MB for its largest process.
# The summary lists each suite's tests, wall time and peak memory (its largest process; at least
# the ~13 MB of the runner's own fork, which the kernel counts for the process it then execs).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."

passed=0
failed=0
failed_suites=()
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"

log_of() { echo "$log_dir/$(echo "$1" | tr '/' '_').log"; }

# budget_of NAME: "SECONDS MEGABYTES" for a suite; SUITE_BUDGET="SECONDS MEGABYTES" in the
# environment replaces every budget (a much slower machine, or a check of this runner).
budget_of() {
	[ -n "${SUITE_BUDGET:-}" ] && { echo "$SUITE_BUDGET"; return; }
	case $1 in
	unit/*) echo "120 1024" ;;
	asan/*) echo "300 1024" ;;
	*) echo "300 1024" ;;
	esac
}
summary=()
# say TEXT: a verdict of the runner on the suite being run, on the output and in its log.
say() { echo "$*" | tee -a "$log"; }

run_suite() { # name kind command...
	local name=$1 kind=$2
	shift 2
	local log
	log=$(log_of "$name")
	local budget meter
	budget=$(budget_of "$name")
	meter="$log.meter"
	printf '=== %s\n' "$name"
	# shellcheck disable=SC2086 # budget is two words
	python3 tests/run_metered.py "$meter" $budget "$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	local m_wall=? m_rss=0 m_verdict=unmetered
	[ -s "$meter" ] && read -r _ m_wall m_rss m_verdict <"$meter"
	local p=0 f=0
	if [ "$kind" = cmocka ]; then
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	else
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
	fi
	p=${p:-0}
	f=${f:-0}
	# One more failure for a broken budget; else one for an exit or a run that reported none.
	case $m_verdict in
	ok)
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			say "*** $name exited with status $rc without reporting a failed test:" \
				"counted as failed"
			f=1
		fi
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			say "*** $name ran no test: counted as failed"
			f=1
		fi ;;
	time)
		say "*** $name ran out of its time budget (${budget% *} s) and was stopped:" \
			"counted as failed"
		f=$((f + 1)) ;;
	memory)
		say "*** $name: a process of it reached $((m_rss / 1024)) MB resident, over its" \
			"budget (${budget#* } MB): counted as failed"
		f=$((f + 1)) ;;
	*)
		say "*** $name: no measure of its time and memory (status $rc): counted as failed"
		f=$((f + 1)) ;;
	esac
	summary+=("$(printf '%-36s %5d %4d %8s %7d %s' "$name" "$p" "$f" "$m_wall" \
		"$((m_rss / 1024))" "$budget")")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failed_suites+=("$name")
}

for bin in "$BUILD"/tests/test_*; do
	[ -x "$bin" ] || continue
	run_suite "unit/$(basename "$bin")" cmocka "$bin"
done
for bin in "$BUILD"/asan/tests/test_*; do
	[ -x "$bin" ] || continue
	run_suite "asan/$(basename "$bin")" cmocka env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$bin"
done
for it in tests/integration/it_*.sh; do
	[ -f "$it" ] || continue
	run_suite "integration/$(basename "$it" .sh)" tap bash "$it" "$BUILD"
done

# What each suite cost, then the failures again, with what they printed, where a reader of the
# log's tail sees them.
printf '%-36s %5s %4s %8s %7s %s\n' suite passed fail "wall s" "peak MB" "budget (s MB)"
printf '%s\n' "${summary[@]}"
for name in "${failed_suites[@]}"; do
	echo "--- failures of $name (whole log: $(log_of "$name"))"
	awk '/^not ok /{show=1; print; next} /^(ok |1\.\.)/{show=0} show && /^#/{print}
	     /\[  (ERROR|FAILED) +\]|ERROR: AddressSanitizer|runtime error:|^\*\*\* /{print}' \
		"$(log_of "$name")" | head -n 60
done
if [ ${#failed_suites[@]} -gt 0 ]; then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
