#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests, once (idempotent).
# The tests drive it with playwright-core: no browser download by playwright.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

# apt is shared with other jobs on the machine: wait for its lock rather than fail
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
command -v chromium >/dev/null
echo "chromium installed: $(chromium --version 2>/dev/null || echo unknown)"
