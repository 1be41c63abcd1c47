#!/usr/bin/env bash
# make bench (sessions): PostgreSQL and Redis up if needed (stopped again only if this script started them), a database of
# its own, a Release build, then bench/sessions. Arguments pass through, e.g. `bash bench/sessions/run.sh --quick`.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_main sessions Sentinel.Bench.Sessions.csproj Sentinel.Bench.Sessions.dll "$@"
