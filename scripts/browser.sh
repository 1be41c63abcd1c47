#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/Sentinel.Browser.Tests), from the system's packages.
# Playwright drives /usr/bin/chromium; nothing downloads a browser of its own.
#
# Usage: scripts/browser.sh <command>
#   install   apt-get install chromium and chromium-driver if missing (root or sudo)
#   path      print the Chromium executable the tests use
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

CHROMIUM=${SENTINEL_CHROMIUM:-/usr/bin/chromium}

cmd_install() {
  local pkgs=()
  [[ -x $CHROMIUM ]] || pkgs+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || pkgs+=(chromium-driver)
  apt_install "${pkgs[@]}"
  [[ -x $CHROMIUM ]] || die "$CHROMIUM still not found after install"
}

case ${1:-} in
  install) cmd_install; log "browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" ;;
  path) printf '%s\n' "$CHROMIUM" ;;
  *) die "usage: scripts/browser.sh install|path" ;;
esac
