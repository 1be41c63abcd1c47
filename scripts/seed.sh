#!/usr/bin/env bash
# make seed: development data for a local sign-in (Sentinel.Silo/Seeding/DevSeed.cs): users alice@example.com and
# bob@example.com in workspace "demo", and the client app of the demo page (BASE_URL/demo/callback). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/services.sh start >/dev/null
  set -a; eval "$(bash scripts/services.sh env)"; set +a
fi
dotnet build Sentinel.Silo -c Debug -nologo -clp:ErrorsOnly -v:q
dotnet Sentinel.Silo/bin/Debug/net10.0/Sentinel.Silo.dll seed
