#!/usr/bin/env bash
# Run Sentinel's PostgreSQL and Redis locally without Docker, from Debian packages, with all
# data inside the project (default: .data/). Both services speak TLS only.
#
# Usage: scripts/db.sh <command> [args]
#   install            apt-get install postgresql / redis-server if missing (root or sudo)
#   start              install + setup if needed, start both (idempotent), wait until ready.
#                      Last stdout line: started=pg,redis | started=pg | started=redis | started=
#   stop [pg|redis]    stop both, or only one (idempotent)
#   status             print up/down for each; exit 0 only if both are up
#   clean              stop, then delete the data directory
#   env                print DATABASE_URL, DATABASE_CA_CERT, REDIS_URL, REDIS_TLS_CA_CERT
#   createdb NAME      create database NAME owned by "identity" if it does not exist
#   dropdb NAME        drop database NAME if it exists (not "identity")
#
# Environment: PG_PORT (9001), REDIS_PORT (9002), SENTINEL_DATA_DIR (<repo>/.data),
#              SENTINEL_WAIT_SECS (30)
# Progress messages go to stderr; stdout carries only machine-readable output.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

REPO=$SENTINEL_REPO
PG_PORT=${PG_PORT:-9001}
REDIS_PORT=${REDIS_PORT:-9002}
WAIT_SECS=${SENTINEL_WAIT_SECS:-30}
ENV_FILE=$REPO/.env
TLS_DIR=$REPO/keys/tls
CA_CERT=$TLS_DIR/ca.crt
DB_ROLE=identity
DB_NAME=identity

[[ $PG_PORT =~ ^[0-9]+$ ]] || die "PG_PORT must be a number"
[[ $REDIS_PORT =~ ^[0-9]+$ ]] || die "REDIS_PORT must be a number"

if [[ $EUID -eq 0 ]]; then
  IS_ROOT=1
  PG_OS_USER=postgres # PostgreSQL refuses to run as root
else
  IS_ROOT=0
  PG_OS_USER="$(id -un)"
fi

# ------------------------------------------------------------------------- data dir layout
FALLBACK_DIR="/var/tmp/sentinel-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)"
DATA_DIR_EXPLICIT=0
if [[ -n ${SENTINEL_DATA_DIR:-} ]]; then
  DATA_DIR="$(realpath -m -- "$SENTINEL_DATA_DIR")"
  DATA_DIR_EXPLICIT=1
elif [[ ! -e $REPO/.data/pg/PG_VERSION && -e $FALLBACK_DIR/pg/PG_VERSION ]]; then
  DATA_DIR=$FALLBACK_DIR # chosen by an earlier start because the repo was not traversable
else
  DATA_DIR=$REPO/.data
fi

set_paths() {
  PG_DATA=$DATA_DIR/pg         # PGDATA, owned by $PG_OS_USER, 0700
  PG_RUN=$DATA_DIR/pg-run      # unix socket + private copy of the TLS key/cert
  PG_LOG=$DATA_DIR/pg.log
  REDIS_DIR=$DATA_DIR/redis    # redis "dir": AOF/RDB files, redis.conf, redis.pid
  REDIS_CONF=$REDIS_DIR/redis.conf
  REDIS_PID=$REDIS_DIR/redis.pid
  REDIS_LOG=$DATA_DIR/redis.log
}
set_paths

# ------------------------------------------------------------------------- helpers
# Run a command as the PostgreSQL OS user (from / so an unreadable cwd doesn't matter).
as_pg() {
  if [[ $IS_ROOT == 1 ]]; then
    (cd / && exec runuser -u "$PG_OS_USER" -- "$@")
  else
    "$@"
  fi
}

chown_pg() {
  if [[ $IS_ROOT == 1 ]]; then chown "$PG_OS_USER:" "$@"; fi
}

# pg_put DEST MODE < content : atomically write a file owned by the PostgreSQL OS user.
pg_put() {
  local dest=$1 mode=$2 tmp
  tmp="$(mktemp "$(dirname "$dest")/.tmp.XXXXXX")"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  chown_pg "$tmp"
  mv -f "$tmp" "$dest"
}

