// npm run bench:e2e [-- --rate 200 --seconds 30 --speedup 20 --fanout 1 --skip-hang]
// Simulated calls through all four services (built, as child processes) to a local receiver
// (a process of its own, receiver.process.ts):
// deliveries/s sustained and latency from raw leg to HTTP request, printed next to the
// ceilings measured in the same run: the Kafka consume ceiling and the receiver's raw HTTP
// requests/s under autocannon. A second phase adds a webhook whose target hangs and measures
// what the healthy target keeps of its throughput. --fanout N subscribes N webhooks per event type (capacity runs).
// Environment: BENCH_TARGET_CONCURRENCY overrides DISPATCHER_TARGET_CONCURRENCY; BENCH_DUMP_METRICS=1 also prints the
// services' Kafka request counts, histograms and the dispatcher's postponement counters; CALLHOOKS_SERVICE_NODE_ARGS profiles.
// Besides the end-to-end figures it prints each hop's latency (from the timestamps of the records each stage wrote)
// and, per stage, CPU, batches, lag and the p99 record wait (callhooks_consumer_record_wait_seconds).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { topicName, topicSpec, type CallEvent, type CallLegEvent, type DeliveryJob, type EventName, type TopicId } from '@callhooks/contracts';
import { CallTraffic, type SimulatedCall } from '@callhooks/call-simulator';
import { CallLegSender } from '@callhooks/call-simulator/call-leg.sender';
import { AvroSerde, createKafka, TopicReader } from '@callhooks/kafka';
import { createLogger } from '@callhooks/observability';
import { histogramBuckets, histogramQuantileBound, ManagementClient, metricSum, MONGO_URI, RecordingReceiver, requireServers, scrapeMetrics, ServiceProcess, testEnv, testKafkaSettings, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { measureKafkaCeiling } from '../../libs/kafka/bench/kafka-ceiling';
import { ForkedReceiver } from './receiver.process';

const OPERATOR_TOKEN = 'bench-e2e-operator-token-0123456789abcd';
/** Events whose triggering raw event is known from the call itself; Call:Reporting waits on purpose (grace, recording). */
const TIMED_EVENTS: EventName[] = ['Call:Ringing', 'Call:Answer', 'Call:Hangup'];
/** Call:Hangup waits this long after the last hangup for stragglers, on purpose (set explicitly so the bench knows it). */
const HANGUP_SETTLE_MS = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The raw event that makes the enricher emit an event: first callee ring, first callee answer, last hangup. */
function triggerLeg(call: SimulatedCall, event: EventName): CallLegEvent | undefined {
  const legs = call.legs;
  if (event === 'Call:Ringing') return legs.find((l) => l.kind === 'LEG_RINGING' && l.leg_role === 'CALLEE');
  if (event === 'Call:Answer') return legs.find((l) => l.kind === 'LEG_ANSWERED' && l.leg_role === 'CALLEE');
  const hangups = legs.filter((l) => l.kind === 'LEG_HANGUP');
  return hangups[hangups.length - 1];
}

/** What one service did during a phase, from its /metrics: where the time and the backlog went. */
interface StageSample {
  cpuSeconds: number;
  records: number;
  batches: number;
  batchSeconds: number;
  lag: number;
  kafkaRequests: number;
  /** callhooks_consumer_record_wait_seconds, retry tiers left out (they wait on purpose). */
  wait: Map<number, number>;
}

async function stageSample(service: ServiceProcess): Promise<StageSample> {
  const text = await scrapeMetrics(service.url);
  return {
    cpuSeconds: metricSum(text, 'process_cpu_seconds_total'),
    records: metricSum(text, 'callhooks_consumer_records_total'),
    batches: metricSum(text, 'callhooks_consumer_batch_duration_seconds_count'),
    batchSeconds: metricSum(text, 'callhooks_consumer_batch_duration_seconds_sum'),
    lag: metricSum(text, 'callhooks_consumer_lag'),
    kafkaRequests: metricSum(text, 'callhooks_kafka_requests_total'),
    wait: histogramBuckets(text, 'callhooks_consumer_record_wait_seconds', /^(?!.*\.retry\.)/),
  };
}

/** Samples every service each second while `work` runs; returns per service the deltas and the largest lag seen. */
async function watchStages<R>(services: ServiceProcess[], work: () => Promise<R>): Promise<{ result: R; stages: Record<string, Record<string, number>> }> {
  const before = await Promise.all(services.map(stageSample));
  const maxLag = services.map(() => 0);
  const started = Date.now();
  const timer = setInterval(() => {
    void Promise.all(services.map(stageSample)).then(
      (now) => now.forEach((s, i) => (maxLag[i] = Math.max(maxLag[i], s.lag))),
      () => undefined,
    );
  }, 1000);
  let result: R;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const after = await Promise.all(services.map(stageSample));
  const seconds = (Date.now() - started) / 1000;
  const stages: Record<string, Record<string, number>> = {};
  services.forEach((service, i) => {
    const batches = after[i].batches - before[i].batches;
    const records = after[i].records - before[i].records;
    stages[service.name] = {
      'CPU (% of one core)': Math.round((100 * (after[i].cpuSeconds - before[i].cpuSeconds)) / seconds),
      'records consumed': records,
      batches,
      'records per batch': batches ? Math.round(records / batches) : 0,
      'ms per batch': batches ? Math.round((1000 * (after[i].batchSeconds - before[i].batchSeconds)) / batches) : 0,
      'largest lag': maxLag[i],
      'record wait p99 ≤ s': histogramQuantileBound(before[i].wait, after[i].wait, 0.99) ?? 0,
      'Kafka requests/s': Math.round((after[i].kafkaRequests - before[i].kafkaRequests) / seconds),
    };
  });
  return { result, stages };
}

/** Every record of a topic (read_committed) with its timestamp, keyed by `idOf`. */
async function recordTimes<T>(settings: ReturnType<typeof testKafkaSettings>, id: TopicId, prefix: string, idOf: (value: T) => string): Promise<Map<string, { value: T; at: number }>> {
  const out = new Map<string, { value: T; at: number }>();
  const logger = createLogger('bench', 'warn');
  const reader = new TopicReader<T>(createKafka(settings.kafka, logger), new AvroSerde(settings.registry), logger, {
    topic: topicName(id, prefix),
    spec: topicSpec(id),
    purpose: 'bench-hops',
    onRecord: (r) => void (r.value && out.set(idOf(r.value), { value: r.value, at: r.timestamp })),
  });
  await reader.readToEnd();
  return out;
}

async function rawHttpCeiling(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, method: 'POST', body: JSON.stringify({ uuid: 'x'.repeat(36), event: 'Call:Hangup', state: 'ended' }), headers: { 'content-type': 'application/json' }, connections: 50, duration: seconds });
  return result.requests.average;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '30' },
      speedup: { type: 'string', default: '20' },
      'skip-hang': { type: 'boolean', default: false },
      // webhooks per event type, all to the one receiver: --fanout 10 at a lower --rate measures the delivery capacity
      fanout: { type: 'string', default: '1' },
    },
  });
  const rate = Number(values.rate);
  const fanout = Number(values.fanout);
  const seconds = Number(values.seconds);
  await requireServers();
  const prefix = uniquePrefix('bench-e2e');
  const settings = testKafkaSettings(prefix);

  console.log('measuring the ceilings…');
  const ceiling = await measureKafkaCeiling({ kafka: createKafka(settings.kafka, createLogger('bench', 'warn')), serde: new AvroSerde(settings.registry), prefix, records: 30000, valueBytes: 1024 });
  // the healthy receiver runs in a process of its own, as a customer's endpoint would
  const healthy = new ForkedReceiver();
  const healthyUrl = await healthy.start();
  const httpCeiling = await rawHttpCeiling(`${healthyUrl}/ceiling`, 5);
  await healthy.take();
  const hanging = new RecordingReceiver();
  const hangingUrl = await hanging.start();
  hanging.script('/hang', [], { kind: 'hang' });

  const env = testEnv(prefix, {
    LOG_LEVEL: 'warn',
    MONGODB_URI: `${MONGO_URI}/${uniqueDatabase('bench_e2e')}`,
    MANAGEMENT_OPERATOR_TOKEN: OPERATOR_TOKEN,
    MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
    DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
    DISPATCHER_ATTEMPT_TIMEOUT_MS: '5000',
    ENRICHER_HANGUP_SETTLE_MS: String(HANGUP_SETTLE_MS),
    // the product's per-target limit (10) unless BENCH_TARGET_CONCURRENCY says otherwise; 50 (autocannon's
    // connections) measured slower here: on 2 shared cores more sockets only queue longer
    ...(process.env.BENCH_TARGET_CONCURRENCY ? { DISPATCHER_TARGET_CONCURRENCY: process.env.BENCH_TARGET_CONCURRENCY } : {}),
    KAFKA_TOPIC_PARTITIONS: '6',
  });
  const services = (['management-api', 'enricher', 'matcher', 'dispatcher'] as const).map((name) => new ServiceProcess(name, env));
  for (const s of services) await s.start().then((p) => p.ready());
  try {
    const api = await ManagementClient.forNewCustomer(services[0].url, OPERATOR_TOKEN, 'bench');
    await api.request('PUT', '/v1/environments/bench-env', { name: 'Bench', timezone: 'Europe/London' });
    const ids: string[] = [];
    for (const event of ['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting'] as EventName[]) {
      for (let copy = 0; copy < fanout; copy++) {
        const hook = await api.request<{ id: string }>('POST', '/v1/webhooks', { event, method: 'POST', url: `${healthyUrl}/bench`, body: JSON.stringify({ uuid: '{{uuid}}', event, state: '{{call_state}}' }) });
        ids.push(hook.id);
      }
    }
    await api.request('PUT', '/v1/environments/bench-env/webhooks', { webhook_ids: ids });
    await new Promise((r) => setTimeout(r, 3000));

    const phase = async (label: string) => {
      const sender = new CallLegSender({ logLevel: 'warn', ...settings });
      await sender.ensureTopic();
      const traffic = new CallTraffic({ seed: Date.now() % 100000, rate, startAt: Date.now(), customerId: 'bench', environmentId: 'bench-env', environmentName: 'Bench', speedup: Number(values.speedup) });
      const sentAt = new Map<string, number>();
      const originalSend = sender.send.bind(sender);
      sender.send = async (legs) => {
        await originalSend(legs);
        const now = Date.now();
        for (const l of legs) sentAt.set(l.event_id, now);
      };
      await healthy.take();
      await healthy.resetLoopDelay();
      const started = Date.now();
      let sendSecs = 0;
      let expected = 0;
      const { stages } = await watchStages(services, async () => {
        await sender.play(traffic, { calls: Math.round(rate * seconds) });
        sendSecs = (Date.now() - started) / 1000;
        expected = fanout * traffic.calls.reduce((n, c) => n + c.truth.events.filter((e) => e !== 'Ivr:Start' && e !== 'Ivr:End').length, 0);
        const deadline = Date.now() + 120_000;
        while ((await healthy.count()) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      });
      const { requests, loopDelay: receiverLoop } = await healthy.take();
      const lastAt = requests.reduce((m, r) => Math.max(m, r.receivedAt), started);
      const byCall = new Map(traffic.calls.map((c) => [c.callUuid, c]));
      const latencies: number[] = [];
      // the pipeline's own latency: Call:Hangup without its deliberate settle
      const pipeline: number[] = [];
      const byEvent = new Map<EventName, number[]>(TIMED_EVENTS.map((e) => [e, []]));
      for (const r of requests) {
        const body = JSON.parse(r.body) as { uuid: string; event: EventName };
        if (!TIMED_EVENTS.includes(body.event)) continue;
        const call = byCall.get(body.uuid);
        const trigger = call && triggerLeg(call, body.event);
        const at = trigger && sentAt.get(trigger.event_id);
        if (!at) continue;
        latencies.push(r.receivedAt - at);
        pipeline.push(r.receivedAt - at - (body.event === 'Call:Hangup' ? HANGUP_SETTLE_MS : 0));
        byEvent.get(body.event)!.push(r.receivedAt - at);
      }
      latencies.sort((a, b) => a - b);
      pipeline.sort((a, b) => a - b);
      await sender.close();

      // where the pipeline's time goes: each hop from the timestamps of the records it wrote
      const events = await recordTimes<CallEvent>(settings, 'callEvents', prefix, (e) => e.event_id);
      const jobs = await recordTimes<DeliveryJob>(settings, 'deliveries', prefix, (j) => j.delivery_id);
      const hopLists = { 'leg → event (enricher)': [] as number[], 'event → job (matcher)': [] as number[], 'job → HTTP (dispatcher)': [] as number[] };
      for (const r of requests) {
        const job = jobs.get(r.webhookId);
        const event = job && events.get(job.value.event_id);
        const call = job && byCall.get(job.value.call_uuid ?? '');
        const trigger = call && TIMED_EVENTS.includes(job.value.event as EventName) ? triggerLeg(call, job.value.event as EventName) : undefined;
        const at = trigger && sentAt.get(trigger.event_id);
        if (!job || !event || !at) continue;
        hopLists['leg → event (enricher)'].push(event.at - at - (job.value.event === 'Call:Hangup' ? HANGUP_SETTLE_MS : 0));
        hopLists['event → job (matcher)'].push(job.at - event.at);
        hopLists['job → HTTP (dispatcher)'].push(r.receivedAt - job.at);
      }
      const hops = Object.fromEntries(
        Object.entries(hopLists).map(([hop, list]) => {
          list.sort((a, b) => a - b);
          return [hop, { deliveries: list.length, 'p50 ms': percentile(list, 50), 'p99 ms': percentile(list, 99) }];
        }),
      );
      return {
        label,
        calls: traffic.callsStarted,
        sendSecs,
        expected,
        delivered: requests.length,
        deliveriesPerSec: requests.length / ((lastAt - started) / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        pipelineP50: percentile(pipeline, 50),
        pipelineP99: percentile(pipeline, 99),
        byEvent: Object.fromEntries(
          [...byEvent].map(([event, list]) => {
            list.sort((a, b) => a - b);
            return [event, { deliveries: list.length, 'p50 ms': percentile(list, 50), 'p99 ms': percentile(list, 99) }];
          }),
        ),
        hops,
        receiverLoop,
        stages,
      };
    };

    // the load generator's own delay postpones legs (their sentAt is taken after the produce, so it is not counted as latency)
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    console.log(`phase 1: ${rate} calls/s for ${seconds} s, one healthy target…`);
    const p1 = await phase('healthy target only');
    loopDelay.disable();
    const benchLoop = { p50: Math.round(loopDelay.percentile(50) / 1e6), p99: Math.round(loopDelay.percentile(99) / 1e6), max: Math.round(loopDelay.max / 1e6) };
    let p2: Awaited<ReturnType<typeof phase>> | undefined;
    if (!values['skip-hang']) {
      const hang = await api.request<{ id: string }>('POST', '/v1/webhooks', { event: 'Call:Hangup', method: 'POST', url: `${hangingUrl}/hang`, body: null });
      await api.request('POST', '/v1/environments/bench-env/webhooks', { webhook_id: hang.id });
      await new Promise((r) => setTimeout(r, 3000));
      console.log('phase 2: the same traffic, plus a webhook whose target never answers…');
      p2 = await phase('with a hanging target');
    }
    const row = (p: typeof p1) => ({
      'calls/s offered': rate,
      'webhooks per event': fanout,
      calls: p.calls,
      'deliveries expected': p.expected,
      'deliveries received': p.delivered,
      'deliveries/s': Math.round(p.deliveriesPerSec),
      'leg→HTTP p50 ms': p.p50,
      'leg→HTTP p99 ms': p.p99,
      'pipeline p50 ms': p.pipelineP50,
      'pipeline p99 ms': p.pipelineP99,
    });
    console.log('\nEnd to end (raw leg produced → HTTP request at the receiver; Ringing, Answer, Hangup).');
    console.log(`"pipeline" leaves out Call:Hangup's deliberate ${HANGUP_SETTLE_MS} ms settle (ENRICHER_HANGUP_SETTLE_MS), as Call:Reporting's grace is left out altogether.`);
    console.table(Object.fromEntries([[p1.label, row(p1)], ...(p2 ? [[p2.label, row(p2)]] : [])]));
    console.log('Raw leg → HTTP per event type in phase 1 (Call:Hangup includes its settle)');
    console.table(p1.byEvent);
    console.log('Each hop of the pipeline in phase 1, from the timestamps of the records each stage wrote (Call:Hangup without its settle)');
    console.table(p1.hops);
    console.log('Per stage during phase 1 (from each service\'s /metrics; lag = records waiting for its consumer group)');
    console.table(p1.stages);
    if (process.env.BENCH_DUMP_METRICS) {
      for (const service of services) {
        const text = await scrapeMetrics(service.url);
        console.log(text.split('\n').filter((l) => /^(callhooks_(deliveries_postponed|deliveries_left_for|delivery_attempts_detached|kafka_requests_total|delivery_attempt_duration_seconds_bucket|consumer_batch_duration_seconds_bucket)|nodejs_eventloop_lag_(p99|max))/.test(l)).join('\n'));
      }
    }
    console.log(`event loop delay in phase 1: load generator p50 ${benchLoop.p50} ms, p99 ${benchLoop.p99} ms, max ${benchLoop.max} ms; receiver p50 ${p1.receiverLoop.p50} ms, p99 ${p1.receiverLoop.p99} ms, max ${p1.receiverLoop.max} ms`);
    console.log('Ceilings measured in this run');
    console.table({
      'Kafka consume + decode (records/s)': ceiling.consumeDecodedRecordsPerSec,
      'Kafka consume raw (records/s)': ceiling.consumeRawRecordsPerSec,
      'Kafka produce (records/s)': ceiling.produceRecordsPerSec,
      'receiver raw HTTP (requests/s, autocannon 50 conns)': Math.round(httpCeiling),
    });
    console.log(`e2e deliveries/s as a share of the raw HTTP ceiling: ${((100 * p1.deliveriesPerSec) / httpCeiling).toFixed(1)}%`);
    if (p2) console.log(`healthy target's throughput with a hanging target, relative to without: ${((100 * p2.deliveriesPerSec) / p1.deliveriesPerSec).toFixed(1)}%`);
  } finally {
    for (const s of services.reverse()) await s.stop();
    await healthy.stop();
    await hanging.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
