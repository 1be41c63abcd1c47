#!/usr/bin/env bash
# make drills: failure drills under steady mixed load, with a summary table (docs/operations.md, "Failure drills").
#
#   1. Starts its own local cluster (scripts/cluster.sh: 3 silos, 2 web, the local proxy) with its own CLUSTER_ID, run
#      directory, ports and database (sentinel_drills, created and migrated by the silos), on the running PostgreSQL and
#      Redis (started by scripts/services.sh if they are not up, and then stopped again).
#   2. Runs the load driver (bench/drills), which seeds sessions, a service key and ACLs, and for each drill sends
#      refreshes, rate-limited reads, permission checks and negative probes through the proxy while calling
#      `scripts/drills.sh action NAME` for the failure, then verifies every live family and the rate-limit bound.
#   3. Checks membership for silos declared dead that the drills did not stop, writes the table to
#      .test-results/drills.md, and always stops what it started (trap). Exit 1 if a hard requirement failed.
#
# Usage: scripts/drills.sh [run]          everything (what `make drills` runs)
#        scripts/drills.sh action NAME    one drill's failure against the running drill cluster (used by the driver)
# Environment: DRILLS (kill-silo,rolling-restart,kill-web,backup-restore,redis-restart,pg-restart), DRILLS_FRONT_PORT
#   (9380), DRILLS_DB (sentinel_drills), DRILLS_KILL_DOWN_SECS (12: how long the killed silo stays down),
#   DRILLS_REPORT (.test-results/drills.md), DRILLS_ARGS (extra driver arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd -P)

RUN=${DRILLS_RUN_DIR:-$REPO/.run/drills}
export CLUSTER_RUN_DIR=$RUN
export CLUSTER_ID=${DRILLS_CLUSTER_ID:-sentinel-drills}
export SERVICE_ID=sentinel-drills
export CLUSTER_FRONT_PORT=${DRILLS_FRONT_PORT:-9380}
export CLUSTER_WEB_BASE_PORT=${DRILLS_WEB_BASE_PORT:-9303}
export CLUSTER_SILO_BASE_PORT=${DRILLS_SILO_BASE_PORT:-11380}
export CLUSTER_GATEWAY_BASE_PORT=${DRILLS_GATEWAY_BASE_PORT:-30380}
export CLUSTER_DASHBOARD_PORT=0
DB=${DRILLS_DB:-sentinel_drills}
REPORT=${DRILLS_REPORT:-$REPO/.test-results/drills.md}
DRILLS=${DRILLS:-kill-silo,rolling-restart,kill-web,backup-restore,redis-restart,pg-restart}
KILL_DOWN_SECS=${DRILLS_KILL_DOWN_SECS:-12}

