#!/usr/bin/env bash
# make bench (refresh): PostgreSQL and Redis as `make test` brings them up (only if not already up), a database of
# its own, a Release build, then bench/refresh. Arguments pass through, e.g. `bash bench/refresh/run.sh --runs 7`.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_main refresh Sentinel.Bench.Refresh.csproj Sentinel.Bench.Refresh.dll "$@"
