#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make test's short smoke of every libFuzzer target (`make fuzz` runs them longer).
exec env FUZZ_SECONDS="${FUZZ_SMOKE_SECONDS:-5}" "$(dirname "$0")/../fuzz/run_fuzzers.sh" "${1:-build}"
