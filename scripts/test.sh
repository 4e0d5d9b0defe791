#!/usr/bin/env bash
# The one command that runs every test: unit tests, then integration and end-to-end tests
# against the real servers (Kafka, Apicurio Registry, FerretDB), which it installs and starts
# when they are not running, and stops again if it started them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

results="$REPO_ROOT/.local/test-results"
mkdir -p "$results"
rm -f "$results"/*.json

ensure_node_modules

log "contract types up to date"
node scripts/generate-contract-types.js --check

log "typecheck"
npx tsc -p tsconfig.json --noEmit

log "lint"
npx eslint .

log "unit tests"
unit_rc=0
npx jest --selectProjects unit --json --outputFile="$results/unit.json" || unit_rc=$?

build

started_infra=""
stop_infra() {
  if [ -n "$started_infra" ]; then
    log "stopping the servers this run started"
    bash deploy/local/infra.sh stop || true
  fi
}
trap stop_infra EXIT
if ! bash deploy/local/infra.sh status >/dev/null 2>&1; then
  log "starting the real servers (first run downloads and builds them; later runs reuse the cache)"
  started_infra=1
  bash deploy/local/infra.sh start
fi

log "integration and end-to-end tests (real servers)"
int_rc=0
npx jest --selectProjects integration --runInBand --json --outputFile="$results/integration.json" || int_rc=$?

node scripts/test-summary.js "$results"/*.json
[ "$unit_rc" -eq 0 ] && [ "$int_rc" -eq 0 ]
