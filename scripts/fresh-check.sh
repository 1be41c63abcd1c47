#!/usr/bin/env bash
# make fresh-check: does a new user's first `make test` pass? It runs `make test` as a machine that has never run it:
#
#   1. stops the databases this checkout runs (scripts/services.sh stop), if they are up;
#   2. apt-get removes what the project installs by itself (caddy nginx chromium chromium-driver redis-server; only those
#      that are installed; PostgreSQL stays installed, its data is fresh in step 3);
#   3. clones this repository's HEAD into a temp dir: it tests COMMITTED work, not the working tree. The clone has no
#      node_modules (the folders the project creates are listed, and deleted if present), no .data (so a new PostgreSQL
#      and Redis data dir), no keys, no .env; npm gets an empty cache of its own in the temp dir;
#   4. runs `make test` there with CI=true and a clean environment (no SENTINEL_*, DATABASE_URL, ... of this shell);
#   5. puts everything back, also after a failure or Ctrl-C: the clone's databases stopped and its temp dir removed, the
#      removed packages installed again as the project's scripts install them (apt-get install --no-install-recommends,
#      the packaged daemon stopped), and this checkout's databases started again if they were running.
#
# Its output ends with the count line of that `make test` ("N passed, N failed", on stdout; the rest is on stderr), and
# it exits with make test's status (make's: 0, or 2 when a test failed; 1 when make test passed but putting something
# back failed). A refusal exits 2 before anything is done, and says so.
# make test's whole output is kept in .test-results/fresh-check.log.
#
# Usage: scripts/fresh-check.sh [--dry-run]
#   --dry-run   print every step (the commands, with what would be removed and reinstalled) without doing any of it
#
# It refuses (exit 2) unless it runs as root or with passwordless sudo, and when CI is set: it removes system packages,
# so never run it where other work depends on them (it stops the shared databases and removes Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd -P)
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

PACKAGES=(caddy nginx chromium chromium-driver redis-server)
# The daemons Debian starts after installing them; the project's scripts stop them again (they use their own config).
DAEMONS=(caddy nginx redis-server)

DRY_RUN=0
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) printf 'usage: scripts/fresh-check.sh [--dry-run]\n' >&2; exit 2 ;;
  esac
done

say() { printf 'fresh-check: %s\n' "$*" >&2; }
refuse() { printf 'fresh-check: refused: %s\n' "$*" >&2; exit 2; }
# run CMD...: print the command, and run it unless --dry-run. Its output goes to stderr.
run() {
  local quoted
  printf -v quoted '%q ' "$@"
  printf '+ %s\n' "${quoted% }" >&2
  [[ $DRY_RUN == 1 ]] || "$@" >&2
}

# ------------------------------------------------------------------------------------------------ refusals
[[ -z ${CI:-} ]] || refuse "CI is set ($CI). fresh-check removes system packages (Redis, Caddy, Chromium) and stops the databases; it is for a developer's own machine, never CI."
SUDO=()
if [[ $EUID -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    refuse "run it as root or with passwordless sudo (it runs apt-get remove and apt-get install)."
  fi
fi
command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 || refuse "it needs apt-get and dpkg-query (a Debian or Ubuntu machine)."
command -v git >/dev/null 2>&1 || refuse "it needs git."
command -v make >/dev/null 2>&1 || refuse "it needs make."

# ------------------------------------------------------------------------------------------------ what is there now
SHA=$(git -C "$REPO" rev-parse HEAD)
if [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no) ]]; then
  say "note: this checkout has uncommitted changes; they are NOT tested (fresh-check clones the committed HEAD)."
fi
say "testing commit $SHA ($(git -C "$REPO" log -1 --format=%s "$SHA"))"

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }
BEFORE=()
for pkg in "${PACKAGES[@]}"; do
  if installed "$pkg"; then BEFORE+=("$pkg"); fi
done

DBS_UP=0
status_out=$(bash scripts/services.sh status 2>/dev/null || true)
if grep -Eq '^(postgres|redis): +up' <<<"$status_out"; then DBS_UP=1; fi

