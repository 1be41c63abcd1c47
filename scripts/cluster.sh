#!/usr/bin/env bash
# make cluster / make cluster-stop: the deployment's shape on one machine, without Docker.
#
#   N silos and M web processes in one Orleans cluster (membership in Redis, grain state in PostgreSQL, the databases of
#   scripts/services.sh), behind a local reverse proxy (Caddy or nginx from the system's packages) that listens on ONE
#   loopback front port and balances round-robin over the web processes, with health checks and failover.
#
# Usage: scripts/cluster.sh start | stop | status | restart NAME | install-proxy
#   install-proxy  install the proxy if missing (progress on stderr) and print its binary's path: stdout is that path only
#   restart NAME   SIGTERM one process (silo-2, web-1, proxy, ...), start it again with the same settings, and wait
#                  until it is back (a silo: Active in membership; a web: /health). A rolling restart is a loop of these.
#
# Environment (all optional):
#   SILOS (3), WEB (2)                 how many silo and web processes
#   CLUSTER_ID (sentinel-cluster)      Orleans cluster id; SERVICE_ID (sentinel) keys grain state
#   CLUSTER_FRONT_PORT                 the proxy's port; default 9003, or 9080 when 9003 is taken (make start)
#   CLUSTER_WEB_BASE_PORT (9103)       web i (0-based): API on BASE+10i, admin panel on BASE+10i+1
#   CLUSTER_SILO_BASE_PORT (11300)     silo i: SILO_PORT = BASE+i
#   CLUSTER_GATEWAY_BASE_PORT (30300)  silo i: GATEWAY_PORT = BASE+i
#   CLUSTER_DASHBOARD_PORT             first silo's dashboard; default 9005, or 9085 when 9005 is taken; 0 = off.
#                                      The other silos run without one (DASHBOARD_PORT=0).
#   CLUSTER_PROXY (auto)               caddy | nginx | auto (caddy, else nginx, else apt-get install caddy)
#   CLUSTER_CONFIGURATION (Release)    build configuration; CLUSTER_BUILD=0 skips the build and uses its output
#   CLUSTER_RUN_DIR (.run/cluster)     pid files, logs, generated proxy config, cluster.env (what was started)
#   CLUSTER_DATABASE_URL               use this database instead of the local one (the tests use their own)
#   CLUSTER_LOG_LEVEL (Warning)        default log level of the processes (Sentinel.* logs at Information)
#   CLUSTER_READY_SECS (120)           how long `start` waits for readiness
#
# `start` returns once /health/ready answers 200 through the proxy and every silo is Active in membership, and prints
# the URLs. `stop` ends exactly what `start` recorded: the proxy, the web and silo processes (SIGTERM, so silos leave
# membership gracefully; SIGKILL after a timeout), and the databases only if `start` started them.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd -P)
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

RUN=${CLUSTER_RUN_DIR:-$REPO/.run/cluster}
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd -P)
STATE=$RUN/cluster.env

die() { printf 'cluster: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
is_number() { [[ $1 =~ ^[0-9]+$ ]]; }

# ------------------------------------------------------------------------------------------------ process bookkeeping
# A pid file holds "PID MARKER": the process is ours only while /proc/PID/cmdline still contains MARKER, so a recycled
# pid is never signalled.
write_pid() { printf '%s %s\n' "$2" "$3" >"$RUN/$1.pid"; }

pid_of() { # name -> prints the pid if that process is still ours and alive
  local file=$RUN/$1.pid pid marker
  [ -f "$file" ] || return 1
  read -r pid marker <"$file" || return 1
  is_number "${pid:-}" || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  # A zombie (exited, not yet reaped) is not alive.
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
  printf '%s' "$pid"
}

# stop_group SIGNAL TIMEOUT name... : signal every live process of the group at once, wait, SIGKILL what remains.
stop_group() {
  local signal=$1 timeout=$2 name pid
  shift 2
  local -a names=() pids=()
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      kill "-$signal" "$pid" 2>/dev/null || true
      names+=("$name")
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + timeout)) i alive
  while :; do
    alive=0
    for i in "${!names[@]}"; do pid_of "${names[$i]}" >/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    if ((SECONDS >= deadline)); then
      for i in "${!names[@]}"; do
        if pid=$(pid_of "${names[$i]}"); then
          echo "  ${names[$i]} ($pid) did not exit within ${timeout}s: SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
        fi
      done
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  for i in "${!names[@]}"; do echo "  stopped ${names[$i]} (${pids[$i]})"; done
  for name in "$@"; do rm -f "$RUN/$name.pid"; done
}

