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
  local pkgs=() sudo=()
  [[ -x $CHROMIUM ]] || pkgs+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || pkgs+=(chromium-driver)
  if [[ ${#pkgs[@]} -eq 0 ]]; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "missing ${pkgs[*]} and apt-get is not available; install them manually"
  if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "missing packages: ${pkgs[*]}. Run as root: apt-get update && apt-get install -y ${pkgs[*]}"
    fi
  fi
  log "install: apt-get install ${pkgs[*]}"
  "${sudo[@]}" apt-get update >&2 || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2 ||
    die "apt-get install ${pkgs[*]} failed"
  [[ -x $CHROMIUM ]] || die "$CHROMIUM still not found after install"
}

case ${1:-} in
  install) cmd_install; log "browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" ;;
  path) printf '%s\n' "$CHROMIUM" ;;
  *) die "usage: scripts/browser.sh install|path" ;;
esac
