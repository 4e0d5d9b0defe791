#!/usr/bin/env bash
# Checks the Kubernetes and Prometheus deliverables (deploy/helm, deploy/observability):
#   - helm lint --strict and helm template of deploy/helm/callhooks with each ci/*.yaml values file;
#   - every rendered object validated offline against the Kubernetes API types (deploy/helm/validate:
#     strict decoding into k8s.io/api, prometheus-operator and KEDA Go types, references, invariants);
#   - values that must be refused are refused (replicas above partitions, missing brokers, ...);
#   - promtool check rules (the rules file, the rendered PrometheusRules, the dashboard's queries)
#     and promtool test rules (deploy/observability/tests);
#   - the dashboard is importable (datasource variable), every alert has its runbook section,
#     every chart value is documented in the chart's README;
#   - docker-compose.yml's tracing profile and its collector config hang together
#     (scripts/check-compose.js: no Docker needed).
#
# Tools come from the package registries only, once, then from the cache
# ${CALLHOOKS_CACHE:-$HOME/.cache/callhooks}/tools:
#   helm      go install from the Go module proxy (compiles for a few minutes on the first run)
#   validate  go build of deploy/helm/validate (rebuilt when its sources change)
#   promtool  /usr/bin/promtool if installed, else unpacked from Debian's prometheus package
#             by scripts/ensure-prometheus.sh (apt-get download; nothing installed or started)
# Needs: go, bash, apt-get (first run only, for promtool). Set CALLHOOKS_CACHE to move the cache.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

HELM_VERSION=v3.19.0
# The Kubernetes release the chart is rendered and validated for: that of the k8s.io/api module
# helm $HELM_VERSION and the validator are built with (v0.34 -> 1.34).
KUBE_VERSION=1.34.0
CHART=deploy/helm/callhooks
RELEASE=ci

CACHE="${CALLHOOKS_CACHE:-$HOME/.cache/callhooks}"
TOOLS="$CACHE/tools"
mkdir -p "$TOOLS/bin"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

started=$(date +%s)
checks=0
step() { # step <title> <command...>: runs one check, timed; stops the script on failure
  local title=$1 t0 rc=0
  shift
  t0=$(date +%s)
  log "$title"
  "$@" || rc=$?
  [ "$rc" -eq 0 ] || die "check failed ($rc): $title"
  checks=$((checks + 1))
  printf '    %ss\n' "$(($(date +%s) - t0))" >&2
}

# ---------------------------------------------------------------- tools

# One Go environment for both Go tools, in the cache: helm and the validator share the compiled
# k8s.io packages (same versions, same flags), so the validator builds in seconds after helm.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || die "go not found: the checks build helm and the validator with Go (>= 1.24)"
export GOMODCACHE="$TOOLS/go/mod" GOCACHE="$TOOLS/go/build" GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-buildvcs=false -modcacherw"

