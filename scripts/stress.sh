#!/usr/bin/env bash
# make stress: run the race tests (trait Category=Race) RUNS times in a row; stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-100}
for i in $(seq 1 "$RUNS"); do
  echo "==> stress run $i/$RUNS"
  TEST_FILTER="Category=Race" SENTINEL_TEST_RESULTS=".test-results/stress-$i" bash scripts/test.sh | tail -n 1
done
echo "$RUNS runs passed"
