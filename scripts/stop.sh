#!/usr/bin/env bash
# make stop: stop the silo and web that `make start` launched, then the databases it started (and only those).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
for name in web silo; do
  pidfile="$RUN/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    echo "stopped $name ($pid)"
  fi
  rm -f "$pidfile"
done
if [ -s "$RUN/started-oidc" ]; then
  bash scripts/oidc-provider.sh stop 2>/dev/null || true
fi
rm -f "$RUN/started-oidc"
if [ -f "$RUN/started-services" ]; then
  for svc in $(tr ',' ' ' < "$RUN/started-services"); do
    bash scripts/services.sh stop "$svc" >/dev/null 2>&1 && echo "stopped $svc" || true
  done
  rm -f "$RUN/started-services"
fi
