#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make test's short smoke of every libFuzzer target (`make fuzz` runs them longer): 5 s or
# 300000 inputs each, whichever comes first (the slowest target runs ~20000 inputs in 5 s on the
# project's 2-vCPU machines, the fastest 1.2 million).
exec env FUZZ_SECONDS="${FUZZ_SMOKE_SECONDS:-5}" FUZZ_RUNS="${FUZZ_SMOKE_RUNS:-300000}" \
	"$(dirname "$0")/../fuzz/run_fuzzers.sh" "${1:-build}"
