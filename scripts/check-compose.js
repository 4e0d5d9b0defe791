#!/usr/bin/env node
// Checks docker-compose.yml and its tracing profile without Docker (scripts/check-deploy.sh runs it):
//   - the four services take OTEL_EXPORTER_OTLP_ENDPOINT from the shell (empty: nothing exported);
//   - the `tracing` profile has the collector and Jaeger, the collector reads the mounted
//     deploy/observability/otel-collector.yaml;
//   - that config: every component a pipeline names is defined and is one the core collector
//     image (otel/opentelemetry-collector) ships; the OTLP/HTTP receiver listens on the port of
//     the endpoint the compose file tells the services to use; the exporter sends to a service
//     of the profile.
// Image tags cannot be checked offline; the component names are those of the pinned collector.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const yaml = require('js-yaml');

const ROOT = join(__dirname, '..');
const SERVICES = ['management-api', 'enricher', 'matcher', 'dispatcher'];
/** Components of the core distribution used or likely here (the image has no contrib components). */
const CORE_COMPONENTS = {
  receivers: ['otlp', 'nop'],
  processors: ['batch', 'memory_limiter'],
  exporters: ['otlp', 'otlp_grpc', 'otlphttp', 'otlp_http', 'debug', 'nop'],
};

const problems = [];
const check = (ok, message) => ok || problems.push(message);
const portOf = (endpoint) => Number(String(endpoint).split(':').pop());

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// YAML 1.1: compose files use merge keys (<<: *service-env)
const compose = yaml.load(composeText, { schema: yaml.YAML11_SCHEMA });
const services = compose.services ?? {};

for (const name of SERVICES) {
  const env = services[name]?.environment ?? {};
  check(services[name] && !services[name].profiles, `${name}: missing, or only in a profile`);
  check(
    env.OTEL_EXPORTER_OTLP_ENDPOINT === '${OTEL_EXPORTER_OTLP_ENDPOINT:-}',
    `${name}: OTEL_EXPORTER_OTLP_ENDPOINT is not taken from the shell (got ${JSON.stringify(env.OTEL_EXPORTER_OTLP_ENDPOINT)})`,
  );
}

const collector = services['otel-collector'];
const jaeger = services.jaeger;
check(collector?.profiles?.includes('tracing'), 'otel-collector: not in the tracing profile');
check(jaeger?.profiles?.includes('tracing'), 'jaeger: not in the tracing profile');
check(/^otel\/opentelemetry-collector:\d+\.\d+\.\d+$/.test(collector?.image ?? ''), `otel-collector: not a pinned core collector image (${collector?.image})`);

const configArg = (collector?.command ?? []).find((a) => a.startsWith('--config='));
const configPath = configArg?.slice('--config='.length);
const mount = (collector?.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === configPath);
check(mount, `otel-collector: no volume mounted at its --config path ${configPath}`);
const source = mount && join(ROOT, mount[0]);
check(source && existsSync(source), `otel-collector: the mounted config ${mount?.[0]} does not exist`);

// the endpoint the compose file tells people to give the services, e.g. http://otel-collector:4318
const told = composeText.match(/OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/[^\s]+)/)?.[1];
check(told, 'docker-compose.yml: the header does not say which OTEL_EXPORTER_OTLP_ENDPOINT to use');

if (source && existsSync(source)) {
  const config = yaml.load(readFileSync(source, 'utf8'));
  for (const [signal, pipeline] of Object.entries(config.service?.pipelines ?? {})) {
    for (const kind of ['receivers', 'processors', 'exporters']) {
      for (const id of pipeline[kind] ?? []) {
        check(config[kind] && id in config[kind], `collector pipeline ${signal}: ${kind} ${id} is not defined`);
        const type = id.split('/')[0];
        check(CORE_COMPONENTS[kind].includes(type), `collector pipeline ${signal}: ${kind} type ${type} is not in the core collector image`);
      }
    }
  }
  check(Object.keys(config.service?.pipelines ?? {}).includes('traces'), 'collector: no traces pipeline');
  const httpEndpoint = config.receivers?.otlp?.protocols?.http?.endpoint;
  if (told) {
    const url = new URL(told);
    check(url.hostname === 'otel-collector', `the endpoint ${told} is not the otel-collector service`);
    check(portOf(httpEndpoint) === Number(url.port), `collector: the OTLP/HTTP receiver listens on ${httpEndpoint}, the services are told ${told}`);
  }
  for (const [id, exporter] of Object.entries(config.exporters ?? {})) {
    const host = String(exporter.endpoint ?? '')
      .replace(/^https?:\/\//, '')
      .split(':')[0];
    check(
      host in services && services[host].profiles?.includes('tracing'),
      `collector exporter ${id}: ${exporter.endpoint} is not a service of the tracing profile`,
    );
  }
}

if (problems.length > 0) {
  console.error(`docker-compose.yml / collector config:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('docker-compose.yml and the tracing profile: ok');