tools_started=$(date +%s)
HELM="$TOOLS/bin/helm-$HELM_VERSION"
if [ ! -x "$HELM" ]; then
  log "building helm $HELM_VERSION (go install from the Go module proxy; first run only)"
  t0=$(date +%s)
  # The ldflags are those of helm's Makefile: without them helm believes it talks to Kubernetes 1.20.
  GOBIN="$WORK/gobin" go install \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${KUBE_VERSION#1.} \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${KUBE_VERSION#1.}" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$WORK/gobin/helm" "$HELM"
  printf '    helm built in %ss\n' "$(($(date +%s) - t0))" >&2
fi

src_hash=$(cat deploy/helm/validate/go.mod deploy/helm/validate/go.sum deploy/helm/validate/*.go | sha256sum | cut -c1-16)
VALIDATE="$TOOLS/bin/callhooks-validate-$src_hash"
if [ ! -x "$VALIDATE" ]; then
  log "building the manifest validator (deploy/helm/validate)"
  t0=$(date +%s)
  (cd deploy/helm/validate && go build -o "$WORK/validate" .)
  rm -f "$TOOLS"/bin/callhooks-validate-*
  mv "$WORK/validate" "$VALIDATE"
  printf '    validator built in %ss\n' "$(($(date +%s) - t0))" >&2
fi

if command -v promtool >/dev/null; then
  PROMTOOL=$(command -v promtool)
else
  PROMTOOL="$(bash scripts/ensure-prometheus.sh promtool)"
fi
log "tools ready in $(($(date +%s) - tools_started))s: $("$HELM" version --short), $("$PROMTOOL" --version 2>&1 | head -1)"

# ---------------------------------------------------------------- chart

# helm prints a warning for every symlink it follows (files/ links to deploy/observability).
helm_quiet() { "$HELM" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }

render_and_validate() { # <values file>
  local values=$1 name
  name=$(basename "$values" .yaml)
  helm_quiet lint --strict --kube-version "$KUBE_VERSION" "$CHART" -f "$values"
  helm_quiet template "$RELEASE" "$CHART" -f "$values" --namespace callhooks --kube-version "$KUBE_VERSION" >"$WORK/$name.yaml"
  "$VALIDATE" manifests -owned-prefix "$RELEASE-callhooks" -rules-out "$WORK/rules-$name" "$WORK/$name.yaml"
  if compgen -G "$WORK/rules-$name/*.yaml" >/dev/null; then
    "$PROMTOOL" check rules "$WORK/rules-$name"/*.yaml
  fi
}
for values in "$CHART"/ci/*.yaml; do
  step "chart with $(basename "$values"): helm lint, helm template, API validation, rendered rules" render_and_validate "$values"
done

refused() { # <expected message> <helm template args...>: the chart must refuse these values with that message
  local want=$1 out
  shift
  if out=$(helm_quiet template "$RELEASE" "$CHART" --kube-version "$KUBE_VERSION" "$@" 2>&1); then
    printf 'helm template accepted %s\n' "$*" >&2
    return 1
  fi
  grep -qF -- "$want" <<<"$out" || { printf 'expected "%s", got:\n%s\n' "$want" "$out" >&2; return 1; }
}
refuse_bad_values() {
  local base=(-f "$CHART/ci/default-values.yaml")
  refused "kafka.brokers is required" &&
    refused "enricher.replicas (7) is more than kafka.topicPartitions (6)" "${base[@]}" --set enricher.replicas=7 &&
    refused "matcher.keda.maxReplicaCount (12) is more than kafka.topicPartitions (6)" "${base[@]}" --set matcher.keda.enabled=true --set matcher.keda.maxReplicaCount=12 &&
    refused "kafka.sasl.mechanism is set: give kafka.sasl.username" "${base[@]}" --set kafka.sasl.mechanism=scram-sha-512 &&
    refused "managementApi.operatorToken must have at least 24 characters" "${base[@]}" --set managementApi.operatorToken=short &&
    refused "managementApi.postgres.url (or managementApi.postgres.existingSecret.name) is required" "${base[@]}" --set managementApi.postgres.url= &&
    refused "at '/dispatcher/shutdownTimeoutMs': maximum" "${base[@]}" --set dispatcher.shutdownTimeoutMs=999999 &&
    refused "additional properties 'replica' not allowed" "${base[@]}" --set enricher.replica=3 &&
    refused "extraEnv.KAFKA_BROKERS: the chart sets KAFKA_BROKERS from kafka.brokers" "${base[@]}" --set extraEnv.KAFKA_BROKERS=elsewhere:9092 &&
    refused "dispatcher.env.HTTP_PORT: the chart sets HTTP_PORT from <service>.port" "${base[@]}" --set dispatcher.env.HTTP_PORT=8080 &&
    refused "value must be one of '', 'plain', 'scram-sha-256', 'scram-sha-512'" "${base[@]}" --set kafka.sasl.mechanism=gssapi
}
step "chart refuses bad values" refuse_bad_values

validator_self_test() { # each testdata file must be refused with every "# expect:" message it lists
  local f out want
  for f in deploy/helm/validate/testdata/bad-*.yaml; do
    if out=$("$VALIDATE" manifests -owned-prefix t-callhooks "$f" 2>&1); then
      printf 'the validator accepted %s\n' "$f" >&2
      return 1
    fi
    while IFS= read -r want; do
      grep -qF -- "$want" <<<"$out" || { printf '%s: expected "%s" in:\n%s\n' "$f" "$want" "$out" >&2; return 1; }
    done < <(sed -n 's/^# expect: //p' "$f")
  done
}
step "validator refuses broken manifests (self-test)" validator_self_test

step "chart values documented in README" "$VALIDATE" values-doc "$CHART/values.yaml" "$CHART/README.md"

# ---------------------------------------------------------------- Prometheus and Grafana

step "promtool check rules" "$PROMTOOL" check rules deploy/observability/rules/*.yaml
step "promtool test rules" "$PROMTOOL" test rules deploy/observability/tests/*.yaml
step "alerts have summaries and runbook sections" "$VALIDATE" runbook deploy/observability/runbook.md deploy/observability/rules/*.yaml

check_dashboards() {
  local d name
  for d in deploy/observability/dashboards/*.json; do
    name=$(basename "$d" .json)
    "$VALIDATE" dashboard -exprs-out "$WORK/dashboard-$name.rules.yaml" "$d"
    "$PROMTOOL" check rules "$WORK/dashboard-$name.rules.yaml"
  done
}
step "dashboards importable, queries valid PromQL" check_dashboards

# ---------------------------------------------------------------- docker compose

step "docker-compose.yml and its tracing profile" node scripts/check-compose.js

log "check-deploy: ok, $checks checks in $(($(date +%s) - started))s"