# Names recorded by the last start, in stop order: proxy, webs, silos.
recorded_names() {
  local f
  [ -f "$RUN/proxy.pid" ] && echo proxy
  for f in "$RUN"/web-*.pid; do [ -e "$f" ] && basename "$f" .pid; done | sort -t- -k2 -n
  for f in "$RUN"/silo-*.pid; do [ -e "$f" ] && basename "$f" .pid; done | sort -t- -k2 -n
  return 0
}

any_alive() {
  local name
  for name in $(recorded_names); do pid_of "$name" >/dev/null && return 0; done
  return 1
}

# shellcheck disable=SC1090
state_get() { if [ -f "$STATE" ]; then (. "$STATE" 2>/dev/null; printf '%s' "${!1:-}"); fi; }

# ------------------------------------------------------------------------------------------------ stop
cmd_stop() {
  local names webs silos
  names=$(recorded_names)
  webs=$(grep '^web-' <<<"$names" || true)
  silos=$(grep '^silo-' <<<"$names" || true)
  if [ -n "$names" ]; then
    echo "==> stopping the local cluster ($RUN)"
    # The proxy first (no new requests), then the edge, then the silos: SIGTERM lets each silo leave membership and
    # hand its grains over (HostOptions.ShutdownTimeout is 30 s); stopping them together is fine for a teardown.
    grep -q '^proxy$' <<<"$names" && stop_group TERM 10 proxy
    # shellcheck disable=SC2086
    [ -n "$webs" ] && stop_group TERM 20 $webs
    # shellcheck disable=SC2086
    [ -n "$silos" ] && stop_group TERM 45 $silos
  else
    echo "==> no local cluster processes recorded in $RUN"
  fi
  local services
  services=$(state_get STARTED_SERVICES || true)
  if [ -n "$services" ]; then
    for svc in ${services//,/ }; do
      if bash scripts/services.sh stop "$svc" >/dev/null 2>&1; then echo "  stopped $svc (started by make cluster)"; fi
    done
  fi
  if [ -f "$STATE" ]; then sed -i '/^STARTED_SERVICES=/d' "$STATE"; fi
  return 0
}

# ------------------------------------------------------------------------------------------------ status
membership() { # prints "port status generation" for every entry of this cluster in Redis (status: Active, Dead, ...)
  local host port pw ca key
  [ -n "${REDIS_URL:-}" ] || return 1
  command -v redis-cli >/dev/null 2>&1 || return 1
  # rediss://:PASSWORD@HOST:PORT/DB
  IFS='|' read -r host port pw < <(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 6379, u.unquote(p.password or ""), sep="|")' "$REDIS_URL") || return 1
  ca=${REDIS_TLS_CA_CERT:-}
  key="${SERVICE_ID}/members/${CLUSTER_ID}"
  local -a tls=()
  [[ $REDIS_URL == rediss://* ]] && tls=(--tls ${ca:+--cacert "$ca"})
  REDISCLI_AUTH=$pw redis-cli "${tls[@]}" -h "$host" -p "$port" --no-auth-warning HVALS "$key" 2>/dev/null | python3 -c '
import sys, json, re
names = {0: "None", 1: "Created", 2: "Joining", 3: "Active", 4: "ShuttingDown", 5: "Stopping", 6: "Dead"}
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        e = json.loads(line)
    except ValueError:
        continue
    addr = str(e.get("SiloAddress", ""))
    m = re.search(r":(\d+)@(\d+)", addr)
    status = e.get("Status")
    status = names.get(status, status) if isinstance(status, int) else status
    if m:
        print(m.group(1), status, m.group(2))
'
}

active_silos() { # how many of our silo ports have an Active membership entry
  local entries n=0 i
  entries=$(membership 2>/dev/null) || { echo -1; return; }
  for ((i = 0; i < SILOS; i++)); do
    grep -q "^$((SILO_BASE + i)) Active " <<<"$entries" && n=$((n + 1))
  done
  echo "$n"
}

load_state_env() {
  [ -f "$STATE" ] || return 1
  set -a
  # shellcheck disable=SC1090
  . "$STATE"
  set +a
}

cmd_status() {
  if ! load_state_env; then
    echo "no local cluster has been started from $RUN"
    return 1
  fi
  local rc=0 name pid
  echo "cluster $CLUSTER_ID (service $SERVICE_ID), run dir $RUN"
  for name in $(recorded_names); do
    if pid=$(pid_of "$name"); then echo "  $name: up   (pid $pid)"; else echo "  $name: down"; rc=1; fi
  done
  if curl -fsS -m 5 "http://127.0.0.1:$FRONT_PORT/health/ready" >/dev/null 2>&1; then
    echo "  ready through the proxy: http://localhost:$FRONT_PORT/health/ready"
  else
    echo "  NOT ready through the proxy (http://localhost:$FRONT_PORT/health/ready)"
    rc=1
  fi
  local entries
  if entries=$(membership 2>/dev/null) && [ -n "$entries" ]; then
    echo "  membership (silo port, status, generation):"
    sort <<<"$entries" | sed 's/^/    /'
  fi
  return $rc
}

# ------------------------------------------------------------------------------------------------ proxy
find_proxy() { # sets PROXY (caddy | nginx) and PROXY_BIN, installing the package if missing (progress on stderr)
  local want=${CLUSTER_PROXY:-auto}
  case $want in
    caddy | nginx) PROXY=$want ;;
    auto)
      if ! tool_missing caddy; then PROXY=caddy
      elif ! tool_missing nginx; then PROXY=nginx
      else PROXY=caddy
      fi
      ;;
    *) die "CLUSTER_PROXY must be caddy, nginx or auto" ;;
  esac
  if tool_missing "$PROXY"; then
    log "==> installing $PROXY (apt-get)"
    apt_install "$PROXY"
    stop_packaged_service "$PROXY"
  fi
  # The path from `command -v` after the install: nothing an installer printed can end up in it.
  PROXY_BIN=$(tool_path "$PROXY") || die "$PROXY still not found after apt-get install"
}

