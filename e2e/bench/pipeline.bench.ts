// npm run bench:e2e [-- --scenario all|one-target|fifty-targets|latency --seconds 15 --offer 8000 --events 300 --warmup 3]
// Simulated calls through the four services (built, as child processes) to a receiver in a
// process of its own (receiver.process.ts), in three scenarios, each in an environment of its own:
// - one-target: capacity, 10 webhooks per event type, all to one fast target;
// - fifty-targets: capacity, 50 webhooks per event type, one to each of 50 fast targets;
//   a capacity run offers more deliveries per second than the system takes (--offer) for
//   --seconds and reports the steady rate: deliveries between the 10th and the 90th percentile
//   arrival over the time between them (the ramp-up and the drain's tail left out);
// - latency: --events call events per second (one webhook per event type, one target), well
//   under capacity: event record → HTTP request, and raw leg → HTTP for Ringing and Answer.
// Every scenario prints CPU-seconds per 1,000 deliveries of each process of the system
// (dispatcher, matcher, enricher, management API, Kafka, registry, database: each one's process
// tree from /proc/<pid>/stat), net of each one's idle rate measured just before, and the
// webhook-ids the receiver got more than once (0 in a healthy run). The run ends with one
// Markdown table per kind, to paste into docs/benchmarks.md.
// Environment: CALLHOOKS_SERVICE_NODE_ARGS profiles the services (see the README); BENCH_TARGET_CONCURRENCY_MAX
// sets DISPATCHER_TARGET_CONCURRENCY_MAX (10: the adaptive per-target limit off); BENCH_SERVICE_ENV="KEY=value ..."
// sets any other setting of the services (to compare two settings with one build).
// --dashboard <dir>: a real Prometheus scrapes the services during the run and the dashboard's main panels
// over the run are written there as JSON (draw them: scripts/render-dashboard.sh <dir>/dashboard-snapshot.json docs/dashboards).
// --otlp: the services export their spans over OTLP/HTTP to a counting sink in this process (tracing's cost).
import { parseArgs } from 'node:util';
import { topicName, topicSpec, type CallEvent, type CallLegEvent, type DeliveryJob, type EventName, type TopicId } from '@callhooks/contracts';
import { CallTraffic, type SimulatedCall } from '@callhooks/call-simulator';
import { CallLegSender } from '@callhooks/call-simulator/call-leg.sender';
import { AvroSerde, createKafka, TopicReader } from '@callhooks/kafka';
import { createLogger } from '@callhooks/observability';
import { PrometheusServer, snapshotDashboard } from '@callhooks/testing';
import { deleteTestTopics, ManagementClient, metricSum, MONGO_URI, requireServers, scrapeMetrics, ServiceProcess, testEnv, testKafkaSettings, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { listeningPid, treeCpuSeconds } from './process-cpu';
import { ForkedReceiver, type BenchRequest } from './receiver.process';

const OPERATOR_TOKEN = 'bench-e2e-operator-token-0123456789abcd';
const SUBSCRIBED: EventName[] = ['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting'];
/** Events whose raw trigger is known from the call and sent without a deliberate wait. */
const RAW_TIMED: EventName[] = ['Call:Ringing', 'Call:Answer'];
const SERVICES = ['management-api', 'enricher', 'matcher', 'dispatcher'] as const;
/** The servers of the system, found by the port they listen on (the shared test servers). */
const SERVERS = { kafka: 9092, registry: 8081, database: 27017 } as const;
/** FerretDB's PostgreSQL, when the local servers run on it (deploy/local/infra.sh, CALLHOOKS_POSTGRES_PORT): its own process tree. */
const OPTIONAL_SERVERS = { postgresql: 55432 } as const;
const IDLE_SECONDS = 5;

type ScenarioName = 'one-target' | 'fifty-targets' | 'latency';
interface Scenario {
  name: ScenarioName;
  /** Webhooks per event type. */
  fanout: number;
  /** Distinct target origins the webhooks of an event type spread over. */
  targets: number;
}
const SCENARIOS: Record<ScenarioName, Scenario> = {
  'one-target': { name: 'one-target', fanout: 10, targets: 1 },
  'fifty-targets': { name: 'fifty-targets', fanout: 50, targets: 50 },
  latency: { name: 'latency', fanout: 1, targets: 1 },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function triggerLeg(call: SimulatedCall, event: EventName): CallLegEvent | undefined {
  if (event === 'Call:Ringing') return call.legs.find((l) => l.kind === 'LEG_RINGING' && l.leg_role === 'CALLEE');
  if (event === 'Call:Answer') return call.legs.find((l) => l.kind === 'LEG_ANSWERED' && l.leg_role === 'CALLEE');
  return undefined;
}

function subscribedEvents(call: SimulatedCall): number {
  return call.truth.events.filter((e) => SUBSCRIBED.includes(e)).length;
}

/** Mean subscribed events per simulated call, from a sample of the same traffic. */
function eventsPerCall(speedup: number): { subscribed: number; all: number } {
  const sample = new CallTraffic({ seed: 7, rate: 1000, startAt: Date.now(), speedup });
  sample.due(500);
  const calls = sample.calls;
  return { subscribed: calls.reduce((n, c) => n + subscribedEvents(c), 0) / calls.length, all: calls.reduce((n, c) => n + c.truth.events.length, 0) / calls.length };
}

/** The processes whose CPU counts as the system's, by name. */
function systemProcesses(services: ServiceProcess[]): Array<{ name: string; pid: number }> {
  const out: Array<{ name: string; pid: number }> = services.map((s) => ({ name: s.name, pid: s.pid! }));
  for (const [name, port] of Object.entries(SERVERS)) {
    const pid = listeningPid(port);
    if (pid) out.push({ name, pid });
    else console.warn(`no process listening on ${port} readable here: ${name} left out of the CPU figures`);
  }
  for (const [name, port] of Object.entries(OPTIONAL_SERVERS)) {
    const pid = listeningPid(port);
    if (pid) out.push({ name, pid });
  }
  return out;
}

interface PhaseResult {
  scenario: Scenario;
  offeredPerSec: number;
  seconds: number;
  expected: number;
  requests: BenchRequest[];
  repeated: number;
  steadyPerSec: number;
  /** Net CPU-seconds per 1,000 deliveries, per process name, then the system's total. */
  cpuPer1000: Record<string, number>;
  receiverAndBench: { receiver: number; bench: number };
  detached: number;
  /** Kafka requests per 1,000 deliveries, per service and API (callhooks_kafka_requests_total): what the broker's CPU goes to. */
  kafkaRequestsPer1000: Record<string, Record<string, number>>;
  load: string;
  latency?: Record<string, string>;
}

/** The dashboard panels an operator looks at first, drawn from a run with --dashboard. */
const BENCH_PANELS = [
  'Throughput per stage',
  'Delivery outcomes by status class',
  'Delivery attempt latency',
  'Lag per topic and group',
  'Batch duration and record wait p99',
  'Breakers open',
  'Retry-tier depth',
  'Postponed, blocked and detached',
  'CPU per pod',
  'Memory per pod',
];

/** An OTLP/HTTP endpoint that only counts what it is sent: the services pay the export, nothing is kept. */
async function startOtlpSink(): Promise<{ url: string; server: Server; spans: () => number; requests: () => number }> {
  let spans = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests++;
      spans += (body.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, spans: () => spans, requests: () => requests };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'all' },
      seconds: { type: 'string', default: '15' },
      // deliveries per second offered in the capacity scenarios (more than the system takes): a call's
      // events spread over its length, so the arrivals of a nominal 4,000/s came at ~2,000-2,400/s
      offer: { type: 'string', default: '8000' },
      // call events per second in the latency scenario
      events: { type: 'string', default: '300' },
      speedup: { type: 'string', default: '20' },
      dashboard: { type: 'string' },
      otlp: { type: 'boolean', default: false },
      // seconds of calls (at most 20 calls/s) through the system before each phase, not measured; 0 = none
      warmup: { type: 'string', default: '3' },
    },
  });
  const chosen: ScenarioName[] = values.scenario === 'all' ? ['one-target', 'fifty-targets', 'latency'] : (values.scenario!.split(',') as ScenarioName[]);
  for (const c of chosen) if (!SCENARIOS[c]) throw new Error(`unknown scenario ${c}: one-target, fifty-targets, latency or all`);
  const seconds = Number(values.seconds);
  const speedup = Number(values.speedup);
  const warmupSeconds = Number(values.warmup);
  const perCall = eventsPerCall(speedup);
  await requireServers();
  const prefix = uniquePrefix('bench-e2e');
  const settings = testKafkaSettings(prefix);

  const receiver = new ForkedReceiver();
  const targetUrls = await receiver.start(Math.max(...chosen.map((c) => SCENARIOS[c].targets)));
  const otlp = values.otlp ? await startOtlpSink() : undefined;
  const env = testEnv(prefix, {
    ...(otlp ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url } : {}),
    LOG_LEVEL: 'warn',
    MONGODB_URI: `${MONGO_URI}/${uniqueDatabase('bench_e2e')}`,
    MANAGEMENT_OPERATOR_TOKEN: OPERATOR_TOKEN,
    MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
    DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
    DISPATCHER_ATTEMPT_TIMEOUT_MS: '5000',
    KAFKA_TOPIC_PARTITIONS: '6',
    // BENCH_TARGET_CONCURRENCY_MAX=10 turns the adaptive per-target limit off (a fixed 10), to compare
    ...(process.env.BENCH_TARGET_CONCURRENCY_MAX ? { DISPATCHER_TARGET_CONCURRENCY_MAX: process.env.BENCH_TARGET_CONCURRENCY_MAX } : {}),
    // BENCH_SERVICE_ENV="KEY=value KEY2=value": settings of the services to compare in one build (e.g. ENRICHER_PARTITION_CONCURRENCY=3)
    ...Object.fromEntries((process.env.BENCH_SERVICE_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  });
  const services = SERVICES.map((name) => new ServiceProcess(name, env));
  for (const s of services) await s.start().then((p) => p.ready());
  const prometheus = values.dashboard ? await PrometheusServer.start({ targets: services.map((s) => ({ job: s.name, address: `127.0.0.1:${s.port}` })) }) : undefined;
  const runStartedS = Date.now() / 1000;
  const dispatcher = services[3];
  const results: PhaseResult[] = [];
  try {
    const api = await ManagementClient.forNewCustomer(services[0].url, OPERATOR_TOKEN, 'bench');
    for (const name of chosen) {
      const scenario = SCENARIOS[name];
      const envId = `bench-${name}`;
      await api.request('PUT', `/v1/environments/${envId}`, { name, timezone: 'Europe/London' });
      const ids: string[] = [];
      for (const event of SUBSCRIBED) {
        for (let copy = 0; copy < scenario.fanout; copy++) {
          const url = `${targetUrls[copy % scenario.targets]}/bench`;
          const hook = await api.request<{ id: string }>('POST', '/v1/webhooks', { event, method: 'POST', url, body: JSON.stringify({ uuid: '{{uuid}}', event, state: '{{call_state}}' }) });
          ids.push(hook.id);
        }
      }
      await api.request('PUT', `/v1/environments/${envId}/webhooks`, { webhook_ids: ids });
    }
    await new Promise((r) => setTimeout(r, 3000));

    /**
     * A few calls through the whole system before the phase, not measured: the first batches of a
     * service's life pay for what runs the first time (code compiled on first call, the first
     * connection to a target, a producer's first metadata of a topic): 90–440 ms each at 13:00–15:03
     * on 2026-12-05, which alone made the latency scenario's p99 (docs/benchmarks.md).
     */
    const warmUp = async (scenario: Scenario, rate: number): Promise<void> => {
      const sender = new CallLegSender({ logLevel: 'warn', ...settings });
      await sender.ensureTopic();
      const traffic = new CallTraffic({ seed: 1 + (Date.now() % 100000), rate, startAt: Date.now(), customerId: 'bench', environmentId: `bench-${scenario.name}`, environmentName: scenario.name, speedup });
      await sender.play(traffic, { calls: Math.max(1, Math.round(rate * warmupSeconds)) });
      const expected = scenario.fanout * traffic.calls.reduce((n, c) => n + subscribedEvents(c), 0);
      const until = Date.now() + 60_000;
      while ((await receiver.count()) < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      await sender.close();
    };
    const processes = systemProcesses(services);
    const phase = async (scenario: Scenario): Promise<PhaseResult> => {
      const latencyMode = scenario.name === 'latency';
      const callRate = latencyMode ? Number(values.events) / perCall.all : Number(values.offer) / (scenario.fanout * perCall.subscribed);
      const offeredPerSec = Math.round(callRate * perCall.subscribed * scenario.fanout);
      console.log(`${scenario.name}: ${callRate.toFixed(1)} calls/s for ${seconds} s (~${offeredPerSec} deliveries/s offered)…`);
      if (warmupSeconds > 0) await warmUp(scenario, Math.min(callRate, 20));
      await receiver.take();
      await new Promise((r) => setTimeout(r, 3000)); // the previous phase's tail (delivery log writes, timers) settles
      // each process's idle rate, just before (the machine is shared: other work counts as idle)
      const idle0 = treeCpuSeconds(processes.map((p) => p.pid));
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const idle1 = treeCpuSeconds(processes.map((p) => p.pid));
      const idleRate = idle0.map((v, i) => (idle1[i] - v) / IDLE_SECONDS);

      const sender = new CallLegSender({ logLevel: 'warn', ...settings });
      await sender.ensureTopic();
      const traffic = new CallTraffic({ seed: Date.now() % 100000, rate: callRate, startAt: Date.now(), customerId: 'bench', environmentId: `bench-${scenario.name}`, environmentName: scenario.name, speedup });
      const sentAt = new Map<string, number>();
      if (latencyMode) {
        const originalSend = sender.send.bind(sender);
        sender.send = async (legs) => {
          await originalSend(legs);
          const now = Date.now();
          for (const l of legs) sentAt.set(l.event_id, now);
        };
      }
      const detached0 = metricSum(await scrapeMetrics(dispatcher.url), 'callhooks_delivery_attempts_detached_total');
      const kafkaRequests0 = await kafkaRequests(services);
      const bench0 = process.cpuUsage();
      const [receiver0] = treeCpuSeconds([receiver.pid!]);
      const cpu0 = treeCpuSeconds(processes.map((p) => p.pid));
      const started = Date.now();
      await sender.play(traffic, { calls: Math.round(callRate * seconds) });
      const expected = scenario.fanout * traffic.calls.reduce((n, c) => n + subscribedEvents(c), 0);
      // wait for every delivery, or until nothing arrived for 30 s
      let last = -1;
      let lastChange = Date.now();
      for (;;) {
        const count = await receiver.count();
        if (count >= expected) break;
        if (count !== last) [last, lastChange] = [count, Date.now()];
        if (Date.now() - lastChange > 30_000) {
          console.warn(`${scenario.name}: ${count} of ${expected} deliveries arrived; stopped waiting`);
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const cpu1 = treeCpuSeconds(processes.map((p) => p.pid));
      const [receiver1] = treeCpuSeconds([receiver.pid!]);
      const bench1 = process.cpuUsage(bench0);
      const window = (Date.now() - started) / 1000;
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const detached = metricSum(await scrapeMetrics(dispatcher.url), 'callhooks_delivery_attempts_detached_total') - detached0;
      const kafkaRequests1 = await kafkaRequests(services);
      const { requests: received } = await receiver.take();
      await sender.close();
      // this phase's calls only: a previous phase's stragglers are not its deliveries
      const calls = new Set(traffic.calls.map((c) => c.callUuid));
      const requests = received.filter((r) => calls.has((JSON.parse(r.body) as { uuid: string }).uuid));

      const n = requests.length;
      const per1000 = (cpuSeconds: number) => Math.round((1000 * cpuSeconds * 1000) / Math.max(n, 1)) / 1000;
      const cpuPer1000: Record<string, number> = {};
      let total = 0;
      let gross = 0;
      processes.forEach((p, i) => {
        const net = Math.max(0, cpu1[i] - cpu0[i] - idleRate[i] * window);
        total += net;
        gross += cpu1[i] - cpu0[i];
        cpuPer1000[p.name] = per1000(net);
      });
      cpuPer1000.system = per1000(total);
      // the shared servers also serve other work: their idle rate is a guess, so the gross figure too
      cpuPer1000.gross = per1000(gross);

      const seen = new Map<string, number>();
      for (const r of requests) seen.set(r.webhookId, (seen.get(r.webhookId) ?? 0) + 1);
      let repeated = 0;
      for (const c of seen.values()) if (c > 1) repeated += c - 1;
      const arrivals = requests.map((r) => r.receivedAt).sort((a, b) => a - b);
      const i10 = Math.floor(0.1 * n);
      const i90 = Math.floor(0.9 * n);
      const steadyPerSec = n > 10 && arrivals[i90] > arrivals[i10] ? ((i90 - i10) * 1000) / (arrivals[i90] - arrivals[i10]) : NaN;

      const result: PhaseResult = {
        scenario,
        offeredPerSec,
        seconds,
        expected,
        requests,
        repeated,
        steadyPerSec,
        cpuPer1000,
        receiverAndBench: { receiver: per1000(receiver1 - receiver0), bench: per1000((bench1.user + bench1.system) / 1e6) },
        detached,
        kafkaRequestsPer1000: Object.fromEntries(
          Object.entries(kafkaRequests1).map(([service, byApi]) => [
            service,
            Object.fromEntries(Object.entries(byApi).map(([api, count]) => [api, Math.round((10 * 1000 * (count - (kafkaRequests0[service]?.[api] ?? 0))) / Math.max(n, 1)) / 10])),
          ]),
        ),
        load,
      };
      if (latencyMode) result.latency = await latencies(settings, prefix, traffic, sentAt, requests);
      return result;
    };

    for (const name of chosen) results.push(await phase(SCENARIOS[name]));
    if (prometheus && values.dashboard) {
      mkdirSync(values.dashboard, { recursive: true });
      const file = join(values.dashboard, 'dashboard-snapshot.json');
      await snapshotDashboard(prometheus, join(__dirname, '../../../deploy/observability/dashboards/callhooks.json'), BENCH_PANELS, runStartedS, Date.now() / 1000, file);
      console.log(`dashboard panels of this run: ${file} (bash scripts/render-dashboard.sh ${file} docs/dashboards)`);
    }
  } finally {
    await prometheus?.stop();
    if (otlp) console.log(`spans exported over OTLP: ${otlp.spans()} in ${otlp.requests()} requests`);
    otlp?.server.close();
    for (const s of services.reverse()) await s.stop();
    await receiver.stop();
    await deleteTestTopics(prefix);
  }
  printTables(results, Boolean(values.otlp));
}

/** callhooks_kafka_requests_total of each service, by API (all its clients together). */
async function kafkaRequests(services: ServiceProcess[]): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of services) {
    const byApi: Record<string, number> = {};
    const text = await scrapeMetrics(s.url);
    for (const line of text.split('\n')) {
      const m = /^callhooks_kafka_requests_total\{.*api="([^"]+)".*\} (\S+)$/.exec(line);
      if (m) byApi[m[1]] = (byApi[m[1]] ?? 0) + Number(m[2]);
    }
    // batches, their records and the time they took, and the records' wait: where a backlog builds up
    byApi['(batches)'] = metricSum(text, 'callhooks_consumer_batch_duration_seconds_count');
    byApi['(batch seconds)'] = metricSum(text, 'callhooks_consumer_batch_duration_seconds_sum');
    byApi['(records)'] = metricSum(text, 'callhooks_consumer_record_wait_seconds_count');
    byApi['(record wait seconds)'] = metricSum(text, 'callhooks_consumer_record_wait_seconds_sum');
    out[s.name] = byApi;
  }
  return out;
}

