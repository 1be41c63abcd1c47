#!/usr/bin/env bash
# The node_modules of the project's Node.js helpers, installed on demand with `npm ci` from their lock files:
#   tests/fixtures/oidc-provider   the local OpenID Connect provider (make start, the sign-in tests)
#   tests/fixtures/jose-verify     an independent JWT verifier (the token tests)
#
# Usage: scripts/node-modules.sh [DIR...]   (default: every one of them; DIR relative to the repository or absolute)
#        scripts/node-modules.sh --list     print the node_modules folders this script creates, one a line
# `npm ci` runs when DIR/node_modules is missing or older than DIR/package-lock.json. One install per DIR at a time on
# this machine (a lock file, shared with the tests), so concurrent callers wait instead of racing. npm's output goes to
# stderr; stdout stays empty.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

DIRS=(tests/fixtures/oidc-provider tests/fixtures/jose-verify)

if [[ ${1:-} == --list ]]; then
  for dir in "${DIRS[@]}"; do printf '%s/node_modules\n' "$dir"; done
  exit 0
fi

current() { # DIR: node_modules was installed by npm ci from the present lock file
  [[ -f $1/node_modules/.package-lock.json && ! $1/package-lock.json -nt $1/node_modules/.package-lock.json ]]
}

ensure() {
  local dir=$1 lock
  [[ $dir == /* ]] || dir=$SENTINEL_REPO/$dir
  [[ -f $dir/package-lock.json ]] || die "$dir has no package-lock.json"
  current "$dir" && return 0
  command -v npm >/dev/null 2>&1 || die "npm is not installed (Node.js 20.18 or later, with npm)"
  # The lock is per folder, named by its path, in the temp dir: the tests take the same one (TestEnvironment).
  lock="${TMPDIR:-/tmp}/sentinel-npm-ci-$(printf '%s' "$dir" | sha256sum | cut -c1-16).lock"
  touch "$lock" 2>/dev/null || true
  exec 7<"$lock" || die "cannot open $lock"
  flock -w 600 7 || die "timed out waiting for $lock"
  if ! current "$dir"; then
    log "==> npm ci (${dir#"$SENTINEL_REPO"/})"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || { exec 7<&-; die "npm ci failed in $dir"; }
  fi
  exec 7<&-
}

if (($# == 0)); then set -- "${DIRS[@]}"; fi
for dir in "$@"; do ensure "$dir"; done
