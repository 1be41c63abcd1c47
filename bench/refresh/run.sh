#!/usr/bin/env bash
# make bench (refresh): PostgreSQL and Redis as `make test` brings them up (only if not already up), a database of
# its own, a Release build, then bench/refresh. Arguments pass through, e.g. `bash bench/refresh/run.sh --runs 7`.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=""
cleanup() {
  local code=$?
  for svc in ${started//,/ }; do bash scripts/services.sh stop "$svc" >/dev/null 2>&1 || true; done
  exit $code
}
trap cleanup EXIT INT TERM
start_out=$(bash scripts/services.sh start)
started=$(echo "$start_out" | tail -n1 | sed -n 's/^started=//p')
set -a
eval "$(bash scripts/services.sh env)"
set +a
BENCH_DB=${SENTINEL_BENCH_DB:-sentinel_bench}
bash scripts/services.sh createdb "$BENCH_DB" >/dev/null
export DATABASE_URL=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$DATABASE_URL" "$BENCH_DB")
export REDIS_TLS_VERIFY=required
export SENTINEL_TEST_CONFIGURATION=Release
[ -n "${SENTINEL_BENCH_NO_BUILD:-}" ] || dotnet build bench/refresh -c Release -nologo -clp:ErrorsOnly -v:q
dotnet bench/refresh/bin/Release/net10.0/Sentinel.Bench.Refresh.dll "$@"