# ------------------------------------------------------------------------------------------------ the temp dir
# Everything fresh-check creates is under TMP, and only TMP is ever deleted (safe_rm checks it).
TMP_PATTERN='^/tmp/sentinel-fresh-check\.[A-Za-z0-9]{10}$'
if [[ $DRY_RUN == 1 ]]; then
  TMP=/tmp/sentinel-fresh-check.XXXXXXXXXX
else
  TMP=$(mktemp -d /tmp/sentinel-fresh-check.XXXXXXXXXX)
  [[ $TMP =~ $TMP_PATTERN && -d $TMP && ! -L $TMP ]] || { rmdir "$TMP" 2>/dev/null; die "unexpected temp dir $TMP"; }
  # PostgreSQL runs as the postgres user when we are root: it must traverse TMP to reach the clone's .data, or
  # scripts/db.sh would move the data dir to /var/tmp, outside the temp dir.
  chmod 0711 "$TMP"
fi
CLONE=$TMP/sentinel
LOG=$TMP/make-test.log

# safe_rm PATH: rm -rf PATH only when it is TMP or inside it (no symlink in the way); anything else is refused.
safe_rm() {
  local target=$1 real
  [[ $DRY_RUN == 1 ]] && { printf '+ rm -rf -- %q\n' "$target" >&2; return 0; }
  [[ $TMP =~ $TMP_PATTERN ]] || { warn "not deleting $target: temp dir $TMP is not ours"; return 1; }
  [[ -e $target || -L $target ]] || return 0
  real=$(realpath -e -- "$target") || return 1
  if [[ $real != "$TMP" && $real != "$TMP"/* ]]; then
    warn "not deleting $target: it resolves to $real, outside $TMP"
    return 1
  fi
  printf '+ rm -rf -- %q\n' "$real" >&2
  rm -rf --one-file-system -- "$real"
}

# The environment of the fresh run: a new login's, not this shell's (no SENTINEL_DATA_DIR, DATABASE_URL, ...).
CLEAN_ENV=(PATH="$PATH" HOME="${HOME:-/root}" LANG="${LANG:-C.UTF-8}" TERM="${TERM:-dumb}" USER="${USER:-$(id -un)}"
  LOGNAME="${LOGNAME:-$(id -un)}" CI=true npm_config_cache="$TMP/npm-cache")
while IFS='=' read -r name _; do
  case $name in
    DOTNET_* | NUGET_* | http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY) CLEAN_ENV+=("$name=${!name}") ;;
  esac
done < <(env)

# ------------------------------------------------------------------------------------------------ putting it back
STOPPED_DBS=0
REMOVED=0
TEST_STATUS=""
COUNT_LINE=""
RESTORE_FAILED=0

restore() {
  local code=$1 pkg
  trap - EXIT INT TERM
  set +e
  say "putting everything back"
  if [[ $DRY_RUN == 1 || -d $CLONE/scripts ]]; then
    # make test stops what it started; after a failure or Ctrl-C the clone's databases may still run.
    run env -i "${CLEAN_ENV[@]}" bash "$CLONE/scripts/services.sh" stop || { warn "could not stop the clone's databases"; RESTORE_FAILED=1; }
    local fallback="/var/tmp/sentinel-$(printf '%s' "$CLONE" | sha256sum | cut -c1-12)"
    [[ ! -e $fallback ]] || warn "the clone's databases used $fallback (outside the temp dir); left in place, delete it by hand"
  fi
  if [[ -f $LOG ]]; then
    mkdir -p "$REPO/.test-results" && cp "$LOG" "$REPO/.test-results/fresh-check.log" && say "make test's output: .test-results/fresh-check.log"
  fi
  if [[ $DRY_RUN == 1 || -d $TMP ]]; then safe_rm "$TMP" || RESTORE_FAILED=1; fi

  if [[ $REMOVED == 1 ]]; then
    local missing=()
    for pkg in "${BEFORE[@]}"; do
      if [[ $DRY_RUN == 1 ]] || ! installed "$pkg"; then missing+=("$pkg"); fi
    done
    if ((${#missing[@]})); then
      say "reinstalling what was installed before: ${missing[*]}"
      run "${SUDO[@]}" apt-get update || warn "apt-get update failed; installing from the current package lists"
      if run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
        for pkg in "${missing[@]}"; do
          if [[ " ${DAEMONS[*]} " == *" $pkg "* ]]; then run "${SUDO[@]}" service "$pkg" stop || true; fi
        done
      else
        warn "could not reinstall: ${missing[*]} (run: apt-get install -y ${missing[*]})"
        RESTORE_FAILED=1
      fi
    else
      say "every removed package is installed again already (make test installed them)"
    fi
  fi
  if [[ $STOPPED_DBS == 1 ]]; then
    say "starting this checkout's databases again"
    run bash "$REPO/scripts/services.sh" start || { warn "could not start this checkout's databases (scripts/services.sh start)"; RESTORE_FAILED=1; }
  fi

  if [[ $DRY_RUN == 1 ]]; then
    say "dry run: nothing was changed"
    printf '%s\n' "(dry run: make test was not run)"
    exit 0
  fi
  [[ $RESTORE_FAILED == 0 ]] || warn "something could not be put back (see above)"
  printf '%s\n' "${COUNT_LINE:-make test printed no count line}"
  if [[ -n $TEST_STATUS ]]; then
    ((TEST_STATUS != 0 || RESTORE_FAILED == 0)) && exit "$TEST_STATUS"
    exit 1
  fi
  exit $((code == 0 ? 1 : code))
}
trap 'restore $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------------------------------------ 1. databases
# The fresh clone's databases need the same ports. Only databases this checkout runs are stopped (and started again);
# if the ports stay taken after that, something else holds them and fresh-check stops there.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORTS=("${PG_PORT:-9001}" "${REDIS_PORT:-9002}")
if [[ $DBS_UP == 1 ]]; then
  say "stopping this checkout's databases, $(sed -n 's/^data dir: //p' <<<"$status_out") (started again at the end)"
  STOPPED_DBS=1
  run bash scripts/services.sh stop
else
  say "this checkout's databases are not running"
fi
if [[ $DRY_RUN == 0 ]]; then
  taken=()
  for port in "${PORTS[@]}"; do port_open "$port" && taken+=("$port"); done
  if ((${#taken[@]})); then
    # Nothing was freed: what answered was not this checkout's, so there is nothing of ours to start again.
    ((${#taken[@]} < ${#PORTS[@]})) || STOPPED_DBS=0
    die "port(s) ${taken[*]} still taken by databases this checkout does not run (another checkout's? see SENTINEL_DATA_DIR); the fresh clone needs them"
  fi
fi

# ------------------------------------------------------------------------------------------------ 2. packages
if ((${#BEFORE[@]})); then
  say "removing: ${BEFORE[*]}"
  REMOVED=1
  run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y "${BEFORE[@]}"
else
  say "none of ${PACKAGES[*]} is installed; nothing to remove"
fi

# ------------------------------------------------------------------------------------------------ 3. fresh clone
say "cloning $SHA into $CLONE"
run git clone --quiet --no-checkout "$REPO" "$CLONE"
run git -C "$CLONE" checkout --quiet --detach "$SHA"
lister=$CLONE/scripts/node-modules.sh
[[ $DRY_RUN == 0 && -f $lister ]] || lister=$REPO/scripts/node-modules.sh
say "node_modules the project creates (none exists in a fresh clone): $(bash "$lister" --list | tr '\n' ' ')"
while IFS= read -r dir; do
  [[ -z $dir ]] || safe_rm "$CLONE/$dir"
done < <(bash "$lister" --list)
say "shared caches outside the repository: none of the project's own; npm gets an empty cache in $TMP/npm-cache"

# ------------------------------------------------------------------------------------------------ 4. make test
say "make test in $CLONE (CI=true, a clean environment)"
if [[ $DRY_RUN == 1 ]]; then
  run env -i "${CLEAN_ENV[@]}" make -C "$CLONE" test
else
  printf '+ %s\n' "env -i … CI=true make -C $CLONE test" >&2
  set +e
  env -i "${CLEAN_ENV[@]}" make -C "$CLONE" test 2>&1 | tee "$LOG" >&2
  TEST_STATUS=${PIPESTATUS[0]}
  set -e
  COUNT_LINE=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1 || true)
fi
exit 0 # the EXIT trap puts everything back, prints the count line and exits with make test's status