/** Event record → HTTP, raw leg → HTTP (Ringing, Answer) and the enricher's hop, from the records' timestamps. */
async function latencies(settings: ReturnType<typeof testKafkaSettings>, prefix: string, traffic: CallTraffic, sentAt: Map<string, number>, requests: BenchRequest[]): Promise<Record<string, string>> {
  const events = await recordTimes<CallEvent>(settings, 'callEvents', prefix, (e) => e.event_id);
  const jobs = await recordTimes<DeliveryJob>(settings, 'deliveries', prefix, (j) => j.delivery_id);
  const byCall = new Map(traffic.calls.map((c) => [c.callUuid, c]));
  const eventToHttp: number[] = [];
  const rawToHttp: number[] = [];
  const enricher: number[] = [];
  const matcher: number[] = [];
  const dispatcher: number[] = [];
  for (const r of requests) {
    const job = jobs.get(r.webhookId);
    const event = job && events.get(job.value.event_id);
    if (!job || !event) continue;
    eventToHttp.push(r.receivedAt - event.at);
    // a record's timestamp is its producer's send: the event's commit and the matcher's wait count in the matcher's hop
    matcher.push(job.at - event.at);
    dispatcher.push(r.receivedAt - job.at);
    const call = byCall.get(job.value.call_uuid ?? '');
    const trigger = call && RAW_TIMED.includes(job.value.event as EventName) ? triggerLeg(call, job.value.event as EventName) : undefined;
    const at = trigger && sentAt.get(trigger.event_id);
    if (!at) continue;
    rawToHttp.push(r.receivedAt - at);
    enricher.push(event.at - at);
  }
  const fmt = (list: number[]) => {
    list.sort((a, b) => a - b);
    return `${percentile(list, 50)} / ${percentile(list, 99)}`;
  };
  // the steady event rate of this phase (between its 10th and 90th percentile events: long calls' last legs come late)
  const times = [...events.values()].filter((e) => byCall.has(e.value.call_uuid)).map((e) => e.at).sort((a, b) => a - b);
  const [i10, i90] = [Math.floor(0.1 * times.length), Math.floor(0.9 * times.length)];
  const eventsPerSec = times.length > 10 && times[i90] > times[i10] ? Math.round(((i90 - i10) * 1000) / (times[i90] - times[i10])) : NaN;
  return { 'events/s': String(eventsPerSec), 'event → HTTP p50 / p99 ms': fmt(eventToHttp), 'raw leg → HTTP p50 / p99 ms (Ringing, Answer)': fmt(rawToHttp), 'raw leg → event (enricher) p50 / p99 ms': fmt(enricher), 'event → job (matcher) p50 / p99 ms': fmt(matcher), 'job → HTTP (dispatcher) p50 / p99 ms': fmt(dispatcher) };
}

