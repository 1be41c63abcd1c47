#!/usr/bin/env bash
# Shared by bench/*/run.sh: `bench_main NAME PROJECT ASSEMBLY ARGS...` brings PostgreSQL and Redis up if needed (and stops
# them again only if it started them), gives the benchmark a database of its own (SENTINEL_BENCH_DB, default
# sentinel_bench), builds the driver in Release (unless SENTINEL_BENCH_NO_BUILD is set: bench/run-all.sh builds first),
# and runs it with the arguments given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_started=""
bench_cleanup() {
  local code=$?
  for svc in ${bench_started//,/ }; do bash scripts/services.sh stop "$svc" >/dev/null 2>&1 || true; done
  exit $code
}

bench_main() {
  local name=$1 project=$2 assembly=$3
  shift 3
  trap bench_cleanup EXIT INT TERM
  if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    local start_out
    start_out=$(bash scripts/services.sh start)
    bench_started=$(echo "$start_out" | tail -n1 | sed -n 's/^started=//p')
    set -a; eval "$(bash scripts/services.sh env)"; set +a
  fi
  local db=${SENTINEL_BENCH_DB:-sentinel_bench}
  bash scripts/services.sh createdb "$db" >/dev/null
  DATABASE_URL=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$DATABASE_URL" "$db")
  export DATABASE_URL REDIS_URL REDIS_TLS_VERIFY=required SENTINEL_TEST_CONFIGURATION=Release
  [ -n "${SENTINEL_BENCH_NO_BUILD:-}" ] || dotnet build "bench/$name/$project" -c Release -nologo -clp:ErrorsOnly -v:q
  dotnet "bench/$name/bin/Release/net10.0/$assembly" "$@"
}