# The config templates live in scripts/cluster-proxy/; their @…@ placeholders are filled in here.
write_proxy_config() {
  local template upstreams="" i port
  for ((i = 0; i < WEB; i++)); do
    port=$((WEB_BASE + 10 * i))
    if [ "$PROXY" = nginx ]; then
      upstreams+="${upstreams:+$'\n'}        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"
    else
      upstreams+="${upstreams:+ }127.0.0.1:$port"
    fi
  done
  template=$REPO/scripts/cluster-proxy/$([ "$PROXY" = nginx ] && echo nginx.conf || echo Caddyfile)
  PROXY_CONF=$RUN/$(basename "$template")
  python3 - "$template" "$PROXY_CONF" "$FRONT_PORT" "$RUN" "$upstreams" <<'PY'
import sys
src, dst, front, run, upstreams = sys.argv[1:6]
text = open(src).read()
open(dst, "w").write(text.replace("@FRONT_PORT@", front).replace("@RUN@", run).replace("@UPSTREAMS@", upstreams))
PY
}

start_proxy() {
  write_proxy_config
  if [ "$PROXY" = nginx ]; then
    mkdir -p "$RUN/nginx"
    "$PROXY_BIN" -t -q -p "$RUN/nginx/" -e "$RUN/proxy.log" -c "$PROXY_CONF" 2>>"$RUN/proxy.log" ||
      die "nginx refused $PROXY_CONF (see $RUN/proxy.log)"
    setsid "$PROXY_BIN" -p "$RUN/nginx/" -e "$RUN/proxy.log" -c "$PROXY_CONF" >>"$RUN/proxy.log" 2>&1 </dev/null &
    write_pid proxy $! "$PROXY_CONF"
  else
    # Caddy keeps its state under XDG dirs; give it ours, so it never touches ~/.config or ~/.local.
    mkdir -p "$RUN/caddy"
    XDG_CONFIG_HOME=$RUN/caddy XDG_DATA_HOME=$RUN/caddy HOME=$RUN/caddy \
      "$PROXY_BIN" validate --config "$PROXY_CONF" --adapter caddyfile >>"$RUN/proxy.log" 2>&1 ||
      die "caddy refused $PROXY_CONF (see $RUN/proxy.log)"
    XDG_CONFIG_HOME=$RUN/caddy XDG_DATA_HOME=$RUN/caddy HOME=$RUN/caddy \
      setsid "$PROXY_BIN" run --config "$PROXY_CONF" --adapter caddyfile >>"$RUN/proxy.log" 2>&1 </dev/null &
    write_pid proxy $! "$PROXY_CONF"
  fi
}

