{{/*
Names, labels and the per-service facts every template shares.
*/}}

{{- define "callhooks.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "callhooks.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "callhooks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The four services: values key -> service name (the image's dist/services/<name>), in a stable order.
The Kafka facts are what KEDA needs: the consumer group and the topic whose lag scales the service.
*/}}
{{- define "callhooks.services" -}}
managementApi:
  name: management-api
  pipeline: false
enricher:
  name: enricher
  pipeline: true
  group: callhooks-enricher
  groupEnv: ENRICHER_CONSUMER_GROUP
  topic: telephony.call-legs.v1
matcher:
  name: matcher
  pipeline: true
  group: callhooks-matcher
  groupEnv: MATCHER_CONSUMER_GROUP
  topic: callhooks.call-events.v1
dispatcher:
  name: dispatcher
  pipeline: true
  group: callhooks-dispatcher
  groupEnv: DISPATCHER_CONSUMER_GROUP
  topic: callhooks.deliveries.v1
{{- end -}}

{{/* The enabled services as a list of dicts: key, name, pipeline, group, topic, values. */}}
{{- define "callhooks.enabledServices" -}}
{{- $out := list -}}
{{- $defs := include "callhooks.services" . | fromYaml -}}
{{- range $key := list "managementApi" "enricher" "matcher" "dispatcher" -}}
{{- $v := index $.Values $key -}}
{{- if $v.enabled -}}
{{- $out = append $out (merge (dict "key" $key "values" $v) (index $defs $key)) -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "items" $out) -}}
{{- end -}}

{{- define "callhooks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "callhooks.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .svc.name }}
{{- end -}}

