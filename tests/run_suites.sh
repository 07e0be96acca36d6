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
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."

passed=0
failed=0
failed_suites=()
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"

log_of() { echo "$log_dir/$(echo "$1" | tr '/' '_').log"; }

run_suite() { # name kind command...
	local name=$1 kind=$2
	shift 2
	local log
	log=$(log_of "$name")
	printf '=== %s\n' "$name"
	"$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
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
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "*** $name exited with status $rc without reporting a failed test: counted as failed"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "*** $name ran no test: counted as failed"
		f=1
	fi
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

# The failures again, with what they printed, where a reader of the log's tail sees them.
for name in "${failed_suites[@]}"; do
	echo "--- failures of $name (whole log: $(log_of "$name"))"
	awk '/^not ok /{show=1; print; next} /^(ok |1\.\.)/{show=0} show && /^#/{print}
	     /\[  (ERROR|FAILED) +\]|ERROR: AddressSanitizer|runtime error:/{print}' \
		"$(log_of "$name")" | head -n 60
done
if [ ${#failed_suites[@]} -gt 0 ]; then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