# The drill cluster's settings: the measured limit is the read tier (60/minute per user, its default); the aggregate
# per-IP and auth tiers are raised because every request of the load comes from 127.0.0.1 (seeding signs in through
# /auth/token), and access tokens outlive the run.
export RATE_LIMIT_AGGREGATE=${RATE_LIMIT_AGGREGATE:-100000/minute} RATE_LIMIT_AUTH=${RATE_LIMIT_AUTH:-100000/minute}
export ACCESS_TOKEN_EXPIRE_MINUTES=${ACCESS_TOKEN_EXPIRE_MINUTES:-60}
# The driver issues auth codes straight into IAuthCodeGrain as a "dex" sign-in would; /auth/token wants that provider
# configured, and never contacts it (the metadata URL is a closed loopback port).
export DEX_CLIENT_ID=${DEX_CLIENT_ID:-drills} DEX_CLIENT_SECRET=${DEX_CLIENT_SECRET:-drills}
export DEX_SERVER_METADATA_URL=${DEX_SERVER_METADATA_URL:-http://127.0.0.1:9/.well-known/openid-configuration}

say() { printf '==> %s\n' "$*"; }
note() { printf 'note: %s\n' "$*"; }

load_env() {
  set -a
  eval "$(bash scripts/services.sh env)"
  set +a
  export REDIS_TLS_VERIFY=${REDIS_TLS_VERIFY:-required}
  PGPASSWORD=$(python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlsplit(sys.argv[1]).password or ""))' "${DATABASE_URL/+asyncpg/}")
  export PGPASSWORD
  if [ -n "${DATABASE_CA_CERT:-}" ]; then
    PG="host=127.0.0.1 port=${PG_PORT:-9001} user=identity sslmode=verify-full sslrootcert=$DATABASE_CA_CERT"
  else
    PG="host=127.0.0.1 port=${PG_PORT:-9001} user=identity sslmode=require"
  fi
  DRILL_URL=${DATABASE_URL/\/identity\?//$DB?}
}

pid_of() { # NAME -> pid from the cluster's pid file, if alive
  local pid marker
  read -r pid marker <"$RUN/$1.pid" 2>/dev/null || return 1
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" && printf '%s' "$pid"
}

# Dead rows in membership, per silo port: "port count". Each SIGTERM or kill -9 of a silo leaves exactly one.
# `cluster.sh status` exits 1 when any process is down or the proxy not ready (as after a drill's restart); its
# membership lines are what is read here, so its status must not end the run under `set -e -o pipefail`.
dead_rows() { { bash scripts/cluster.sh status 2>/dev/null || true; } | awk '$2 == "Dead" { n[$1]++ } END { for (p in n) print p, n[p] }' | sort; }
expect_dead() { echo "$1" >>"$RUN/expected-deaths"; }

# Forget an earlier run's membership rows of this cluster id (its Dead rows would count against this run).
forget_membership() {
  local host port pw
  IFS='|' read -r host port pw < <(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 6379, u.unquote(p.password or ""), sep="|")' "$REDIS_URL")
  local -a tls=()
  [[ $REDIS_URL == rediss://* ]] && tls=(--tls ${REDIS_TLS_CA_CERT:+--cacert "$REDIS_TLS_CA_CERT"})
  REDISCLI_AUTH=$pw redis-cli "${tls[@]}" -h "$host" -p "$port" --no-auth-warning DEL "$SERVICE_ID/members/$CLUSTER_ID" >/dev/null
}

# ------------------------------------------------------------------------------------------------ actions
action() {
  load_env
  case $1 in
    kill-silo)
      local pid
      pid=$(pid_of silo-2) || { echo "silo-2 is not running"; return 1; }
      kill -KILL "$pid"
      expect_dead $((CLUSTER_SILO_BASE_PORT + 1))
      echo "kill -9 silo-2 (pid $pid); down for ${KILL_DOWN_SECS}s"
      sleep "$KILL_DOWN_SECS"
      bash scripts/cluster.sh restart silo-2 | sed 's/^/  /'
      note "silo-2 killed, restarted after ${KILL_DOWN_SECS}s"
      ;;
    rolling-restart)
      local s t0=$SECONDS
      for s in 1 2 3; do
        expect_dead $((CLUSTER_SILO_BASE_PORT + s - 1))
        bash scripts/cluster.sh restart "silo-$s" | sed 's/^/  /'
      done
      note "3 silos restarted one at a time in $((SECONDS - t0))s"
      ;;
    kill-web)
      local pid
      pid=$(pid_of web-1) || { echo "web-1 is not running"; return 1; }
      kill -KILL "$pid"
      echo "kill -9 web-1 (pid $pid); down for 10s"
      sleep 10
      bash scripts/cluster.sh restart web-1 | sed 's/^/  /'
      note "web-1 killed, restarted after 10s"
      ;;
    redis-restart)
      local t0=$SECONDS
      bash scripts/services.sh stop redis
      bash scripts/services.sh start >/dev/null
      note "redis stopped and started in $((SECONDS - t0))s"
      ;;
    pg-restart)
      local before after t0=$SECONDS
      before=$(psql "$PG dbname=$DB" -XAtc 'SELECT count(*) FROM users')
      bash scripts/services.sh stop pg
      bash scripts/services.sh start >/dev/null
      after=$(psql "$PG dbname=$DB" -XAtc 'SELECT count(*) FROM users')
      [ "$before" = "$after" ] || { echo "users before $before, after $after"; return 1; }
      note "postgres stopped and started in $((SECONDS - t0))s; users $before before, $after after"
      ;;
    backup-restore) backup_restore ;;
    *) echo "unknown drill: $1" >&2; return 2 ;;
  esac
}

