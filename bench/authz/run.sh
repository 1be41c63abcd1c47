#!/usr/bin/env bash
# make bench (authorization): PostgreSQL and Redis up if needed (stopped again only if this script started them), a
# database of its own, a Release build, then bench/authz. Arguments pass through, e.g. `bash bench/authz/run.sh --quick`.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_main authz Sentinel.Bench.Authz.csproj Sentinel.Bench.Authz.dll "$@"
