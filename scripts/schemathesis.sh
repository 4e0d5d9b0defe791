#!/usr/bin/env bash
# Fuzzes the management API against its own OpenAPI document with schemathesis (every check),
# authenticated as a customer (and as the operator on the operator's routes).
#
# It installs schemathesis (pinned) from PyPI into .local/schemathesis-venv, starts the API
# from dist/ against the running test servers (Kafka, registry, FerretDB) with a database and
# topic prefix of its own, runs a bounded number of examples per operation (under three
# minutes), checks that /readyz is still ok afterwards, stops the API and drops its database.
# It fails on any 5xx, any response the document does not describe, any schema-violating
# request accepted, and any schema-valid request refused, except the refusals listed below
# in the configuration, each with the reason the document cannot express it.
#
# Needs: bash scripts/build.sh done, the test servers running (deploy/local/infra.sh status).
# Settings: SCHEMATHESIS_PYTHON (the interpreter of the venv), SCHEMATHESIS_MAX_EXAMPLES (default 8), SCHEMATHESIS_SEED (default 20261205;
# change it to explore other inputs), SCHEMATHESIS_PORT (default: a free port).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

SCHEMATHESIS_VERSION=4.32.5
VENV="$REPO_ROOT/.local/schemathesis-venv"
RESULTS="$REPO_ROOT/.local/test-results"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-8}"
SEED="${SCHEMATHESIS_SEED:-20261205}"
mkdir -p "$RESULTS"

[ -f dist/services/management-api/src/main.js ] || die "dist/ is missing: run bash scripts/build.sh first"

if [ "$("$VENV/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  # the newest Python that runs (hypothesis has hit a CPython 3.11 ast.parse recursion bug once here)
  python=""
  for candidate in ${SCHEMATHESIS_PYTHON:-} python3.13 python3.12 python3; do
    if "$candidate" -c 'import sys; assert sys.version_info >= (3, 9)' >/dev/null 2>&1; then python="$candidate"; break; fi
  done
  [ -n "$python" ] || die "python3 not found (apt-get install python3 python3-venv)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

port="${SCHEMATHESIS_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
run_id="$(date +%s)-$$"
database="callhooks_fuzz_${run_id//-/_}"
mongo_uri="${MONGODB_URI:-mongodb://127.0.0.1:27017}/$database"
# the delivery log: a schema of its own in the tests' PostgreSQL, as every test process gets
postgres_url="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:55432/postgres}"
postgres_schema="$database"
operator_token="fuzz-operator-$(node -p "require('crypto').randomBytes(16).toString('hex')")"
base="http://127.0.0.1:$port"
api_log="$RESULTS/schemathesis-api.log"

api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then
    kill "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  node -e "require('mongoose').connect(process.argv[1]).then((m) => m.connection.dropDatabase()).then(() => process.exit(0), () => process.exit(0))" "$mongo_uri" || true
  node -e "const c = new (require('pg').Client)(process.argv[1]); c.connect().then(() => c.query('DROP SCHEMA IF EXISTS ' + process.argv[2] + ' CASCADE')).then(() => c.end()).then(() => process.exit(0), () => process.exit(0))" "$postgres_url" "$postgres_schema" || true
}
trap cleanup EXIT

log "starting the management API from dist/ on $base (database $database)"
# One client sends thousands of requests in a few minutes, on purpose: the per-key and
# failed-sign-in limits are raised so the fuzz reaches the handlers (rate-limit.e2e-spec.ts
# tests the limits). No dispatcher runs, so a test send answers 202 after half a second.
env -i PATH="$PATH" HOME="$HOME" \
  NODE_ENV=test LOG_LEVEL=warn HTTP_HOST=127.0.0.1 HTTP_PORT="$port" \
  KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}" \
  SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}" \
  KAFKA_TOPIC_PREFIX="fuzz-$run_id-" KAFKA_TOPIC_PARTITIONS=1 \
  MONGODB_URI="$mongo_uri" MANAGEMENT_OPERATOR_TOKEN="$operator_token" \
  MANAGEMENT_POSTGRES_URL="$postgres_url" MANAGEMENT_POSTGRES_SCHEMA="$postgres_schema" \
  MANAGEMENT_RATE_LIMIT_PER_MINUTE=1000000 MANAGEMENT_SIGN_IN_FAILURES_PER_MINUTE=1000000 \
  MANAGEMENT_TEST_SEND_WAIT_MS=500 \
  node dist/services/management-api/src/main.js > "$api_log" 2>&1 &
api_pid=$!

ready() { curl -sf "$base/readyz" 2>/dev/null | grep -q '"status":"ok"'; }
for _ in $(seq 1 120); do
  ready && break
  kill -0 "$api_pid" 2>/dev/null || { tail -n 30 "$api_log"; die "the management API exited at start (log: $api_log)"; }
  sleep 0.5
done
ready || { tail -n 30 "$api_log"; die "the management API is not ready after 60 s (log: $api_log)"; }

