#!/usr/bin/env bash
# Runs the four services and the sample receiver from dist/ in the foreground until a signal,
# against servers that are already running (scripts/up.sh builds, starts the servers and
# calls this). The environment configures the services; the ports come from
#   CALLHOOKS_PORT_BASE (3000: API, +1 enricher, +2 matcher, +3 dispatcher), CALLHOOKS_RECEIVER_PORT (4000).
#
# Logs: when this script's stdout is a terminal (and LOG_FORMAT is not set), the services print
# pino's pretty one-line logs, each service's name in its colour, straight to the terminal;
# otherwise JSON lines with each line prefixed by its source (a pipe, a file, a process manager).
#
# Stopping: SIGINT or SIGTERM, to this script alone (a process manager) or to the whole process
# group (Ctrl-C), is passed on to every service at once; each drains within its
# SHUTDOWN_TIMEOUT_MS and exits by itself (a service ignores a second signal while it drains).
# Whatever still runs a few seconds after that timeout is killed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

port_base="${CALLHOOKS_PORT_BASE:-3000}"
receiver_port="${CALLHOOKS_RECEIVER_PORT:-4000}"
shutdown_timeout_ms="${SHUTDOWN_TIMEOUT_MS:-30000}"
if [ -z "${LOG_FORMAT:-}" ]; then
  if [ -t 1 ]; then LOG_FORMAT=pretty; else LOG_FORMAT=json; fi
fi
export LOG_FORMAT

pids=()
names=()
run() {
  local name=$1; shift
  # the service itself is the background job (its pid is $!); awk prefixes and flushes each line
  # and ignores Ctrl-C, so it lives as long as the service writes (a service draining after
  # Ctrl-C must not meet a closed pipe)
  if [ "$LOG_FORMAT" = pretty ] && [ "$name" != receiver ]; then
    # pretty lines name their service already; stdout stays the terminal, so colours stay on
    "$@" 2> >(trap '' INT TERM; exec awk -v p="[$name] " '{ print p $0; fflush() }' >&2) &
  else
    "$@" > >(trap '' INT TERM; exec awk -v p="[$name] " '{ print p $0; fflush() }') 2>&1 &
  fi
  pids+=($!)
  names+=("$name")
}

alive() { kill -0 "$1" 2>/dev/null; }

stop_all() {
  trap - INT TERM
  local signal=$1
  log "stopping services ($signal)"
  # the services may have had the signal already (Ctrl-C signals the whole group): a second one
  # is harmless, and a signal sent to this script alone reaches them only this way
  kill "-$signal" "${pids[@]}" 2>/dev/null || true
  local deadline=$(( $(date +%s) + shutdown_timeout_ms / 1000 + 5 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    local running=0
    for pid in "${pids[@]}"; do alive "$pid" && running=1; done
    [ "$running" = 0 ] && break
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    if alive "${pids[$i]}"; then
      log "${names[$i]} still running after its shutdown timeout: killing it"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  wait "${pids[@]}" 2>/dev/null || true
  log "services stopped"
  exit 0
}
trap 'stop_all INT' INT
trap 'stop_all TERM' TERM

run management-api env HTTP_PORT="$port_base" node dist/services/management-api/src/main.js
run enricher env HTTP_PORT="$((port_base + 1))" node dist/services/enricher/src/main.js
run matcher env HTTP_PORT="$((port_base + 2))" node dist/services/matcher/src/main.js
run dispatcher env HTTP_PORT="$((port_base + 3))" node dist/services/dispatcher/src/main.js
run receiver node dist/scripts/sample-receiver.js --port "$receiver_port"

# `wait` returns at once when a trapped signal arrives, so the trap runs without delay
wait "${pids[@]}" || true
log "every service has exited"