# Single-quote a value for postgresql.conf.
pgq() { printf "'%s'" "${1//\'/\'\'}"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# find_pg_bin: set PG_BIN to a directory holding postgres, initdb and pg_ctl. Prefers the
# version that initialised the existing data dir, else the newest installed.
find_pg_bin() {
  PG_BIN=""
  local want="" d
  if [[ -r $PG_DATA/PG_VERSION ]]; then want="$(cat "$PG_DATA/PG_VERSION")"; fi
  if [[ -n $want && -x /usr/lib/postgresql/$want/bin/postgres && -x /usr/lib/postgresql/$want/bin/initdb ]]; then
    PG_BIN=/usr/lib/postgresql/$want/bin
    return 0
  fi
  while IFS= read -r d; do
    if [[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]]; then
      PG_BIN=$d
      break
    fi
  done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r)
  if [[ -z $PG_BIN ]] && command -v initdb >/dev/null 2>&1; then
    d="$(dirname "$(realpath "$(command -v initdb)")")"
    if [[ -x $d/postgres && -x $d/pg_ctl ]]; then PG_BIN=$d; fi
  fi
  [[ -n $PG_BIN ]]
}

# Client tools: same directory as the server if possible, else PATH.
pg_tool() {
  if [[ -n ${PG_BIN:-} && -x $PG_BIN/$1 ]]; then
    printf '%s' "$PG_BIN/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  else
    local d
    d="$(compgen -G "/usr/lib/postgresql/*/bin/$1" | sort -V -r | head -n 1)" || true
    [[ -n $d ]] || return 1
    printf '%s' "$d"
  fi
}

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }

load_env() {
  [[ -f $ENV_FILE ]] || die "$ENV_FILE is missing; run scripts/setup.sh (or scripts/db.sh start)"
  PG_PW="$(env_get "$ENV_FILE" POSTGRES_PASSWORD)" || true
  REDIS_PW="$(env_get "$ENV_FILE" REDIS_PASSWORD)" || true
  [[ -n $PG_PW ]] || die "POSTGRES_PASSWORD is missing or empty in $ENV_FILE"
  [[ -n $REDIS_PW ]] || die "REDIS_PASSWORD is missing or empty in $ENV_FILE"
}

# ------------------------------------------------------------------------- install
cmd_install() {
  local pkgs=()
  find_pg_bin || pkgs+=(postgresql)
  have_redis || pkgs+=(redis-server)
  command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
  if [[ ${#pkgs[@]} -eq 0 ]]; then
    return 0
  fi
  apt_install "${pkgs[@]}"
  # Debian starts its own services on 5432/6379 after install; ours run on $PG_PORT/$REDIS_PORT.
  local p
  for p in "${pkgs[@]}"; do
    case $p in postgresql | redis-server) stop_packaged_service "$p" ;; esac
  done
  find_pg_bin || die "PostgreSQL server binaries still not found after install"
  have_redis || die "redis-server/redis-cli still not found after install"
}

ensure_setup() {
  local f
  for f in "$ENV_FILE" "$CA_CERT" "$TLS_DIR/server.crt" "$TLS_DIR/server.key"; do
    if [[ ! -f $f ]]; then
      log "setup: $f missing, running scripts/setup.sh"
      bash "$REPO/scripts/setup.sh" >&2
      return 0
    fi
  done
  if ! env_has "$ENV_FILE" POSTGRES_PASSWORD || ! env_has "$ENV_FILE" REDIS_PASSWORD; then
    bash "$REPO/scripts/setup.sh" >&2
  fi
}

# Create the data dir and make sure the PostgreSQL OS user can reach it.
prepare_data_dir() {
  if [[ $IS_ROOT == 1 ]]; then
    if ! getent passwd "$PG_OS_USER" >/dev/null; then
      log "creating system user $PG_OS_USER"
      useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
        --shell /bin/bash "$PG_OS_USER" || die "could not create user $PG_OS_USER"
    fi
    local parent
    parent="$(dirname "$DATA_DIR")"
    mkdir -p "$parent"
    if ! as_pg test -x "$parent"; then
      if [[ $DATA_DIR_EXPLICIT == 1 ]]; then
        die "user $PG_OS_USER cannot traverse $parent (SENTINEL_DATA_DIR); give the parent directories o+x or choose another directory"
      fi
      log "note: user $PG_OS_USER cannot traverse $parent; using data dir $FALLBACK_DIR instead"
      DATA_DIR=$FALLBACK_DIR
      set_paths
    fi
  fi
  mkdir -p "$DATA_DIR"
  if [[ $IS_ROOT == 1 ]]; then chmod 0711 "$DATA_DIR"; else chmod 0700 "$DATA_DIR"; fi
  # postgres needs to create "<sockdir>/.s.PGSQL.<port>" (max 107 bytes)
  local sock="$PG_RUN/.s.PGSQL.$PG_PORT"
  if [[ ${#sock} -gt 107 ]]; then
    die "unix socket path too long (${#sock} > 107): $sock. Set SENTINEL_DATA_DIR to a shorter path."
  fi
}

lock_data_dir() {
  exec 9>"$DATA_DIR/.lock"
  flock -w 120 9 || die "timed out after 120s waiting for the lock on $DATA_DIR/.lock (another db.sh still running?)"
}

# ------------------------------------------------------------------------- postgres
pg_running() {
  [[ -f $PG_DATA/postmaster.pid ]] || return 1
  find_pg_bin || return 1
  if [[ $IS_ROOT == 1 ]] && ! getent passwd "$PG_OS_USER" >/dev/null; then return 1; fi
  as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_isready_tcp() {
  local isready
  isready="$(pg_tool pg_isready)" || return 1
  "$isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

pg_admin_psql() {
  as_pg "$(pg_tool psql)" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_init() {
  log "postgres: initializing cluster in $PG_DATA"
  mkdir -p "$PG_DATA"
  chown_pg "$PG_DATA"
  chmod 0700 "$PG_DATA"
  local out
  if ! out="$(as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=peer --auth-host=scram-sha-256 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "initdb failed"
  fi
  printf "\n# Sentinel overrides (regenerated by scripts/db.sh on every start)\ninclude = 'sentinel.conf'\n" \
    >>"$PG_DATA/postgresql.conf"
}

pg_write_config() {
  mkdir -p "$PG_RUN"
  chown_pg "$PG_RUN"
  chmod 0700 "$PG_RUN"
  # PostgreSQL requires the key to be owned by its OS user with mode 0600.
  local f
  for f in server.key server.crt ca.crt; do
    pg_put "$PG_RUN/$f" "$([[ $f == *.key ]] && echo 600 || echo 644)" <"$TLS_DIR/$f"
  done
  [[ -f $PG_LOG ]] || : >"$PG_LOG"
  chown_pg "$PG_LOG"
  chmod 0640 "$PG_LOG"

  pg_put "$PG_DATA/sentinel.conf" 600 <<EOF
# Generated by scripts/db.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = $(pgq "$PG_RUN")
ssl = on
ssl_cert_file = $(pgq "$PG_RUN/server.crt")
ssl_key_file = $(pgq "$PG_RUN/server.key")
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
max_connections = 200
shared_buffers = '128MB'
fsync = on
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF

  pg_put "$PG_DATA/pg_hba.conf" 600 <<'EOF'
# Generated by scripts/db.sh. TCP is TLS-only: there are no plain "host" lines, so
# non-TLS connections are rejected.
# TYPE   DATABASE  USER      ADDRESS         METHOD
local    all       postgres                  peer map=sentinel
hostssl  all       all       127.0.0.1/32    scram-sha-256
EOF

  {
    echo "# Generated by scripts/db.sh. MAPNAME SYSTEM-USERNAME PG-USERNAME"
    echo "sentinel postgres postgres"
    if [[ $PG_OS_USER != postgres ]]; then echo "sentinel $PG_OS_USER postgres"; fi
  } | pg_put "$PG_DATA/pg_ident.conf" 600
}

pg_start() {
  if port_open "$PG_PORT"; then
    die "port $PG_PORT is already in use by another process (docker compose? another cluster?); stop it or set PG_PORT"
  fi
  log "postgres: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
  # 9>&-: the daemon must not inherit (and hold forever) our lock file descriptor
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_SECS" start >/dev/null 2>&1 9>&-; then
    tail -n 30 "$PG_LOG" >&2 || true
    die "postgres failed to start (see $PG_LOG)"
  fi
}

# Create/refresh role and database "identity"; the password always follows .env.
pg_ensure_role() {
  local pw_esc=${PG_PW//\'/\'\'}
  pg_admin_psql <<EOF || die "could not create role/database $DB_ROLE"
\\set pw '$pw_esc'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE') AS role_missing \\gset
\\if :role_missing
CREATE ROLE $DB_ROLE LOGIN CREATEDB;
\\endif
ALTER ROLE $DB_ROLE WITH LOGIN CREATEDB PASSWORD :'pw';
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') AS db_missing \\gset
\\if :db_missing
CREATE DATABASE $DB_NAME OWNER $DB_ROLE;
\\endif
EOF
}

pg_wait_ready() {
  local deadline=$((SECONDS + WAIT_SECS)) out
  until pg_isready_tcp; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$PG_LOG" >&2 || true
      die "postgres did not answer on 127.0.0.1:$PG_PORT within ${WAIT_SECS}s"
    fi
    sleep 0.5
  done
  pg_ensure_role
  # End-to-end check as the application role, over TLS with full certificate verification.
  until out="$(PGPASSWORD=$PG_PW PGCONNECT_TIMEOUT=5 "$(pg_tool psql)" -X -q -At \
    "host=127.0.0.1 port=$PG_PORT dbname=$DB_NAME user=$DB_ROLE sslmode=verify-full sslrootcert=$CA_CERT" \
    -c 'select 1' 2>&1)" && [[ $out == 1 ]]; do
    if ((SECONDS >= deadline)); then
      printf '%s\n' "$out" >&2
      die "postgres is up but a TLS login as $DB_ROLE failed"
    fi
    sleep 0.5
  done
  log "postgres: ready (127.0.0.1:$PG_PORT, TLS)"
}

pg_stop() {
  if ! pg_running; then
    log "postgres: not running"
    return 0
  fi
  log "postgres: stopping"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null ||
    die "pg_ctl stop failed (see $PG_LOG)"
}

# ------------------------------------------------------------------------- redis
redis_pid() {
  local pid
  [[ -f $REDIS_PID ]] || return 1
  pid="$(tr -dc '0-9' <"$REDIS_PID")"
  [[ -n $pid ]] || return 1
  [[ -r /proc/$pid/comm && "$(cat "/proc/$pid/comm")" == redis-server* ]] || return 1
  printf '%s' "$pid"
}

redis_cli() {
  REDISCLI_AUTH=$REDIS_PW redis-cli --tls --cacert "$CA_CERT" -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

redis_ping() { [[ "$(redis_cli ping 2>/dev/null)" == PONG ]]; }

redis_write_config() {
  mkdir -p "$REDIS_DIR"
  chmod 0700 "$REDIS_DIR"
  local tmp
  tmp="$(mktemp "$REDIS_DIR/.tmp.XXXXXX")"
  chmod 600 "$tmp"
  cat >"$tmp" <<EOF
# Generated by scripts/db.sh on every start; edits are overwritten.
bind 127.0.0.1
protected-mode yes
port 0
tls-port $REDIS_PORT
tls-cert-file "$TLS_DIR/server.crt"
tls-key-file "$TLS_DIR/server.key"
tls-ca-cert-file "$CA_CERT"
tls-auth-clients no
requirepass "$REDIS_PW"
daemonize yes
pidfile "$REDIS_PID"
logfile "$REDIS_LOG"
dir "$REDIS_DIR"
appendonly yes
EOF
  mv -f "$tmp" "$REDIS_CONF"
}

redis_start() {
  if port_open "$REDIS_PORT"; then
    die "port $REDIS_PORT is already in use by another process (docker compose? system redis?); stop it or set REDIS_PORT"
  fi
  log "redis: starting on 127.0.0.1:$REDIS_PORT (TLS only, log: $REDIS_LOG)"
  rm -f "$REDIS_PID"
  if ! redis-server "$REDIS_CONF" >&2 9>&-; then
    tail -n 30 "$REDIS_LOG" >&2 || true
    die "redis-server failed to start (see $REDIS_LOG)"
  fi
}

redis_wait_ready() {
  local deadline=$((SECONDS + WAIT_SECS))
  until redis_ping; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$REDIS_LOG" >&2 || true
      redis_cli ping >&2 || true
      die "redis did not answer PING over TLS on 127.0.0.1:$REDIS_PORT within ${WAIT_SECS}s"
    fi
    sleep 0.5
  done
  log "redis: ready (127.0.0.1:$REDIS_PORT, TLS)"
}

redis_stop() {
  local pid i
  if ! pid="$(redis_pid)"; then
    log "redis: not running"
    return 0
  fi
  log "redis: stopping (pid $pid)"
  # SIGTERM = graceful SHUTDOWN (AOF fsync); fall back to the CLI if we may not signal it.
  if ! kill -TERM "$pid" 2>/dev/null; then
    REDIS_PW="$(env_get "$ENV_FILE" REDIS_PASSWORD 2>/dev/null)" || true
    redis_cli shutdown >/dev/null 2>&1 || true
  fi
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  warn "redis did not exit after 30s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# ------------------------------------------------------------------------- commands
STARTED=()
print_started() {
  local IFS=,
  printf 'started=%s\n' "${STARTED[*]}"
}

cmd_start() {
  trap print_started EXIT # even on failure the caller learns what it has to stop
  cmd_install
  ensure_setup
  load_env
  prepare_data_dir
  lock_data_dir
  find_pg_bin || die "PostgreSQL server binaries not found"
  [[ $IS_ROOT == 0 ]] || command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required when running as root"

  if pg_running; then
    log "postgres: already running"
  else
    [[ -f $PG_DATA/PG_VERSION ]] || pg_init
    pg_write_config
    pg_start
    STARTED+=(pg)
  fi
  pg_wait_ready

  if redis_pid >/dev/null; then
    log "redis: already running"
  else
    redis_write_config
    redis_start
    STARTED+=(redis)
  fi
  redis_wait_ready
}

cmd_stop() {
  local what=${1:-all}
  case $what in
    all | pg | redis) ;;
    *) die "usage: db.sh stop [pg|redis]" ;;
  esac
  if [[ -d $DATA_DIR ]]; then lock_data_dir; fi
  if [[ $what == all || $what == redis ]]; then redis_stop; fi
  if [[ $what == all || $what == pg ]]; then pg_stop; fi
}

cmd_status() {
  local rc=0
  find_pg_bin || true
  if pg_isready_tcp; then
    echo "postgres: up   (127.0.0.1:$PG_PORT)"
  else
    echo "postgres: down (127.0.0.1:$PG_PORT)"
    rc=1
  fi
  REDIS_PW="$(env_get "$ENV_FILE" REDIS_PASSWORD 2>/dev/null)" || REDIS_PW=""
  if have_redis && [[ -n $REDIS_PW && -f $CA_CERT ]] && redis_ping; then
    echo "redis:    up   (127.0.0.1:$REDIS_PORT)"
  else
    echo "redis:    down (127.0.0.1:$REDIS_PORT)"
    rc=1
  fi
  echo "data dir: $DATA_DIR"
  return $rc
}

cmd_clean() {
  cmd_stop all
  exec 9>&-
  [[ -e $DATA_DIR ]] || {
    log "clean: $DATA_DIR does not exist"
    return 0
  }
  case $DATA_DIR in
    / | "$REPO" | "${HOME:-/}" | /var | /var/tmp | /tmp) die "refusing to delete $DATA_DIR" ;;
  esac
  # Only delete what we create; anything else means SENTINEL_DATA_DIR points somewhere wrong.
  local entry name
  shopt -s dotglob nullglob
  for entry in "$DATA_DIR"/*; do
    name="$(basename "$entry")"
    case $name in
      pg | pg-run | pg.log | redis | redis.log | .lock) ;;
      *) die "refusing to delete $DATA_DIR: it contains '$name', which db.sh did not create" ;;
    esac
  done
  shopt -u dotglob nullglob
  rm -rf -- "$DATA_DIR"
  log "clean: removed $DATA_DIR"
}

cmd_env() {
  load_env
  printf 'DATABASE_URL=postgresql://%s:%s@127.0.0.1:%s/%s?sslmode=require\n' \
    "$DB_ROLE" "$(urlencode "$PG_PW")" "$PG_PORT" "$DB_NAME"
  printf 'DATABASE_CA_CERT=%s\n' "$CA_CERT"
  printf 'REDIS_URL=rediss://:%s@127.0.0.1:%s/0\n' "$(urlencode "$REDIS_PW")" "$REDIS_PORT"
  printf 'REDIS_TLS_CA_CERT=%s\n' "$CA_CERT"
}

check_db_name() {
  [[ ${1:-} =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] ||
    die "database name must match [A-Za-z_][A-Za-z0-9_]* (max 63 chars)"
}

cmd_createdb() {
  local name=${1:-} out
  check_db_name "$name"
  pg_running || die "postgres is not running; run scripts/db.sh start"
  out="$(pg_admin_psql -At <<EOF
\\set n '$name'
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'n') AS missing \\gset
\\if :missing
CREATE DATABASE :"n" OWNER $DB_ROLE;
\\echo created
\\else
\\echo exists
\\endif
EOF
)" || die "createdb $name failed"
  if [[ $out == created ]]; then
    log "createdb: created database $name (owner $DB_ROLE)"
  else
    log "createdb: database $name already exists"
  fi
}

cmd_dropdb() {
  local name=${1:-}
  check_db_name "$name"
  [[ $name != "$DB_NAME" && $name != postgres && $name != template0 && $name != template1 ]] ||
    die "refusing to drop $name"
  pg_running || die "postgres is not running; run scripts/db.sh start"
  pg_admin_psql -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 ||
    die "dropdb $name failed"
  log "dropdb: $name dropped (if it existed)"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  install)
    cmd_install
    log "install: PostgreSQL server ($PG_BIN) and redis-server are present"
    ;;
  start) cmd_start ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  env) cmd_env ;;
  createdb) cmd_createdb "$@" ;;
  dropdb) cmd_dropdb "$@" ;;
  -h | --help | help | "") usage ;;
  *)
    log "unknown command: $cmd"
    usage
    ;;
esac
