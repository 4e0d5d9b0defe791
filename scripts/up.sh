#!/usr/bin/env bash
# Starts the whole system locally: the real servers (downloaded, built and started by
# deploy/local/infra.sh, data under .local/), the four services and a sample webhook
# receiver, with every log line prefixed by its source. Ctrl-C stops everything cleanly
# (the servers keep running; `npm run infra -- stop` stops them).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ensure_node_modules
build
bash deploy/local/infra.sh start

mkdir -p .local
token_file=.local/operator-token
[ -s "$token_file" ] || node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))" > "$token_file"

export NODE_ENV=development LOG_LEVEL="${LOG_LEVEL:-info}" HTTP_HOST=127.0.0.1
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}"
export MONGODB_URI="${MONGODB_URI:-mongodb://127.0.0.1:27017/callhooks}"
export MANAGEMENT_OPERATOR_TOKEN="$(cat "$token_file")"
# the demo receiver listens on loopback, which production configurations refuse
export MANAGEMENT_ALLOW_PRIVATE_TARGETS=true DISPATCHER_ALLOW_PRIVATE_TARGETS=true

pids=()
run() {
  local name=$1; shift
  # the service itself is the background job (its pid is $!), its output goes through awk,
  # which prefixes and flushes each line
  "$@" > >(awk -v p="[$name] " '{ print p $0; fflush() }') 2>&1 &
  pids+=($!)
}
# Ctrl-C in a terminal already sends SIGINT to every service (one process group) and the
# services drain on it; a second signal would cut that short. So after an INT this waits for
# them first, and signals only what is still running after the shutdown timeout.
stop_all() {
  trap - INT TERM EXIT
  log "stopping services"
  if [ "$1" = INT ]; then
    for _ in $(seq 1 60); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.5
    done
  fi
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop_all INT' INT
trap 'stop_all TERM' TERM
trap 'stop_all EXIT' EXIT

run management-api env HTTP_PORT=3000 node dist/services/management-api/src/main.js
run enricher env HTTP_PORT=3001 node dist/services/enricher/src/main.js
run matcher env HTTP_PORT=3002 node dist/services/matcher/src/main.js
run dispatcher env HTTP_PORT=3003 node dist/services/dispatcher/src/main.js
run receiver node dist/scripts/sample-receiver.js --port 4000

cat >&2 <<INFO

callhooks is starting:
  management API    http://127.0.0.1:3000   (docs: http://127.0.0.1:3000/docs)
  operator token    $(cat "$token_file")   (in $token_file)
  enricher          http://127.0.0.1:3001/metrics
  matcher           http://127.0.0.1:3002/metrics
  dispatcher        http://127.0.0.1:3003/metrics
  sample receiver   http://127.0.0.1:4000   (deliveries are printed as [receiver] lines)
  try the demo      npm run demo   (in another terminal)
Ctrl-C stops the services.

INFO
wait
