#!/bin/bash
# The entrypoint of both images (Sentinel.Silo/Dockerfile, Sentinel.Web/Dockerfile), then `exec "$@"`:
#  1. Docker secrets as environment: for every NAME_FILE variable, NAME is set from that file (Sentinel reads NAME only).
#  2. In DATABASE_URL and REDIS_URL, {POSTGRES_PASSWORD} and {REDIS_PASSWORD} become the URL-encoded secrets, so the
#     stack file never holds a password.
#  3. SILO_ADVERTISED_IP=auto (silo): this container's IPv4 address, which Orleans needs (it advertises an IP, not a
#     name): the address Docker maps the container's hostname to in /etc/hosts (its first network), else its only
#     non-loopback address. SILO_ADVERTISED_IP=auto:10.231.0. picks the local address that starts with that prefix
#     (a silo attached to several networks). Any other value is used as given.
# Tested in tests/Sentinel.Integration.Tests/Deployment/EntrypointTests.cs.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

urlencode() {
  local s=$1 out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

for name in $(compgen -e); do
  [[ $name =~ ^[A-Z][A-Z0-9_]*_FILE$ ]] || continue
  file=${!name}
  [[ -r $file ]] || { echo "sentinel-entrypoint: $name=$file is not readable by uid $(id -u)" >&2; exit 1; }
  export "${name%_FILE}=$(<"$file")"
  unset "$name"
done

for url in DATABASE_URL REDIS_URL; do
  [[ -n ${!url:-} ]] || continue
  value=${!url}
  if [[ $value == *'{POSTGRES_PASSWORD}'* ]]; then
    [[ -n ${POSTGRES_PASSWORD:-} ]] || { echo "sentinel-entrypoint: $url needs POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE)" >&2; exit 1; }
    value=${value//'{POSTGRES_PASSWORD}'/$(urlencode "$POSTGRES_PASSWORD")}
  fi
  if [[ $value == *'{REDIS_PASSWORD}'* ]]; then
    [[ -n ${REDIS_PASSWORD:-} ]] || { echo "sentinel-entrypoint: $url needs REDIS_PASSWORD (or REDIS_PASSWORD_FILE)" >&2; exit 1; }
    value=${value//'{REDIS_PASSWORD}'/$(urlencode "$REDIS_PASSWORD")}
  fi
  export "$url=$value"
done
unset POSTGRES_PASSWORD REDIS_PASSWORD

local_ipv4s() { awk '/32 host LOCAL/ { print prev } { prev = $2 }' /proc/net/fib_trie 2>/dev/null | grep -v '^127\.' | sort -u; }
case ${SILO_ADVERTISED_IP:-} in
  auto)
    ip=$(getent ahostsv4 "$HOSTNAME" 2>/dev/null | awk '$1 !~ /^127\./ { print $1; exit }' || true)
    if [[ -z $ip ]]; then
      all=$(local_ipv4s)
      [[ $(wc -l <<<"$all") == 1 && -n $all ]] && ip=$all
    fi
    [[ -n $ip ]] || { echo "sentinel-entrypoint: cannot tell this container's address (found: $(local_ipv4s | tr '\n' ' ')); set SILO_ADVERTISED_IP, or auto:<prefix>" >&2; exit 1; }
    export SILO_ADVERTISED_IP=$ip
    ;;
  auto:*)
    prefix=${SILO_ADVERTISED_IP#auto:}
    ip=$(local_ipv4s | awk -v p="$prefix" 'index($0, p) == 1 { print; exit }')
    [[ -n $ip ]] || { echo "sentinel-entrypoint: no local address starts with '$prefix' (found: $(local_ipv4s | tr '\n' ' '))" >&2; exit 1; }
    export SILO_ADVERTISED_IP=$ip
    ;;
esac

exec "$@"
