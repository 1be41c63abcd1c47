#!/usr/bin/env bash
# make bench (rate limiting): databases up if needed, Release build, then the bench against real processes on loopback.
# Arguments go to the driver: --path /users/me --rounds 5 --seconds 5 --connections 16 --hot 2 --clients 50000
set -euo pipefail
cd "$(dirname "$0")/../.."
started=""
cleanup() {
  for svc in ${started//,/ }; do bash scripts/services.sh stop "$svc" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  start_out=$(bash scripts/services.sh start)
  started=$(echo "$start_out" | tail -n1 | sed -n 's/^started=//p')
  set -a; eval "$(bash scripts/services.sh env)"; set +a
  bash scripts/services.sh createdb sentinel_bench >/dev/null
  DATABASE_URL=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/sentinel_bench")))' "$DATABASE_URL")
  export DATABASE_URL REDIS_TLS_VERIFY=required
fi
[ -n "${SENTINEL_BENCH_NO_BUILD:-}" ] || dotnet build bench/ratelimit/Sentinel.Bench.RateLimit.csproj -c Release -nologo -clp:ErrorsOnly -v:q
dotnet bench/ratelimit/bin/Release/net10.0/Sentinel.Bench.RateLimit.dll "$@"
