#!/usr/bin/env bash
# make create-admin EMAIL=… / make seed: run against the cluster that `make start` runs (CLUSTER_ID sentinel-dev).
# Both go through the grains (Sentinel.Web/Admin/BootstrapCommands.cs), never straight to SQL, and are idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a
eval "$(bash scripts/services.sh env)"
set +a
export REDIS_TLS_VERIFY=${REDIS_TLS_VERIFY:-required}
export CLUSTER_ID=${CLUSTER_ID:-sentinel-dev}
export SERVICE_ID=${SERVICE_ID:-sentinel}
dotnet build Sentinel.Web -c Debug -nologo -clp:ErrorsOnly -v:q >/dev/null
exec dotnet Sentinel.Web/bin/Debug/net10.0/Sentinel.Web.dll "$@"
