# shellcheck shell=bash
# Shared helpers for scripts/setup.sh and scripts/db.sh. Source it, don't run it.
#
# Provides:
#   SENTINEL_REPO            absolute, symlink-free path of the repository root
#   log / warn / die         messages on stderr (stdout stays machine-readable)
#   rand_hex N               N random bytes as 2N lowercase hex chars
#   env_get FILE KEY         value of KEY in a dotenv file (last one wins), never sourced
#   env_has FILE KEY         true if FILE has a "KEY=" line
#   urlencode STRING         percent-encode for use inside a URL userinfo part

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

# apt_install PKG...: install Debian packages, as root or with passwordless sudo; dies with the manual command otherwise.
# Sets APT_SUDO (an array: empty, or "sudo -n") for callers that need it afterwards.
APT_SUDO=()
apt_install() {
  (($# > 0)) || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing $* and apt-get is not available; install them manually"
  APT_SUDO=()
  if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      APT_SUDO=(sudo -n)
    else
      die "missing packages: $*. Run as root: apt-get update && apt-get install -y $*"
    fi
  fi
  log "install: apt-get install $*"
  "${APT_SUDO[@]}" apt-get update >&2 || die "apt-get update failed"
  "${APT_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 ||
    die "apt-get install $* failed"
}
