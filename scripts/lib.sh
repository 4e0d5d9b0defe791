#!/usr/bin/env bash
# Shared by scripts/*.sh: locate the repo, make sure Node dependencies match the lock file.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_node() {
  command -v node >/dev/null || die "node not found — install Node.js 20 (apt-get install nodejs npm)"
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js >= 20 needed, found $(node --version)"
}

# npm ci when node_modules is missing or older than the lock file (fresh clone, pulled changes).
ensure_node_modules() {
  require_node
  cd "$REPO_ROOT"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing Node dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

build() {
  cd "$REPO_ROOT"
  log "building (tsc)"
  bash scripts/build.sh
}
