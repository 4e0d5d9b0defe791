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

# Prometheus and promtool (Debian's package, unpacked once into the cache): the deployment checks
# use promtool, the dashboards' e2e test runs a Prometheus. First, so no two jobs fetch it at once.
log "Prometheus (Debian's package)"
bash scripts/ensure-prometheus.sh prometheus >/dev/null

# The Kubernetes/Prometheus checks and the browser's install need no servers: they run while
# the servers install and start (the first run builds helm and the validator from source).
log "deployment checks (helm, manifests, promtool) and chromium for the console's browser test, in the background"
( bash scripts/check-deploy.sh > "$results/check-deploy.log" 2>&1; echo $? > "$results/check-deploy.rc" ) &
deploy_pid=$!
( bash scripts/ensure-chromium.sh > "$results/chromium.log" 2>&1; echo $? > "$results/chromium.rc" ) &
chromium_pid=$!

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

wait "$chromium_pid" || true
[ "$(cat "$results/chromium.rc" 2>/dev/null)" = 0 ] || { cat "$results/chromium.log"; die "could not install chromium for the browser tests"; }
wait "$deploy_pid" || true
deploy_rc=$(cat "$results/check-deploy.rc" 2>/dev/null || echo 1)
tail -n 25 "$results/check-deploy.log"
[ "$deploy_rc" -eq 0 ] || log "deployment checks FAILED (full log: $results/check-deploy.log)"

log "integration and end-to-end tests (real servers)"
int_rc=0
npx jest --selectProjects integration --runInBand --json --outputFile="$results/integration.json" || int_rc=$?

log "schemathesis against the management API's OpenAPI document (real servers)"
fuzz_rc=0
bash scripts/schemathesis.sh > "$results/schemathesis.log" 2>&1 || fuzz_rc=$?
# Schemathesis closes with a pytest-style banner ("==== 1 warning in 16s ===="), which a CI that
# reads runners' closing lines takes for a pytest run of no test: its tail is shown without it.
tail -n 25 "$results/schemathesis.log" | grep -Ev '^=+ .* =+$' || true

stop_infra
started_infra=""
[ "$deploy_rc" -eq 0 ] || echo "deployment checks failed: see $results/check-deploy.log"
[ "$fuzz_rc" -eq 0 ] || echo "schemathesis failed: see $results/schemathesis.log"
# The run's closing line, last of all: "tests: N passed, N failed".
node scripts/test-summary.js "$results"/*.json
[ "$unit_rc" -eq 0 ] && [ "$int_rc" -eq 0 ] && [ "$deploy_rc" -eq 0 ] && [ "$fuzz_rc" -eq 0 ]