# docs/operations.md, "Backup and restore": pg_dump of the whole database (directory and grain storage in one snapshot),
# restore into a scratch database, check that a user and its session family are there, then serve the copy from a
# cluster of its own (1 silo, 1 web, its own CLUSTER_ID, the same SERVICE_ID) and refresh a token issued before the dump.
backup_restore() {
  local dump=$RUN/backup.dump scratch=${DB}_restore t0=$SECONDS
  : "${DRILL_USER_ID:?}" "${DRILL_FAMILY_ID:?}" "${DRILL_REFRESH_TOKEN:?}"
  pg_dump "$PG dbname=$DB" -Fc -f "$dump"
  local dumped=$((SECONDS - t0))
  psql "$PG dbname=$DB" -XqAtc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" -c "CREATE DATABASE $scratch" 2>/dev/null
  pg_restore -d "$PG dbname=$scratch" --no-owner --exit-on-error "$dump"
  rm -f "$dump"
  local users families sessions source_counts restored_counts
  users=$(psql "$PG dbname=$scratch" -XAtc "SELECT count(*) FROM users WHERE id = '$DRILL_USER_ID'")
  # The session grain's state is stored as JSON (in payload_binary), its families keyed by id.
  families=$(psql "$PG dbname=$scratch" -XAtc "SELECT count(*) FROM orleans_storage WHERE grain_type_string = 'session'
    AND service_id = '$SERVICE_ID' AND (convert_from(payload_binary, 'UTF8')::jsonb -> 'Families') ? '$DRILL_FAMILY_ID'")
  sessions=$(psql "$PG dbname=$scratch" -XAtc "SELECT count(*) FROM orleans_storage WHERE grain_type_string = 'session'")
  # Tables the load never writes: equal in the source and the copy.
  source_counts=$(psql "$PG dbname=$DB" -XAtc 'SELECT (SELECT count(*) FROM users) || $$/$$ || (SELECT count(*) FROM resource_permissions)')
  restored_counts=$(psql "$PG dbname=$scratch" -XAtc 'SELECT (SELECT count(*) FROM users) || $$/$$ || (SELECT count(*) FROM resource_permissions)')
  local ok=1 status=none
  if [ "$users" != 1 ] || [ "$families" != 1 ] || [ "$source_counts" != "$restored_counts" ]; then ok=0; fi
  if [ "$ok" = 1 ]; then
    # Serve the copy. BASE_URL stays the drill cluster's: it is the issuer of the token being refreshed.
    local rdir=$RUN/restore
    if (export CLUSTER_RUN_DIR=$rdir CLUSTER_ID=$CLUSTER_ID-restore CLUSTER_FRONT_PORT=$((CLUSTER_FRONT_PORT + 100)) \
      CLUSTER_WEB_BASE_PORT=$((CLUSTER_WEB_BASE_PORT + 100)) CLUSTER_SILO_BASE_PORT=$((CLUSTER_SILO_BASE_PORT + 100)) \
      CLUSTER_GATEWAY_BASE_PORT=$((CLUSTER_GATEWAY_BASE_PORT + 100)) CLUSTER_DASHBOARD_PORT=0 SILOS=1 WEB=1 CLUSTER_BUILD=0 \
      CLUSTER_CONFIGURATION=Release CLUSTER_DATABASE_URL=${DATABASE_URL/\/identity\?//$scratch?} BASE_URL=http://localhost:$CLUSTER_FRONT_PORT
      bash scripts/cluster.sh start >"$RUN/restore-cluster.out" 2>&1); then
      status=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        --data "{\"refresh_token\":\"$DRILL_REFRESH_TOKEN\"}" "http://127.0.0.1:$((CLUSTER_FRONT_PORT + 100))/auth/refresh" || true)
    else
      status="cluster did not start (see $RUN/restore-cluster.out)"
    fi
    CLUSTER_RUN_DIR=$rdir bash scripts/cluster.sh stop >>"$RUN/restore-cluster.out" 2>&1 || true
    [ "$status" = 200 ] || ok=0
  fi
  psql "$PG dbname=$DB" -XqAtc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"
  if [ "$ok" != 1 ]; then
    echo "restore check failed: user rows $users, session rows holding the family $families, users/acls $source_counts vs $restored_counts, refresh on the copy: $status"
    return 1
  fi
  note "pg_dump ${dumped}s, restore + own cluster + checks $((SECONDS - t0))s: user and family in the copy ($sessions session rows, users/acls $restored_counts as source), pre-dump token refreshed there: 200"
}

# ------------------------------------------------------------------------------------------------ run
STARTED_CLUSTER=0 STARTED_DBS=0
cleanup() {
  local code=$?
  if [ "$STARTED_CLUSTER" = 1 ]; then
    say "stopping the drill cluster"
    bash scripts/cluster.sh stop || true
  fi
  if [ "$STARTED_DBS" = 1 ]; then
    say "stopping the databases this run started"
    bash scripts/services.sh stop || true
  fi
  exit "$code"
}

run() {
  command -v psql >/dev/null && command -v pg_dump >/dev/null || { echo "drills need psql and pg_dump (postgresql-client)" >&2; exit 1; }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$RUN" "$(dirname "$REPORT")"
  rm -f "$RUN/expected-deaths" "$RUN"/*.log
  # Empty, not missing: a subset without silo kills (DRILLS=kill-web) records no death, and `sort` of a missing file
  # exits 2, which under pipefail ended the run after the table, before the membership check.
  : >"$RUN/expected-deaths"
  [ -f .env ] && [ -f keys/private.pem ] || bash scripts/setup.sh
  # The databases: used as they are when up (never stopped then); otherwise started here and stopped at the end.
  if ! bash scripts/db.sh status >/dev/null 2>&1; then
    STARTED_DBS=1
    bash scripts/services.sh start >/dev/null
  fi
  load_env
  bash scripts/services.sh createdb "$DB" >/dev/null 2>&1
  # A fresh database per run: nothing left from an earlier run's sessions or membership.
  psql "$PG dbname=$DB" -XqAtc 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public' 2>/dev/null || true
  export CLUSTER_DATABASE_URL=$DRILL_URL
  forget_membership
  say "build (Release): silo, web, the drill driver"
  dotnet build bench/drills/Sentinel.Bench.Drills.csproj -c Release -nologo -clp:ErrorsOnly -v:q
  STARTED_CLUSTER=1
  SILOS=3 WEB=2 CLUSTER_CONFIGURATION=Release CLUSTER_BUILD=0 bash scripts/cluster.sh start
  local before_dead
  before_dead=$(dead_rows)

  say "drills: $DRILLS"
  local rc=0
  dotnet "bench/drills/bin/Release/net10.0/Sentinel.Bench.Drills.dll" --front "http://127.0.0.1:$CLUSTER_FRONT_PORT" \
    --cluster-id "$CLUSTER_ID" --service-id "$SERVICE_ID" --drills "$DRILLS" --report "$REPORT" --script scripts/drills.sh \
    --machine "$(hostname), $(nproc) cores, $(uname -sr)" ${DRILLS_ARGS:-} || rc=$?

  # Membership: every Dead row must be one the drills caused (a kill -9 or a SIGTERM restart). Anything more is a
  # healthy silo declared dead.
  local expected actual unexpected=0 port want got
  expected=$(sort "$RUN/expected-deaths" 2>/dev/null | uniq -c | awk '{print $2, $1}')
  actual=$(dead_rows)
  for port in $(printf '%s\n%s\n' "$expected" "$actual" | awk 'NF {print $1}' | sort -u); do
    want=$(awk -v p="$port" '$1 == p {print $2}' <<<"$expected"); got=$(awk -v p="$port" '$1 == p {print $2}' <<<"$actual")
    ((${got:-0} > ${want:-0})) && unexpected=$((unexpected + ${got:-0} - ${want:-0}))
  done
  local suspicions replays
  suspicions=$(cat "$RUN"/silo-*.log 2>/dev/null | grep -ciE 'declared dead|I am being declared dead|voted dead|suspect' || true)
  # A rotation asked again with the same request id (an edge retry, or the client's retry with its Idempotency-Key
  # after a reply was lost): the session grain returned the pair it had stored instead of a reuse verdict.
  replays=$(cat "$RUN"/silo-*.log 2>/dev/null | grep -c 'rotation repeated with the same request id' || true)
  {
    echo
    echo "Membership: Dead rows per silo port (drill-caused expected): $(tr '\n' ' ' <<<"${actual:-none}")(expected: $(tr '\n' ' ' <<<"${expected:-none}"))."
    echo "Healthy silos declared dead: $unexpected. Silo log lines mentioning suspicion or death votes: $suspicions."
    echo "Rotations whose reply was lost and that a retry collected (same request id, from the silo logs): $replays."
  } | tee -a "$REPORT"
  [ -z "$before_dead" ] || echo "(before the drills: $before_dead)" | tee -a "$REPORT"
  echo "table: $REPORT"
  return $rc
}

case ${1:-run} in
  run) run ;;
  action) shift; action "$@" ;;
  *) echo "usage: scripts/drills.sh [run] | action NAME" >&2; exit 2 ;;
esac