# ------------------------------------------------------------------------------------------------ start
launch() { # name project, with the process's own variables already exported by the caller's subshell
  local name=$1 project=$2 dll
  dll=$REPO/Sentinel.$project/bin/$CONFIGURATION/net10.0/Sentinel.$project.dll
  [ -f "$dll" ] || die "$dll is missing (build it, or drop CLUSTER_BUILD=0)"
  # setsid: a Ctrl-C in the terminal that ran `make cluster` does not reach the cluster; `make cluster-stop` ends it.
  # Working directory: the repository, so .env (SESSION_SECRET_KEY) and keys/private.pem are the developer's own.
  setsid dotnet "$dll" >>"$RUN/$name.log" 2>&1 </dev/null &
  write_pid "$name" $! "Sentinel.$project.dll"
}

# What every process shares; the values come from `start` (and from cluster.env for `restart`).
export_common_env() {
  export DATABASE_URL DATABASE_CA_CERT REDIS_URL REDIS_TLS_CA_CERT REDIS_TLS_VERIFY CLUSTER_ID SERVICE_ID DEBUG LOG_FORMAT
  export DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production
  export Logging__LogLevel__Default=$LOG_LEVEL Logging__LogLevel__Sentinel=Information
}

launch_silo() { # index (0-based)
  local i=$1
  (
    export_common_env
    export SILO_PORT=$((SILO_BASE + i)) GATEWAY_PORT=$((GATEWAY_BASE + i))
    export SILO_ADVERTISED_IP=127.0.0.1 SILO_LISTEN_ANY=false DASHBOARD_HOST=127.0.0.1
    DASHBOARD_PORT=0
    [ "$i" != 0 ] || DASHBOARD_PORT=$DASHBOARD_PORT0
    export DASHBOARD_PORT
    launch "silo-$((i + 1))" Silo
  )
}

launch_web() { # index (0-based)
  local i=$1
  (
    export_common_env
    export SERVICE_HOST=127.0.0.1 SERVICE_PORT=$((WEB_BASE + 10 * i)) ADMIN_PORT=$((WEB_BASE + 10 * i + 1))
    # Behind one proxy hop: Web trusts the last X-Forwarded-For entry, which the proxy sets.
    export BEHIND_PROXY=true TRUSTED_PROXY_COUNT=1 BASE_URL COOKIE_SECURE ALLOWED_HOSTS
    export ADMIN_URL=http://localhost:$((WEB_BASE + 10 * i + 1))
    launch "web-$((i + 1))" Web
  )
}

# wait_for WHAT COMMAND...: until COMMAND succeeds; fails when a recorded process died or $DEADLINE passed.
wait_for() {
  local what=$1 name
  shift
  until "$@"; do
    for name in $(recorded_names); do
      pid_of "$name" >/dev/null || die "$name exited while waiting for $what (log: $RUN/$name.log)"
    done
    ((SECONDS < DEADLINE)) || die "timed out waiting for $what"
    sleep 0.5
  done
}
# silo_active PORT [GENERATION]: an Active entry on PORT, newer than GENERATION (a restarted silo's old entry may linger).
silo_active() { membership 2>/dev/null | awk -v p="$1" -v g="${2:-0}" '$1 == p && $2 == "Active" && $3 > g { ok = 1 } END { exit !ok }'; }
newest_generation() { membership 2>/dev/null | awk -v p="$1" '$1 == p && $3 > g { g = $3 } END { print g + 0 }'; }
http_ok() { curl -fs -m "${2:-2}" -o /dev/null "$1"; }

