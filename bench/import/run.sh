#!/usr/bin/env bash
# make bench (import): PostgreSQL and Redis up if needed (stopped again only if this script started them), a database of
# its own, a Release build, then bench/import. Arguments pass through, e.g. `bash bench/import/run.sh --runs 1`.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_main import Sentinel.Bench.Import.csproj Sentinel.Bench.Import.dll "$@"
