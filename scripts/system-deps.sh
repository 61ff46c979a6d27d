#!/usr/bin/env bash
# Installs the few Debian packages Parley needs beyond Python: gettext (compiles the
# translation catalogues) and, with --browser, Chromium for the browser tests.
# As root it installs them; otherwise it says exactly what to run and fails.
set -euo pipefail

need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
if [[ "${1:-}" == "--browser" && ! -x /usr/bin/chromium ]]; then
  need+=(chromium)
fi
if [[ "${1:-}" == "--bench" ]] && ! command -v wrk >/dev/null 2>&1; then
  need+=(wrk)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0

if [[ "$(id -u)" -ne 0 ]]; then
  echo "Parley needs these Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing ${need[*]} from Debian's packages..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