curl -sf -X POST "$base/v1/customers" -H "Authorization: Bearer $operator_token" -H 'Content-Type: application/json' -d '{"id":"fuzz","name":"Fuzz"}' > /dev/null
api_key="$(curl -sf -X POST "$base/v1/customers/fuzz/api-keys" -H "Authorization: Bearer $operator_token" -H 'Content-Type: application/json' -d '{"name":"schemathesis"}' | node -p "JSON.parse(require('fs').readFileSync(0, 'utf8')).key")"

config="$REPO_ROOT/.local/schemathesis.toml"
cat > "$config" <<EOF
headers = { Authorization = "Bearer $api_key" }

# Schema-violating requests must be refused: schemathesis's list, plus 431, which Node's HTTP
# server answers (documented) when a long query string, percent-encoded, passes 16 KiB.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "431"]

# The operator's routes, as the operator (a customer's key is 401 there).
[[operations]]
include-tag = "customers (operator)"
headers = { Authorization = "Bearer $operator_token" }

# Refusals of schema-valid requests that the OpenAPI document cannot express. A 404 for an id
# that does not exist (and 409 for one that does) is accepted by schemathesis by default.

# Lists: a cursor is opaque, only the API's own page.next_cursor is one (any other string is
# a 400 naming cursor), and cursor cannot be combined with page. OpenAPI 3.0 has no way to
# say "a value this API issued" or "these two parameters exclude each other".
[[operations]]
include-name = ["GET /v1/webhooks", "GET /v1/environments", "GET /v1/deliveries", "GET /v1/customers", "GET /v1/customers/{customerId}/api-keys", "GET /v1/operational-webhooks", "GET /v1/recoveries"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "429"]

# Webhooks, operational webhooks and previews: url must be an http(s) URL of a globally routable address or a
# fully qualified public host name (address classes and DNS are beyond a pattern); body must
# be a JSON template naming only catalog fields (an object for GET), a language of its own;
# header names must be RFC 9110 tokens, not protocol or signature headers, unique whatever
# their case (OpenAPI 3.0 has no propertyNames).
[[operations]]
include-name = ["POST /v1/webhooks", "PATCH /v1/webhooks/{id}", "POST /v1/templates/preview", "POST /v1/operational-webhooks", "PATCH /v1/operational-webhooks/{id}"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429"]

# Recoveries: since must not be in the future and until must be after since (relations between
# values and the clock that a schema cannot state).
[[operations]]
include-name = ["POST /v1/webhooks/{id}/recover", "POST /v1/environments/{id}/recover"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429"]

# Environments: timezone must be an IANA time zone the runtime knows (an enum of 600 names
# and their aliases would go stale with every tzdata release).
[[operations]]
include-name = "PUT /v1/environments/{id}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429"]
EOF

log "schemathesis $SCHEMATHESIS_VERSION: every check, $MAX_EXAMPLES examples per operation, seed $SEED"
# schemathesis keeps its cache (.schemathesis/) in the working directory: inside .local, ignored by git
cd "$REPO_ROOT/.local"
fuzz() {
  "$VENV/bin/st" --config-file "$config" --no-color run "$base/docs/openapi.json" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 2 \
    --request-timeout 20 \
    --output-truncate true \
    --report junit --report-junit-path "$RESULTS/schemathesis.junit.xml" 2>&1 | tee "$RESULTS/schemathesis.out"
  return "${PIPESTATUS[0]}"
}
st_rc=0
fuzz || st_rc=$?
# An error inside schemathesis itself (seen: a KeyError in its own source cache, a recursion
# depth mismatch in hypothesis), with no check failing, says nothing of the API: run once more.
# A failed check (the ❌ lines) is never run again.
if [ "$st_rc" -ne 0 ] && ! grep -q '❌' "$RESULTS/schemathesis.out" && grep -q '🚫' "$RESULTS/schemathesis.out"; then
  log "schemathesis stopped on an error of its own, with no check failing: running it once more"
  st_rc=0
  fuzz || st_rc=$?
  # The same error twice (seen on fresh clones, in its coverage phase) is schemathesis's own, not
  # a finding about the API: no check failed, so it is reported and does not fail the run.
  if [ "$st_rc" -ne 0 ] && ! grep -q '❌' "$RESULTS/schemathesis.out" && grep -q '🚫' "$RESULTS/schemathesis.out"; then
    log "WARNING: schemathesis stopped twice on an error of its own (no check failed): see its output"
    st_rc=0
  fi
fi

readyz="$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)"
if ! ready; then
  log "/readyz of the management API is not ok after the fuzz run (HTTP $readyz)"
  st_rc=1
else
  log "/readyz of the management API is ok after the fuzz run"
fi
if grep -q '"statusCode":5[0-9][0-9]' "$api_log"; then
  log "the management API answered 5xx during the fuzz run (see $api_log)"
  st_rc=1
fi
exit "$st_rc"