{{- define "callhooks.labels" -}}
helm.sh/chart: {{ include "callhooks.chart" .root }}
{{ include "callhooks.selectorLabels" . }}
app.kubernetes.io/part-of: callhooks
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of objects that belong to no single service. */}}
{{- define "callhooks.commonLabels" -}}
helm.sh/chart: {{ include "callhooks.chart" . }}
app.kubernetes.io/name: {{ include "callhooks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: callhooks
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "callhooks.componentName" -}}
{{- printf "%s-%s" (include "callhooks.fullname" .root) .svc.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "callhooks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "callhooks.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "callhooks.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* SHUTDOWN_TIMEOUT_MS of a service: its own override or the global one. */}}
{{- define "callhooks.shutdownTimeoutMs" -}}
{{- $v := .svc.values.shutdownTimeoutMs -}}
{{- if kindIs "invalid" $v -}}{{- $v = .root.Values.shutdownTimeoutMs -}}{{- end -}}
{{- int64 $v -}}
{{- end -}}

{{/*
terminationGracePeriodSeconds: the preStop pause, then the service's drain (SHUTDOWN_TIMEOUT_MS), then a margin,
so Kubernetes never kills a consumer that is still committing its last batch.
*/}}
{{- define "callhooks.terminationGracePeriodSeconds" -}}
{{- $ms := include "callhooks.shutdownTimeoutMs" . | int64 -}}
{{- $drain := div (add $ms 999) 1000 -}}
{{- add $drain .root.Values.preStopSleepSeconds .root.Values.terminationGraceMarginSeconds -}}
{{- end -}}

{{/* The chart's Secret holds inline credentials; it exists when any of them is set. */}}
{{- define "callhooks.secretName" -}}
{{- include "callhooks.fullname" . -}}
{{- end -}}

{{/*
The chart's Secret data: every inline credential, keyed by its environment variable name
(per-service secretEnv keys are prefixed with the service key).
*/}}
{{- define "callhooks.secretData" -}}
{{- $v := .Values -}}
{{- $d := dict -}}
{{- if and $v.kafka.sasl.mechanism (not $v.kafka.sasl.existingSecret.name) -}}
{{- $_ := set $d "KAFKA_SASL_USERNAME" $v.kafka.sasl.username -}}
{{- $_ := set $d "KAFKA_SASL_PASSWORD" $v.kafka.sasl.password -}}
{{- end -}}
{{- if and (or $v.schemaRegistry.username $v.schemaRegistry.password) (not $v.schemaRegistry.existingSecret.name) -}}
{{- $_ := set $d "SCHEMA_REGISTRY_USERNAME" $v.schemaRegistry.username -}}
{{- $_ := set $d "SCHEMA_REGISTRY_PASSWORD" $v.schemaRegistry.password -}}
{{- end -}}
{{- if $v.managementApi.enabled -}}
{{- if not $v.managementApi.mongodb.existingSecret.name -}}
{{- $_ := set $d "MONGODB_URI" $v.managementApi.mongodb.uri -}}
{{- end -}}
{{- if not $v.managementApi.postgres.existingSecret.name -}}
{{- $_ := set $d "MANAGEMENT_POSTGRES_URL" $v.managementApi.postgres.url -}}
{{- end -}}
{{- if not $v.managementApi.operatorTokenExistingSecret.name -}}
{{- $_ := set $d "MANAGEMENT_OPERATOR_TOKEN" $v.managementApi.operatorToken -}}
{{- end -}}
{{- end -}}
{{- range $s := (include "callhooks.enabledServices" . | fromYaml).items -}}
{{- range $k, $val := $s.values.secretEnv -}}
{{- $_ := set $d (printf "%s.%s" $s.key $k) (toString $val) -}}
{{- end -}}
{{- end -}}
{{- if include "callhooks.kedaEnabled" . -}}
{{- with $v.kafka.sasl.mechanism -}}
{{- $_ := set $d "KEDA_KAFKA_SASL" (get (dict "plain" "plaintext" "scram-sha-256" "scram_sha256" "scram-sha-512" "scram_sha512") .) -}}
{{- end -}}
{{- if $v.kafka.tls.enabled -}}
{{- $_ := set $d "KEDA_KAFKA_TLS" "enable" -}}
{{- end -}}
{{- end -}}
{{- toYaml $d -}}
{{- end -}}

{{- define "callhooks.kedaEnabled" -}}
{{- range $s := (include "callhooks.enabledServices" . | fromYaml).items -}}
{{- if and $s.pipeline $s.values.keda.enabled -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* An env var read from a Secret key. */}}
{{- define "callhooks.secretEnvVar" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}

{{/*
Environment variables the chart sets from its own values: setting them again through extraEnv,
<service>.env or <service>.secretEnv would be ambiguous, so the render fails and names the value to use.
*/}}
{{- define "callhooks.reservedEnv" -}}
NODE_ENV: "(always production)"
LOG_LEVEL: logLevel (or <service>.env.LOG_LEVEL for one service)
KAFKA_BROKERS: kafka.brokers
KAFKA_SSL: kafka.tls.enabled
KAFKA_SASL_MECHANISM: kafka.sasl.mechanism
KAFKA_SASL_USERNAME: kafka.sasl.username or kafka.sasl.existingSecret
KAFKA_SASL_PASSWORD: kafka.sasl.password or kafka.sasl.existingSecret
KAFKA_TOPIC_PREFIX: kafka.topicPrefix
KAFKA_TOPIC_PARTITIONS: kafka.topicPartitions
KAFKA_REPLICATION_FACTOR: kafka.replicationFactor
KAFKA_CONSUMER_RESTART: kafka.consumers.restart
KAFKA_CONSUMER_RESTART_MAX_BACKOFF_MS: kafka.consumers.restartMaxBackoffMs
KAFKA_CONSUMER_DOWN_LIVENESS_MS: kafka.consumers.downLivenessMs
KAFKA_LAG_REFRESH_MS: kafka.consumers.lagRefreshMs
SCHEMA_REGISTRY_URL: schemaRegistry.url
SCHEMA_REGISTRY_USERNAME: schemaRegistry.username or schemaRegistry.existingSecret
SCHEMA_REGISTRY_PASSWORD: schemaRegistry.password or schemaRegistry.existingSecret
NODE_EXTRA_CA_CERTS: kafka.tls.caSecret
HTTP_PORT: <service>.port
SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs or <service>.shutdownTimeoutMs
NODE_OPTIONS: <service>.nodeOptions
MONGODB_URI: managementApi.mongodb
MANAGEMENT_POSTGRES_URL: managementApi.postgres.url or managementApi.postgres.existingSecret
MANAGEMENT_POSTGRES_SCHEMA: managementApi.postgres.schema
MANAGEMENT_POSTGRES_POOL_SIZE: managementApi.postgres.poolSize
MANAGEMENT_OPERATOR_TOKEN: managementApi.operatorToken or managementApi.operatorTokenExistingSecret
MANAGEMENT_ALLOW_PRIVATE_TARGETS: managementApi.allowPrivateTargets
DISPATCHER_ALLOW_PRIVATE_TARGETS: dispatcher.allowPrivateTargets
{{- end -}}

{{/*
Checks that fail the render with a message naming the value to fix, instead of a pod that crash-loops.
*/}}
{{- define "callhooks.validate" -}}
{{- $v := .Values -}}
{{- if not $v.kafka.brokers -}}
{{- fail "kafka.brokers is required: the bootstrap brokers, e.g. [kafka-0.kafka:9092]" -}}
{{- end -}}
{{- if not $v.schemaRegistry.url -}}
{{- fail "schemaRegistry.url is required: the Confluent-compatible schema registry URL" -}}
{{- end -}}
{{- if not (has $v.kafka.sasl.mechanism (list "" "plain" "scram-sha-256" "scram-sha-512")) -}}
{{- fail (printf "kafka.sasl.mechanism %q: use plain, scram-sha-256, scram-sha-512 or leave it empty" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- if and $v.kafka.sasl.mechanism (not $v.kafka.sasl.existingSecret.name) (or (not $v.kafka.sasl.username) (not $v.kafka.sasl.password)) -}}
{{- fail "kafka.sasl.mechanism is set: give kafka.sasl.username and kafka.sasl.password, or kafka.sasl.existingSecret.name" -}}
{{- end -}}
{{- if $v.managementApi.enabled -}}
{{- if and (not $v.managementApi.mongodb.uri) (not $v.managementApi.mongodb.existingSecret.name) -}}
{{- fail "managementApi.mongodb.uri (or managementApi.mongodb.existingSecret.name) is required" -}}
{{- end -}}
{{- if and (not $v.managementApi.postgres.url) (not $v.managementApi.postgres.existingSecret.name) -}}
{{- fail "managementApi.postgres.url (or managementApi.postgres.existingSecret.name) is required: the delivery log's PostgreSQL" -}}
{{- end -}}
{{- if not (regexMatch "^[a-z_][a-z0-9_]{0,62}$" (toString $v.managementApi.postgres.schema)) -}}
{{- fail (printf "managementApi.postgres.schema %q: a lower-case SQL identifier (letters, digits, _)" (toString $v.managementApi.postgres.schema)) -}}
{{- end -}}
{{- if and (not $v.managementApi.operatorToken) (not $v.managementApi.operatorTokenExistingSecret.name) -}}
{{- fail "managementApi.operatorToken (or managementApi.operatorTokenExistingSecret.name) is required" -}}
{{- end -}}
{{- if and $v.managementApi.operatorToken (lt (len $v.managementApi.operatorToken) 24) -}}
{{- fail "managementApi.operatorToken must have at least 24 characters" -}}
{{- end -}}
{{- end -}}
{{- $reserved := include "callhooks.reservedEnv" . | fromYaml -}}
{{- range $k, $_ := $v.extraEnv -}}
{{- with get $reserved $k -}}
{{- fail (printf "extraEnv.%s: the chart sets %s from %s" $k $k .) -}}
{{- end -}}
{{- end -}}
{{- range $s := (include "callhooks.enabledServices" . | fromYaml).items -}}
{{- range $field := list "env" "secretEnv" -}}
{{- range $k, $_ := (index $s.values $field) -}}
{{- /* one service may log at another level than the rest */ -}}
{{- with and (ne $k "LOG_LEVEL") (get $reserved $k) -}}
{{- fail (printf "%s.%s.%s: the chart sets %s from %s" $s.key $field $k $k .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $partitions := int $v.kafka.topicPartitions -}}
{{- range $s := (include "callhooks.enabledServices" . | fromYaml).items -}}
{{- if $s.pipeline -}}
{{- if gt (int $s.values.replicas) $partitions -}}
{{- fail (printf "%s.replicas (%d) is more than kafka.topicPartitions (%d): a consumer group gives each partition to one replica, so the extra replicas would sit idle. Raise kafka.topicPartitions with the replicas (README: Scaling out)." $s.key (int $s.values.replicas) $partitions) -}}
{{- end -}}
{{- if and $s.values.keda.enabled (not (kindIs "invalid" $s.values.keda.maxReplicaCount)) (gt (int $s.values.keda.maxReplicaCount) $partitions) -}}
{{- fail (printf "%s.keda.maxReplicaCount (%d) is more than kafka.topicPartitions (%d): replicas beyond the partition count would sit idle (README: Scaling out)." $s.key (int $s.values.keda.maxReplicaCount) $partitions) -}}
{{- end -}}
{{- end -}}
{{- $ms := include "callhooks.shutdownTimeoutMs" (dict "root" $ "svc" $s) | int64 -}}
{{- if or (lt $ms 1000) (gt $ms 600000) -}}
{{- fail (printf "SHUTDOWN_TIMEOUT_MS of %s is %d: the services accept 1000 to 600000" $s.key $ms) -}}
{{- end -}}
{{- end -}}
{{- end -}}
