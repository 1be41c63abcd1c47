#!/usr/bin/env bash
# make stress: the race tests (trait Category=Race), each running RUNS independent rounds (default 100) as separate
# test cases in one process, against the real databases; one build, one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
export SENTINEL_RACE_ROUNDS="${RUNS:-100}"
TEST_FILTER="Category=Race" SENTINEL_TEST_RESULTS="$(pwd)/.test-results/stress" exec bash scripts/test.sh