pick_port() { # explicit default fallback -> prints the port to use
  local explicit=$1 default=$2 fallback=$3 what=$4
  if [ -n "$explicit" ]; then echo "$explicit"; return; fi
  if port_open "$default"; then
    echo "note: $what port $default is taken (make start?); using $fallback" >&2
    echo "$fallback"
  else
    echo "$default"
  fi
}

# While `start` runs, any failure (or Ctrl-C) prints the logs' tails and stops whatever was already started.
STARTING=0
on_exit() {
  local code=$?
  [ "$STARTING" = 1 ] || return 0
  STARTING=0
  echo >&2
  echo "cluster: start failed; last lines of each log in $RUN:" >&2
  local f
  for f in "$RUN"/*.log; do
    [ -s "$f" ] || continue
    echo "----- $(basename "$f")" >&2
    grep -vE 'GatewayManager|Could not find any gateway' "$f" | tail -n 15 >&2 || true
  done
  cmd_stop >&2 || true
  exit $((code == 0 ? 1 : code))
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# state KEY VALUE: record what `stop` and `status` need (shell-quoted, sourced by load_state_env).
state() { printf '%s=%q\n' "$1" "$2" >>"$STATE"; }

cmd_start() {
  SILOS=${SILOS:-3}
  WEB=${WEB:-2}
  if ! is_number "$SILOS" || ((SILOS < 1 || SILOS > 9)); then die "SILOS must be 1-9"; fi
  if ! is_number "$WEB" || ((WEB < 1 || WEB > 9)); then die "WEB must be 1-9"; fi

  if any_alive; then
    echo "the local cluster is already running ('make cluster-stop' ends it):"
    cmd_status || true
    return 0
  fi
  rm -f "$RUN"/*.pid "$RUN"/*.log

  if [ ! -f .env ] || [ ! -f keys/private.pem ] || [ ! -f keys/tls/server.crt ]; then bash scripts/setup.sh; fi

  # ---- ports: decided and checked before anything starts
  FRONT_PORT=$(pick_port "${CLUSTER_FRONT_PORT:-}" 9003 9080 front)
  DASHBOARD_PORT0=$(pick_port "${CLUSTER_DASHBOARD_PORT:-}" 9005 9085 dashboard)
  WEB_BASE=${CLUSTER_WEB_BASE_PORT:-9103}
  SILO_BASE=${CLUSTER_SILO_BASE_PORT:-11300}
  GATEWAY_BASE=${CLUSTER_GATEWAY_BASE_PORT:-30300}
  local p i taken=()
  for p in "$FRONT_PORT" "$DASHBOARD_PORT0" "$WEB_BASE" "$SILO_BASE" "$GATEWAY_BASE"; do
    is_number "$p" || die "ports must be numbers (got '$p')"
  done
  local -a ports=("$FRONT_PORT")
  [ "$DASHBOARD_PORT0" != 0 ] && ports+=("$DASHBOARD_PORT0")
  for ((i = 0; i < WEB; i++)); do ports+=($((WEB_BASE + 10 * i)) $((WEB_BASE + 10 * i + 1))); done
  for ((i = 0; i < SILOS; i++)); do ports+=($((SILO_BASE + i)) $((GATEWAY_BASE + i))); done
  for p in "${ports[@]}"; do
    ((p >= 1 && p <= 65535)) || die "port $p is out of range"
    port_open "$p" && taken+=("$p")
  done
  [ "$(printf '%s\n' "${ports[@]}" | sort | uniq -d)" = "" ] || die "the chosen ports overlap: ${ports[*]}"
  [ ${#taken[@]} -eq 0 ] || die "ports already in use: ${taken[*]} (another cluster? override CLUSTER_*_PORT)"

  find_proxy

  # Databases an earlier start brought up (and no stop took down) stay recorded, so `stop` still ends them.
  local previously_started
  previously_started=$(state_get STARTED_SERVICES)
  STARTING=1
  : >"$STATE"
  chmod 600 "$STATE"

  # ---- databases: started only if they are not already answering; then only those are stopped by `stop`.
  if bash scripts/db.sh status >/dev/null 2>&1; then
    echo "==> databases: already up"
    state STARTED_SERVICES "$previously_started"
  else
    echo "==> databases"
    local out rc=0 started
    out=$(bash scripts/services.sh start) || rc=$?
    # services.sh prints started=… last, even when it fails half-way: record it before anything else.
    started=$(tail -n1 <<<"$out" | sed -n 's/^started=//p')
    state STARTED_SERVICES "$started"
    [ "$rc" = 0 ] || { echo "$out"; die "scripts/services.sh start failed"; }
    [ -n "$started" ] && echo "    started: $started"
  fi

  set -a
  eval "$(bash scripts/services.sh env)"
  set +a
  [ -z "${CLUSTER_DATABASE_URL:-}" ] || DATABASE_URL=$CLUSTER_DATABASE_URL
  DATABASE_CA_CERT=${DATABASE_CA_CERT:-}
  REDIS_TLS_CA_CERT=${REDIS_TLS_CA_CERT:-}
  REDIS_TLS_VERIFY=${REDIS_TLS_VERIFY:-required}
  CLUSTER_ID=${CLUSTER_ID:-sentinel-cluster}
  SERVICE_ID=${SERVICE_ID:-sentinel}
  DEBUG=${DEBUG:-false}
  LOG_FORMAT=${LOG_FORMAT:-console}
  LOG_LEVEL=${CLUSTER_LOG_LEVEL:-Warning}
  # Production settings (DEBUG=false: Web's startup checklist is fatal), made to fit plain HTTP on loopback: browsers
  # treat http://localhost as a secure context, so Secure cookies still work; the host filter admits localhost and
  # 127.0.0.1, the names the front port is reached by.
  BASE_URL=${BASE_URL:-http://localhost:$FRONT_PORT}
  COOKIE_SECURE=${COOKIE_SECURE:-true}
  ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1}
  CONFIGURATION=${CLUSTER_CONFIGURATION:-Release}

  # What `stop`, `status` and `restart` need, written before the first process starts (cluster.env is mode 0600: it
  # holds the database and Redis URLs).
  local k
  for k in CLUSTER_ID SERVICE_ID SILOS WEB FRONT_PORT DASHBOARD_PORT0 WEB_BASE SILO_BASE GATEWAY_BASE PROXY CONFIGURATION \
    DATABASE_URL DATABASE_CA_CERT REDIS_URL REDIS_TLS_CA_CERT REDIS_TLS_VERIFY DEBUG LOG_FORMAT LOG_LEVEL BASE_URL \
    COOKIE_SECURE ALLOWED_HOSTS; do
    state "$k" "${!k:-}"
  done

  if [ "${CLUSTER_BUILD:-1}" != 0 ]; then
    echo "==> build ($CONFIGURATION)"
    dotnet build Sentinel.Silo/Sentinel.Silo.csproj -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -v:q
    dotnet build Sentinel.Web/Sentinel.Web.csproj -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -v:q
  fi
  for p in Silo Web; do
    [ -f "Sentinel.$p/bin/$CONFIGURATION/net10.0/Sentinel.$p.dll" ] ||
      die "Sentinel.$p/bin/$CONFIGURATION/net10.0/Sentinel.$p.dll is missing (build it, or drop CLUSTER_BUILD=0)"
  done

  echo "==> $SILOS silos, cluster $CLUSTER_ID"
  for ((i = 0; i < SILOS; i++)); do
    launch_silo "$i"
    echo "    silo-$((i + 1)): silo :$((SILO_BASE + i)), gateway :$((GATEWAY_BASE + i))$([ "$i" = 0 ] && [ "$DASHBOARD_PORT0" != 0 ] && echo ", dashboard :$DASHBOARD_PORT0")"
  done

  echo "==> $WEB web processes"
  for ((i = 0; i < WEB; i++)); do
    launch_web "$i"
    echo "    web-$((i + 1)): api :$((WEB_BASE + 10 * i)), admin :$((WEB_BASE + 10 * i + 1))"
  done

  echo "==> proxy: $PROXY on 127.0.0.1:$FRONT_PORT"
  start_proxy

  # ---- readiness: every web live, the cluster ready through the proxy, every silo Active in membership.
  DEADLINE=$((SECONDS + ${CLUSTER_READY_SECS:-120}))
  for ((i = 0; i < WEB; i++)); do
    wait_for "web-$((i + 1)) /health" http_ok "http://127.0.0.1:$((WEB_BASE + 10 * i))/health"
  done
  wait_for "/health/ready through the proxy" http_ok "http://127.0.0.1:$FRONT_PORT/health/ready" 5
  all_active() { local n; n=$(active_silos); [ "$n" = -1 ] || [ "$n" -ge "$SILOS" ]; }
  wait_for "$SILOS silos Active in membership" all_active
  [ "$(active_silos)" != -1 ] || echo "note: could not read membership from Redis (redis-cli missing?); only readiness was checked"
  STARTING=0

  echo "==> the local cluster is ready ($SILOS silos, $WEB web, $PROXY):"
  printf '    %-20s %s\n' "API (via $PROXY):" "http://localhost:$FRONT_PORT   (/health/ready answers 200)"
  for ((i = 0; i < WEB; i++)); do
    printf '    %-20s %s\n' "web-$((i + 1)):" "http://localhost:$((WEB_BASE + 10 * i))   admin panel http://localhost:$((WEB_BASE + 10 * i + 1))"
  done
  if [ "$DASHBOARD_PORT0" != 0 ]; then printf '    %-20s %s\n' "Orleans dashboard:" "http://localhost:$DASHBOARD_PORT0   (silo-1)"; fi
  printf '    %-20s %s\n' "logs, pids:" "$RUN"
  if [ "$RUN" = "$REPO/.run/cluster" ]; then
    echo "    'make cluster-stop' ends it."
  else
    echo "    'CLUSTER_RUN_DIR=$RUN scripts/cluster.sh stop' ends it."
  fi
}

cmd_restart() {
  local name=${1:-} n port
  load_state_env || die "no local cluster has been started from $RUN"
  DEADLINE=$((SECONDS + ${CLUSTER_READY_SECS:-120}))
  case $name in
    silo-[1-9])
      n=${name#silo-}
      ((n <= SILOS)) || die "there are only $SILOS silos"
      port=$((SILO_BASE + n - 1))
      local before
      before=$(newest_generation "$port")
      echo "==> $name: SIGTERM, then start again"
      stop_group TERM 45 "$name"
      launch_silo $((n - 1))
      wait_for "$name Active in membership" silo_active "$port" "$before"
      ;;
    web-[1-9])
      n=${name#web-}
      ((n <= WEB)) || die "there are only $WEB web processes"
      port=$((WEB_BASE + 10 * (n - 1)))
      echo "==> $name: SIGTERM, then start again"
      stop_group TERM 20 "$name"
      launch_web $((n - 1))
      wait_for "$name /health" http_ok "http://127.0.0.1:$port/health"
      ;;
    proxy)
      find_proxy
      stop_group TERM 10 proxy
      start_proxy
      wait_for "the proxy" http_ok "http://127.0.0.1:$FRONT_PORT/health"
      ;;
    *) die "usage: cluster.sh restart silo-N|web-N|proxy" ;;
  esac
  echo "==> $name is back (pid $(pid_of "$name"))"
}

case ${1:-} in
  start) cmd_start ;;
  restart) cmd_restart "${2:-}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  # The proxy's binary, installed if missing (the tests use it): stdout is exactly its absolute path, one line.
  install-proxy) find_proxy; printf '%s\n' "$PROXY_BIN" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
