#!/usr/bin/env bash
# The local OpenID Connect provider (tests/fixtures/oidc-provider, panva/oidc-provider) on 127.0.0.1, for local
# sign-in without Google or GitHub. Sentinel sees it as the generic provider `dex` (API.md §8.4).
#
#   start    npm ci if needed, start it in the background, wait for its discovery document
#            (last line of output: started=oidc-provider, or started= if it was already running)
#   stop     stop it (only the process recorded in .run/oidc-provider.pid)
#   status   running or not (exit 0 / 1)
#   env      the Sentinel variables that point at it: DEX_CLIENT_ID, DEX_CLIENT_SECRET, DEX_SERVER_METADATA_URL
#
# Settings, from the environment or else .env: OIDC_PORT (9010), DEX_CLIENT_ID (sentinel-dev),
# DEX_CLIENT_SECRET (sentinel-dev-secret), BASE_URL (http://localhost:9003, for the client's redirect URIs).
# OIDC_USERS / OIDC_CLIENTS / OIDC_ALLOW_UNKNOWN_USERS / OIDC_TEST_ENDPOINTS are passed through (see server.mjs).
# Pid, log and signing key live in .run/ (the key persists, so a restart keeps tokens and cached JWKS valid).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$SENTINEL_REPO"

APP=tests/fixtures/oidc-provider
RUN=.run
PIDFILE=$RUN/oidc-provider.pid
LOG=$RUN/oidc-provider.log

setting() { # NAME DEFAULT: the environment, else .env, else DEFAULT
  local name=$1 default=$2 value
  if [[ -n ${!name:-} ]]; then
    printf '%s' "${!name}"
  elif value=$(env_get .env "$name") && [[ -n $value ]]; then
    printf '%s' "$value"
  else
    printf '%s' "$default"
  fi
}

PORT=$(setting OIDC_PORT 9010)
CLIENT_ID=$(setting DEX_CLIENT_ID sentinel-dev)
CLIENT_SECRET=$(setting DEX_CLIENT_SECRET sentinel-dev-secret)
BASE=$(setting BASE_URL http://localhost:9003)
ISSUER=${OIDC_ISSUER:-http://127.0.0.1:$PORT}

running_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

ensure_deps() {
  command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 20.18 or later; 22 LTS is upstream's supported runtime)"
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if ((major < 20 || (major == 20 && minor < 18))); then
    die "node $(node -p 'process.versions.node') is too old: oidc-provider 9 needs 20.18 or later (22 LTS preferred)"
  fi
  # npm ci when node_modules is missing or older than the lock file (progress on stderr).
  bash scripts/node-modules.sh "$APP" >&2
}

start() {
  local pid
  if pid=$(running_pid); then
    log "oidc-provider is already running (pid $pid): $ISSUER"
    echo "started="
    return 0
  fi
  ensure_deps
  mkdir -p "$RUN"
  (
    export OIDC_PORT=$PORT DEX_CLIENT_ID=$CLIENT_ID DEX_CLIENT_SECRET=$CLIENT_SECRET BASE_URL=$BASE
    export OIDC_KEY_FILE=${OIDC_KEY_FILE:-$SENTINEL_REPO/$RUN/oidc-provider-key.json}
    cd "$APP"
    nohup node server.mjs >"$SENTINEL_REPO/$LOG" 2>&1 </dev/null &
    echo $! >"$SENTINEL_REPO/$PIDFILE"
  )
  pid=$(cat "$PIDFILE")
  for _ in $(seq 1 60); do
    if curl -fsS "$ISSUER/.well-known/openid-configuration" >/dev/null 2>&1; then
      log "==> oidc-provider is ready: $ISSUER (pid $pid, log $LOG)"
      echo "started=oidc-provider"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOG" >&2 || true
      rm -f "$PIDFILE"
      die "oidc-provider exited during start-up (log: $LOG)"
    fi
    sleep 0.5
  done
  tail -n 20 "$LOG" >&2 || true
  kill -TERM "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  die "oidc-provider did not answer on $ISSUER within 30 s (log: $LOG)"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PIDFILE"
    log "oidc-provider is not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$PIDFILE"
  log "stopped oidc-provider ($pid)"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "oidc-provider: running (pid $pid) at $ISSUER"
  else
    echo "oidc-provider: not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env)
    printf 'DEX_CLIENT_ID=%s\nDEX_CLIENT_SECRET=%s\nDEX_SERVER_METADATA_URL=%s\n' \
      "$CLIENT_ID" "$CLIENT_SECRET" "$ISSUER/.well-known/openid-configuration"
    ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
