#!/usr/bin/env bash
# Debian's Chromium and its WebDriver, for the dashboard's browser test (`make test`).
# Installs them with apt-get when they are missing: as root, or through passwordless sudo.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
packages=(chromium chromium-driver fonts-liberation)
if [[ "$(id -u)" == 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "error: Chromium is missing; install it with: sudo apt-get install ${packages[*]}" >&2
  exit 1
fi
echo "installing ${packages[*]} (Debian packages) for the dashboard's browser test"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${packages[@]}" >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
