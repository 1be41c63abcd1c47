#!/usr/bin/env bash
# make bench (scaleout): PostgreSQL and Redis up if needed (stopped again only if this script started them), a database of
# its own, a Release build, then bench/scaleout. Arguments pass through, e.g. `bash bench/scaleout/run.sh --quick`.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_main scaleout Sentinel.Bench.ScaleOut.csproj Sentinel.Bench.ScaleOut.dll "$@"
