#!/usr/bin/env bash
# make stress: the race tests (trait Category=Race) RUNS times in a row (default 100), one build, one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
TEST_FILTER="Category=Race" TEST_REPEAT="${RUNS:-100}" SENTINEL_TEST_RESULTS="$(pwd)/.test-results/stress" exec bash scripts/test.sh
