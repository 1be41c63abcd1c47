#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/Sentinel.Browser.Tests), from the system's packages.
# Playwright drives the system's chromium; nothing downloads a browser of its own.
#
# Usage: scripts/browser.sh <command>
#   install   apt-get install chromium and chromium-driver if missing (root or sudo); prints nothing on stdout
#   path      install if missing, then print the Chromium executable's absolute path: stdout is that path only
# Progress and apt's output go to stderr.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

cmd_install() {
  local pkgs=()
  tool_missing chromium && pkgs+=(chromium)
  tool_missing chromedriver && pkgs+=(chromium-driver)
  apt_install "${pkgs[@]}"
  tool_path chromium >/dev/null || die "chromium still not found after apt-get install"
}

case ${1:-} in
  install)
    cmd_install
    log "browser: $(chromium --version 2>/dev/null || tool_path chromium)"
    ;;
  path)
    cmd_install
    tool_path chromium
    ;;
  *) die "usage: scripts/browser.sh install|path" ;;
esac
