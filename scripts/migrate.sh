#!/usr/bin/env bash
# make migrate: apply sql/ migrations (the silo also does this on start, under an advisory lock).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/services.sh start >/dev/null
  set -a; eval "$(bash scripts/services.sh env)"; set +a
fi
dotnet build Sentinel.Silo -c Debug -nologo -clp:ErrorsOnly -v:q
dotnet Sentinel.Silo/bin/Debug/net10.0/Sentinel.Silo.dll migrate
