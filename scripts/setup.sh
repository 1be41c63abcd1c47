#!/usr/bin/env bash
# Generate local key material and secrets for Sentinel. Idempotent: anything that already
# exists is kept; only missing pieces are created. Secret values are never printed.
#
#   keys/private.pem, keys/public.pem      JWT signing key pair (RSA 2048, PKCS#8 / SPKI PEM)
#   keys/tls/ca.{key,crt}                   self-signed dev CA (10 years)
#   keys/tls/server.{key,crt}               server cert for localhost/postgres/redis (825 days)
#   .env, .env.prod                         SESSION_SECRET_KEY, REFRESH_TOKEN_KEY (HS256 refresh tokens), POSTGRES_PASSWORD, REDIS_PASSWORD
#
# Usage: scripts/setup.sh   (from any directory)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
cd "$SENTINEL_REPO"

umask 077
command -v openssl >/dev/null 2>&1 || die "openssl is required (apt-get install -y openssl)"

SUMMARY=()
report() { SUMMARY+=("$(printf '  %-22s %s' "$1" "$2")"); }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Write to a temp file in the target directory, then rename: never leaves half-written keys.
# Usage: atomic_gen TARGET MODE command args... (the command writes to "$OUT")
atomic_gen() {
  local target=$1 mode=$2
  shift 2
  OUT="$(mktemp "$(dirname "$target")/.tmp.XXXXXX")"
  if ! "$@"; then
    rm -f "$OUT"
    die "failed to generate $target"
  fi
  chmod "$mode" "$OUT"
  mv -f "$OUT" "$target"
}

mkdir -p keys/tls

# --------------------------------------------------------------------------- JWT keys
gen_rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OUT" 2>/dev/null; }
derive_pub() { openssl pkey -in keys/private.pem -pubout -out "$OUT"; }

if [[ -f keys/private.pem ]]; then
  openssl pkey -in keys/private.pem -noout 2>/dev/null || die "keys/private.pem exists but is not a readable private key"
  chmod 600 keys/private.pem
  report keys/private.pem kept
else
  if [[ -f keys/public.pem ]]; then
    die "keys/public.pem exists but keys/private.pem is missing. Restore private.pem from your backup, or delete keys/public.pem to generate a new pair (all issued tokens become invalid)."
  fi
  atomic_gen keys/private.pem 600 gen_rsa
  report keys/private.pem created
fi

if [[ -f keys/public.pem ]]; then
  if [[ "$(openssl pkey -in keys/private.pem -pubout 2>/dev/null)" != "$(openssl pkey -pubin -in keys/public.pem 2>/dev/null)" ]]; then
    warn "keys/public.pem does not match keys/private.pem (left untouched; delete it and re-run to re-derive)"
  fi
  report keys/public.pem kept
else
  atomic_gen keys/public.pem 644 derive_pub
  report keys/public.pem created
fi

# --------------------------------------------------------------------------- TLS
cat >"$TMP/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no

[dn]
CN = Sentinel Dev CA

[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, DNS:postgres, DNS:redis, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF

gen_ca_crt() {
  openssl req -x509 -new -config "$TMP/openssl.cnf" -extensions v3_ca \
    -key keys/tls/ca.key -sha256 -days 3650 -subj "/CN=Sentinel Dev CA" -out "$OUT"
}
gen_server_crt() {
  openssl req -new -config "$TMP/openssl.cnf" -key keys/tls/server.key \
    -subj "/CN=localhost" -out "$TMP/server.csr" &&
    openssl x509 -req -in "$TMP/server.csr" -CA keys/tls/ca.crt -CAkey keys/tls/ca.key \
      -set_serial "0x$(rand_hex 16)" -sha256 -days 825 \
      -extfile "$TMP/openssl.cnf" -extensions v3_server -out "$OUT" 2>/dev/null
}

ca_new=0
if [[ -f keys/tls/ca.key && -f keys/tls/ca.crt ]]; then
  chmod 600 keys/tls/ca.key
  report keys/tls/ca.key kept
  report keys/tls/ca.crt kept
elif [[ ! -f keys/tls/ca.key && ! -f keys/tls/ca.crt ]]; then
  atomic_gen keys/tls/ca.key 600 gen_rsa
  atomic_gen keys/tls/ca.crt 644 gen_ca_crt
  ca_new=1
  report keys/tls/ca.key created
  report keys/tls/ca.crt created
else
  die "only one of keys/tls/ca.key and keys/tls/ca.crt exists; restore the missing file or delete both (and keys/tls/server.crt) to regenerate the CA"
fi

server_key_new=0
if [[ -f keys/tls/server.key ]]; then
  chmod 600 keys/tls/server.key
  report keys/tls/server.key kept
else
  atomic_gen keys/tls/server.key 600 gen_rsa
  server_key_new=1
  report keys/tls/server.key created
fi

# The server certificate is derived material: (re)issue it when missing, when its key or CA
# was just created, or when it no longer verifies against the CA (expired / other CA).
if [[ ! -f keys/tls/server.crt ]]; then
  atomic_gen keys/tls/server.crt 644 gen_server_crt
  report keys/tls/server.crt created
elif [[ $ca_new == 1 || $server_key_new == 1 ]] ||
  ! openssl verify -CAfile keys/tls/ca.crt keys/tls/server.crt >/dev/null 2>&1 ||
  [[ "$(openssl x509 -in keys/tls/server.crt -noout -pubkey 2>/dev/null)" != "$(openssl pkey -in keys/tls/server.key -pubout 2>/dev/null)" ]]; then
  atomic_gen keys/tls/server.crt 644 gen_server_crt
  report keys/tls/server.crt "re-issued (did not match CA/key or expired)"
else
  report keys/tls/server.crt kept
fi

# --------------------------------------------------------------------------- .env files
# KEY:bytes  (SESSION_SECRET_KEY, REFRESH_TOKEN_KEY = 32 bytes = 64 hex chars, passwords = 16 bytes = 32 hex)
ENV_KEYS=(SESSION_SECRET_KEY:32 REFRESH_TOKEN_KEY:32 POSTGRES_PASSWORD:16 REDIS_PASSWORD:16)

ensure_env_file() {
  local file=$1 existed=1 added=() spec key bytes
  [[ -f $file ]] || {
    existed=0
    : >"$file"
  }
  for spec in "${ENV_KEYS[@]}"; do
    key=${spec%%:*}
    bytes=${spec##*:}
    if env_has "$file" "$key"; then
      [[ -n "$(env_get "$file" "$key")" ]] || warn "$key is empty in $file"
      continue
    fi
    # make sure we append on a fresh line
    if [[ -s $file && -n "$(tail -c 1 "$file")" ]]; then
      printf '\n' >>"$file"
    fi
    printf '%s=%s\n' "$key" "$(rand_hex "$bytes")" >>"$file"
    added+=("$key")
  done
  chmod 600 "$file"
  if [[ $existed == 0 ]]; then
    report "$file" "created (${added[*]})"
  elif [[ ${#added[@]} -gt 0 ]]; then
    report "$file" "kept; added ${added[*]}"
  else
    report "$file" kept
  fi
}

ensure_env_file .env
ensure_env_file .env.prod

printf 'setup.sh (%s):\n' "$SENTINEL_REPO"
printf '%s\n' "${SUMMARY[@]}"
