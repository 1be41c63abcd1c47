# shellcheck shell=bash
# Shared helpers for the scripts in scripts/. Source it, don't run it.
#
# Provides:
#   SENTINEL_REPO            absolute, symlink-free path of the repository root
#   log / warn / die         messages on stderr (stdout stays machine-readable)
#   rand_hex N               N random bytes as 2N lowercase hex chars
#   env_get FILE KEY         value of KEY in a dotenv file (last one wins), never sourced
#   env_has FILE KEY         true if FILE has a "KEY=" line
#   urlencode STRING         percent-encode for use inside a URL userinfo part
#   tool_missing / tool_path / apt_install / stop_packaged_service   tools installed on demand (see below)

if [[ -n ${SENTINEL_LIB_LOADED:-} ]]; then
  return 0
fi
SENTINEL_LIB_LOADED=1

# shellcheck disable=SC2034  # used by the scripts that source this file
SENTINEL_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

rand_hex() {
  local bytes=$1 out
  out="$(openssl rand -hex "$bytes")" || die "openssl rand failed"
  [[ ${#out} -eq $((bytes * 2)) ]] || die "openssl rand returned unexpected output"
  printf '%s' "$out"
}

# env_has FILE KEY: does FILE contain a line "KEY=..." (optionally "export KEY=...")?
env_has() {
  local file=$1 key=$2
  [[ -f $file ]] || return 1
  grep -Eq "^[[:space:]]*(export[[:space:]]+)?${key}=" "$file"
}

# env_get FILE KEY: print the value of the last "KEY=value" line. Strips CR, and one
# level of matching single or double quotes. The file is parsed, never sourced.
env_get() {
  local file=$1 key=$2 line val
  [[ -f $file ]] || return 1
  line="$(grep -E "^[[:space:]]*(export[[:space:]]+)?${key}=" "$file" | tail -n 1)" || return 1
  [[ -n $line ]] || return 1
  val="${line#*=}"
  val="${val%$'\r'}"
  if [[ ${#val} -ge 2 && ( ( ${val:0:1} == '"' && ${val: -1} == '"' ) || ( ${val:0:1} == "'" && ${val: -1} == "'" ) ) ]]; then
    val="${val:1:${#val}-2}"
  fi
  printf '%s' "$val"
}

urlencode() {
  local s=$1 out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+="$(printf '%%%02X' "'$c")" ;;
    esac
  done
  printf '%s' "$out"
}

# ------------------------------------------------------------------------- tools installed on demand
# The rule for every "install if missing" helper: progress goes to stderr; a verb that hands back a tool's path prints
# exactly that path on stdout, taken from `command -v` after the install (never from anything an installer printed).
#
# SENTINEL_ASSUME_MISSING="caddy chromium": treat these tools as missing, so the install branch runs even where they are
#   installed (tests use it with SENTINEL_APT_GET to exercise that branch without touching the system).
# SENTINEL_APT_GET=/path/to/apt-get: the apt-get to run, as is (no sudo, no packaged service stopped): a test double.

# Packaged daemons live in sbin, which a non-root PATH may lack.
TOOL_PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# tool_missing NAME: true when NAME is not installed (or SENTINEL_ASSUME_MISSING names it).
tool_missing() {
  [[ " ${SENTINEL_ASSUME_MISSING:-} " == *" $1 "* ]] && return 0
  ! PATH=$TOOL_PATH command -v "$1" >/dev/null 2>&1
}

# tool_path NAME: print NAME's absolute path, as `command -v` finds it now; fails when there is none.
tool_path() {
  local path
  path="$(PATH=$TOOL_PATH command -v "$1" 2>/dev/null)" || return 1
  [[ $path == /* && -f $path && -x $path ]] || return 1
  printf '%s\n' "$path"
}

# apt_install PKG...: install Debian packages, as root or with passwordless sudo; dies with the manual command otherwise.
# Everything apt prints goes to stderr. One install at a time on this machine (a lock file), so two test processes
# asking for the same tool wait for each other instead of failing on dpkg's lock.
# Sets APT_SUDO (an array: empty, or "sudo -n") for callers that need it afterwards.
APT_SUDO=()
apt_install() {
  (($# > 0)) || return 0
  local apt=apt-get lock="${TMPDIR:-/tmp}/sentinel-apt-install.lock"
  APT_SUDO=()
  if [[ -n ${SENTINEL_APT_GET:-} ]]; then
    apt=$SENTINEL_APT_GET
  else
    command -v apt-get >/dev/null 2>&1 || die "missing $* and apt-get is not available; install them manually"
    if [[ $EUID -ne 0 ]]; then
      if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        APT_SUDO=(sudo -n)
      else
        die "missing packages: $*. Run as root: apt-get update && apt-get install -y $*"
      fi
    fi
  fi
  touch "$lock" 2>/dev/null || true
  exec 8<"$lock" || die "cannot open $lock"
  if ! flock -n 8; then
    log "install: waiting for another install to finish ($lock)"
    flock -w 1200 8 || die "timed out waiting for $lock"
  fi
  log "install: apt-get install $*"
  "${APT_SUDO[@]}" "$apt" update >&2 || warn "apt-get update failed; trying the install with the current package lists"
  "${APT_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "$apt" -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@" >&2 ||
    { exec 8<&-; die "apt-get install $* failed"; }
  exec 8<&-
}

# stop_packaged_service NAME: Debian starts some daemons (caddy, nginx, postgresql, redis-server) on their default
# ports right after install; ours run from the project's own config and ports, so the packaged one is stopped.
stop_packaged_service() {
  [[ -z ${SENTINEL_APT_GET:-} ]] || return 0
  "${APT_SUDO[@]}" service "$1" stop >/dev/null 2>&1 || true
}
