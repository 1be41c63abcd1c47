#!/usr/bin/env bash
# PostgreSQL and Redis for Sentinel: through Docker Compose when a Docker engine answers, else from the system's
# packages (scripts/db.sh). Same verbs either way: start | stop [pg|redis] | status | env | createdb NAME | clean.
set -euo pipefail
cd "$(dirname "$0")/.."

use_compose() {
  [ "${SENTINEL_USE_DOCKER:-auto}" != "0" ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

compose() {
  if docker compose version >/dev/null 2>&1; then docker compose --env-file .env -f compose/docker-compose.yml "$@"
  else docker-compose --env-file .env -f compose/docker-compose.yml "$@"; fi
}

if ! use_compose; then
  exec bash scripts/db.sh "$@"
fi

case "${1:-}" in
  start)
    [ -f .env ] && [ -f keys/tls/server.crt ] || bash scripts/setup.sh
    compose up -d --wait
    # Compose owns the containers' lifetime; callers stop nothing on exit.
    echo "started="
    ;;
  stop) compose stop ${2:+"$( [ "$2" = pg ] && echo postgres || echo redis )"} ;;
  status) compose ps ;;
  env) bash scripts/db.sh env ;;
  createdb)
    compose exec -T postgres sh -c "psql -U identity -d identity -tAc \"SELECT 1 FROM pg_database WHERE datname='$2'\" | grep -q 1 || createdb -U identity '$2'"
    ;;
  clean) compose down -v ;;
  *) echo "usage: $0 start|stop [pg|redis]|status|env|createdb NAME|clean" >&2; exit 2 ;;
esac
