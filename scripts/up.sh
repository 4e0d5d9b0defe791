#!/usr/bin/env bash
# Starts the whole system locally: the real servers (downloaded, built and started by
# deploy/local/infra.sh, data under .local/), then the four services and a sample webhook
# receiver (scripts/run-services.sh: readable logs in a terminal, JSON lines prefixed by their
# source otherwise). Ctrl-C stops the services cleanly (the servers keep running;
# `npm run infra -- stop` stops them).
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
export MANAGEMENT_POSTGRES_URL="${MANAGEMENT_POSTGRES_URL:-postgres://postgres@127.0.0.1:${CALLHOOKS_POSTGRES_PORT:-55432}/callhooks}"
export MANAGEMENT_OPERATOR_TOKEN="$(cat "$token_file")"
# the demo receiver listens on loopback, which production configurations refuse
export MANAGEMENT_ALLOW_PRIVATE_TARGETS=true DISPATCHER_ALLOW_PRIVATE_TARGETS=true

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
# the services run in the foreground of this process: a signal to it (Ctrl-C, a process
# manager's SIGTERM) stops them within their shutdown timeout
exec bash scripts/run-services.sh
