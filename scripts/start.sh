#!/usr/bin/env bash
# make start: set up if needed, bring up PostgreSQL and Redis, build, then run one silo and one web (:9003 API,
# :9004 admin) with readable, prefixed logs. Ctrl-C stops everything this script started.
#   --background   return once the cluster is ready, leaving it running (make admin); `make stop` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
RUN="$REPO/.run"
BACKGROUND=0
[ "${1:-}" = "--background" ] && BACKGROUND=1

if [ -f "$RUN/web.pid" ] && kill -0 "$(cat "$RUN/web.pid")" 2>/dev/null; then
  echo "Sentinel is already running (pid $(cat "$RUN/web.pid")); 'make stop' ends it."
  exit 0
fi

[ -f .env ] && [ -f keys/private.pem ] && [ -f keys/tls/server.crt ] || bash scripts/setup.sh

mkdir -p "$RUN"
start_out=$(bash scripts/services.sh start)
echo "$start_out"
echo "$start_out" | tail -n1 | sed -n 's/^started=//p' > "$RUN/started-services"

set -a
eval "$(bash scripts/services.sh env)"
set +a
export REDIS_TLS_VERIFY=${REDIS_TLS_VERIFY:-required}
export CLUSTER_ID=${CLUSTER_ID:-sentinel-dev}
export SERVICE_ID=${SERVICE_ID:-sentinel}
export DEBUG=${DEBUG:-true}
export LOG_FORMAT=${LOG_FORMAT:-console}

# A local OpenID Connect provider, so a fresh machine can sign in (docs/local-sign-in.md); LOCAL_OIDC=0 skips it.
if [ "${LOCAL_OIDC:-1}" != 0 ]; then
  if oidc_out=$(bash scripts/oidc-provider.sh start); then
    echo "$oidc_out" | tail -n1 | sed -n 's/^started=//p' > "$RUN/started-oidc"
    set -a; eval "$(bash scripts/oidc-provider.sh env)"; set +a
  else
    echo "warning: the local OpenID Connect provider did not start; sign-in needs another provider (see docs/local-sign-in.md)" >&2
  fi
fi

echo "==> build"
dotnet build Sentinel.sln -c Debug -nologo -clp:ErrorsOnly -v:q

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "==> stopping"
  bash scripts/stop.sh
}

launch() { # name project
  local name=$1 project=$2
  if [ "$BACKGROUND" = 1 ]; then
    nohup dotnet "Sentinel.$project/bin/Debug/net10.0/Sentinel.$project.dll" >"$RUN/$name.log" 2>&1 &
  else
    dotnet "Sentinel.$project/bin/Debug/net10.0/Sentinel.$project.dll" > >(sed -u "s/^/[$name] /") 2>&1 &
  fi
  echo $! > "$RUN/$name.pid"
}

[ "$BACKGROUND" = 1 ] || trap stop_all INT TERM EXIT
echo "==> silo (dashboard :${DASHBOARD_PORT:-9005})"
launch silo Silo
echo "==> web (:${SERVICE_PORT:-9003} API, :${ADMIN_PORT:-9004} admin)"
launch web Web

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:${SERVICE_PORT:-9003}/health/ready" >/dev/null 2>&1; then
    echo "==> Sentinel is ready: http://localhost:${SERVICE_PORT:-9003}  (admin http://localhost:${ADMIN_PORT:-9004}, dashboard http://localhost:${DASHBOARD_PORT:-9005})"
    break
  fi
  sleep 1
done

if [ "$BACKGROUND" = 1 ]; then
  echo "logs: $RUN/silo.log, $RUN/web.log"
  exit 0
fi
wait