/** Every record of a topic (read_committed) with its timestamp, keyed by `idOf`. */
async function recordTimes<T>(settings: ReturnType<typeof testKafkaSettings>, id: TopicId, prefix: string, idOf: (value: T) => string): Promise<Map<string, { value: T; at: number }>> {
  const out = new Map<string, { value: T; at: number }>();
  const logger = createLogger('bench', 'warn');
  const reader = new TopicReader<T>(createKafka(settings.kafka, logger), new AvroSerde(settings.registry), logger, {
    topic: topicName(id, prefix),
    spec: topicSpec(id),
    purpose: 'bench-latency',
    onRecord: (r) => void (r.value && out.set(idOf(r.value), { value: r.value, at: r.timestamp })),
  });
  await reader.readToEnd();
  return out;
}

function printTables(results: PhaseResult[], otlp: boolean): void {
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const names = ['dispatcher', 'matcher', 'enricher', 'management-api', 'kafka', 'registry', 'database', 'postgresql'];
  const capacity = results.filter((r) => r.scenario.name !== 'latency');
  if (capacity.length > 0) {
    console.log(`\nCapacity, ${date} UTC: steady deliveries/s between the 10th and 90th percentile arrivals; CPU-seconds per 1,000 deliveries net of each process's idle rate (system = the four services, Kafka, registry, database; gross = the same without subtracting the idle rates)\n`);
    console.log(`| scenario | load (1/5/15 min) | offered/s | delivered | steady/s | repeated webhook-ids | detached | system CPU-s/1k | gross | ${names.join(' | ')} | receiver | load generator |`);
    console.log(`|---|---|---|---|---|---|---|---|---|${names.map(() => '---').join('|')}|---|---|`);
    for (const r of capacity) {
      const label = `${r.scenario.name} (fanout ${r.scenario.fanout}, ${r.scenario.targets} target${r.scenario.targets > 1 ? 's' : ''})`;
      console.log(
        `| ${label} | ${r.load} | ${r.offeredPerSec} | ${r.requests.length} of ${r.expected} | **${Math.round(r.steadyPerSec)}** | ${r.repeated} | ${r.detached} | **${r.cpuPer1000.system}** | ${r.cpuPer1000.gross} | ${names.map((n) => r.cpuPer1000[n] ?? '–').join(' | ')} | ${r.receiverAndBench.receiver} | ${r.receiverAndBench.bench} |`,
      );
    }
  }
  for (const r of results) {
    console.log(`\nKafka requests per 1,000 deliveries, ${r.scenario.name} (callhooks_kafka_requests_total of each service, by API; 0 left out)\n`);
    console.log('| service | total | by API | consumed batches per 1,000 deliveries | records per batch | ms per batch | record wait ms (mean) |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [service, byApi] of Object.entries(r.kafkaRequestsPer1000)) {
      const apis = Object.entries(byApi).filter(([api, v]) => v > 0 && !api.startsWith('(')).sort((a, b) => b[1] - a[1]);
      const total = Math.round(apis.reduce((sum, [, v]) => sum + v, 0) * 10) / 10;
      const batches = byApi['(batches)'] ?? 0;
      const records = byApi['(records)'] ?? 0;
      const perBatch = (v: number) => (batches > 0 ? Math.round(v / batches) : '–');
      const wait = records > 0 ? Math.round((1000 * (byApi['(record wait seconds)'] ?? 0)) / records) : '–';
      console.log(`| ${service} | ${total} | ${apis.map(([api, v]) => `${api} ${v}`).join(', ')} | ${batches} | ${perBatch(records)} | ${perBatch(1000 * (byApi['(batch seconds)'] ?? 0))} | ${wait} |`);
    }
  }
  for (const r of results.filter((x) => x.latency)) {
    console.log(`\nLatency, ${date} UTC, one target, one webhook per event type; load ${r.load}; spans exported over OTLP: ${otlp ? 'yes' : 'no'}; CPU-seconds per 1,000 deliveries net of each process's idle rate\n`);
    const cols = Object.keys(r.latency!);
    // the four services' own CPU: what tracing adds shows there (Kafka's share does not change with it)
    const services = Math.round(SERVICES.reduce((sum, name) => sum + r.cpuPer1000[name], 0) * 1000) / 1000;
    console.log(`| ${cols.join(' | ')} | delivered | repeated webhook-ids | system CPU-s/1k | four services | ${SERVICES.join(' | ')} |`);
    console.log(`|${cols.map(() => '---').join('|')}|---|---|---|---|${SERVICES.map(() => '---').join('|')}|`);
    console.log(`| ${cols.map((c) => r.latency![c]).join(' | ')} | ${r.requests.length} of ${r.expected} | ${r.repeated} | ${r.cpuPer1000.system} | **${services}** | ${SERVICES.map((n) => r.cpuPer1000[n]).join(' | ')} |`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
