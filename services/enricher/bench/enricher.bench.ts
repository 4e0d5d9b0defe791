// npm run bench:enricher [-- --duration 60 --rate 100 --backlog-calls 20000 --sample 5]
// Runs the built enricher as a child process against the real Kafka and registry, and measures:
//   1. the raw Kafka consume ceiling of this machine (libs/kafka/bench/kafka-ceiling.ts), with records the size of a raw leg;
//   2. drain: a backlog of calls already in the topic, consumed as fast as the enricher can (its ceiling);
//   3. steady traffic for --duration seconds: legs/s in, events/s out, open calls, lag and RSS over time.
import { parseArgs } from 'node:util';
import { CallTraffic } from '@callhooks/call-simulator';
import { CallLegSender } from '@callhooks/call-simulator/call-leg.sender';
import { deleteTestTopics, metricSum, scrapeMetrics, ServiceProcess, testEnv, testKafkaSettings, uniquePrefix } from '@callhooks/testing';
import { measureKafkaCeiling } from '../../../libs/kafka/bench/kafka-ceiling';

interface Scrape {
  legsProcessed: number;
  deadLettered: number;
  eventsEmitted: number;
  openCalls: number;
  closedCalls: number;
  lag: number;
  rssBytes: number;
  heapBytes: number;
}

async function scrape(service: ServiceProcess): Promise<Scrape> {
  const text = await scrapeMetrics(service.url);
  return {
    legsProcessed: metricSum(text, 'callhooks_consumer_records_total', /outcome="processed"/),
    deadLettered: metricSum(text, 'callhooks_consumer_records_total', /outcome="dead_lettered"/),
    eventsEmitted: metricSum(text, 'callhooks_enricher_events_emitted_total'),
    openCalls: metricSum(text, 'callhooks_enricher_open_calls'),
    closedCalls: metricSum(text, 'callhooks_enricher_closed_calls'),
    lag: metricSum(text, 'callhooks_consumer_lag'),
    rssBytes: metricSum(text, 'process_resident_memory_bytes'),
    heapBytes: metricSum(text, 'nodejs_heap_size_used_bytes'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '60' },
      rate: { type: 'string', default: '100' },
      speedup: { type: 'string', default: '30' },
      // ~230k legs: a drain of 10+ s, long enough to be a sustained rate rather than a start-up figure
      'backlog-calls': { type: 'string', default: '20000' },
      sample: { type: 'string', default: '5' },
      // enough records that the consumer needs several fetches (the ceiling is timed from its first batch)
      'ceiling-records': { type: 'string', default: '100000' },
      'closed-retention-ms': { type: 'string', default: '60000' },
    },
  });
  const durationS = Number(values.duration);
  const rate = Number(values.rate);
  const speedup = Number(values.speedup);
  const backlogCalls = Number(values['backlog-calls']);
  const sampleS = Number(values.sample);
  const prefix = uniquePrefix('bench-enricher');
  const settings = testKafkaSettings(prefix);
  const sender = new CallLegSender({ logLevel: 'warn', ...settings });
  await sender.ensureTopic();

  // a raw leg's encoded size, for a like-for-like ceiling
  const sample = new CallTraffic({ seed: 99, rate: 1000, startAt: Date.now(), speedup: 0 }, true);
  const sampleLegs = sample.due(Number.POSITIVE_INFINITY, 200).map((s) => s.leg);
  const legBytes = Math.round(
    (await Promise.all(sampleLegs.map((l) => sender.kafka.serde.encode(sender.kafka.topicName('callLegs'), 'call-leg', l)))).reduce((n, b) => n + b.length, 0) / sampleLegs.length,
  );

  console.log(`1/3 Kafka ceiling (${values['ceiling-records']} records of ~${legBytes} bytes)...`);
  const ceiling = await measureKafkaCeiling({
    kafka: sender.kafka.kafka,
    serde: sender.kafka.serde,
    prefix: `${prefix}ceiling.`,
    records: Number(values['ceiling-records']),
    valueBytes: legBytes,
  });

  console.log(`2/3 drain: ${backlogCalls} calls sent before the enricher starts...`);
  const backlog = new CallTraffic({ seed: 1, rate: 1000, startAt: Date.now() - 3_600_000, speedup: 0 }, false);
  const backlogLegs = backlog.due(Number.POSITIVE_INFINITY, backlogCalls).map((s) => s.leg);
  await sender.send(backlogLegs);

  // CALLHOOKS_SERVICE_NODE_ARGS go to the enricher's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it under the benchmark
  const enricher = new ServiceProcess('enricher', testEnv(prefix, { LOG_LEVEL: 'warn', ENRICHER_CLOSED_RETENTION_MS: values['closed-retention-ms']! }));
  try {
    await enricher.start().then((service) => service.ready());
    console.log('   enricher ready');
    // the drain is timed from the last look that saw nothing processed yet (200 ms resolution)
    let idleAt = Date.now();
    let busy = false;
    let last = await scrape(enricher);
    let reportedAt = Date.now();
    for (;;) {
      await sleep(200);
      const s = await scrape(enricher);
      if (s.legsProcessed === 0) idleAt = Date.now();
      else busy = true;
      if (Date.now() - reportedAt > 5000) {
        reportedAt = Date.now();
        console.log(`   ${s.legsProcessed} of ${backlogLegs.length} legs processed, ${s.eventsEmitted} events, ${s.openCalls} open calls`);
      }
      last = s;
      if (s.legsProcessed + s.deadLettered >= backlogLegs.length) break;
    }
    const drainSeconds = busy ? (Date.now() - idleAt) / 1000 : 0;
    const drain = { legs: backlogLegs.length, seconds: drainSeconds, legsPerSec: Math.round(backlogLegs.length / drainSeconds), eventsPerSec: Math.round(last.eventsEmitted / drainSeconds) };
    // let the backlog's timers (hangup, reporting) fire before the steady phase
    await sleep(7000);

    console.log(`3/3 steady traffic: ${rate} calls/s for ${durationS} s (each call played ${speedup}x faster than real time)...`);
    const traffic = new CallTraffic({ seed: 2, rate, startAt: Date.now(), speedup }, false);
    const rows: Array<Record<string, number | string>> = [];
    let previous = await scrape(enricher);
    let previousAt = Date.now();
    const started = Date.now();
    const sampler = setInterval(() => {
      void scrape(enricher).then((s) => {
        const now = Date.now();
        const dt = (now - previousAt) / 1000;
        rows.push({
          't (s)': Math.round((now - started) / 1000),
          'legs in /s': Math.round((s.legsProcessed - previous.legsProcessed) / dt),
          'events out /s': Math.round((s.eventsEmitted - previous.eventsEmitted) / dt),
          'open calls': s.openCalls,
          'closed markers': s.closedCalls,
          lag: s.lag,
          'RSS (MB)': mb(s.rssBytes),
          'heap (MB)': mb(s.heapBytes),
        });
        previous = s;
        previousAt = now;
      });
    }, sampleS * 1000);
    const sentBefore = sender.legsSent;
    const sent = await sender.play(traffic, { calls: Number.POSITIVE_INFINITY, until: () => Date.now() - started >= durationS * 1000 });
    clearInterval(sampler);
    await sleep(500);
    const end = await scrape(enricher);

    console.log('\nKafka ceiling on this machine (same run):');
    console.table({
      'produce (records/s, acks=all)': ceiling.produceRecordsPerSec,
      'consume raw (records/s)': ceiling.consumeRawRecordsPerSec,
      'consume + decode (records/s)': ceiling.consumeDecodedRecordsPerSec,
    });
    console.log('\nEnricher draining a backlog (its throughput ceiling; exactly-once transactions, changelog writes included):');
    console.table({
      'raw legs': drain.legs,
      seconds: Number(drain.seconds.toFixed(1)),
      'legs in /s': drain.legsPerSec,
      'events out /s (timers still firing at the end)': drain.eventsPerSec,
      '% of raw consume ceiling': Math.round((100 * drain.legsPerSec) / ceiling.consumeRawRecordsPerSec),
      '% of consume + decode ceiling': Math.round((100 * drain.legsPerSec) / ceiling.consumeDecodedRecordsPerSec),
    });
    console.log(`\nEnricher under steady traffic (${rate} calls/s, ${Math.round((sent.legsSent - sentBefore) / (sent.elapsedMs / 1000))} legs/s offered on average):`);
    console.table(rows);
    console.log(`end: open calls ${end.openCalls}, closed markers ${end.closedCalls}, lag ${end.lag}, RSS ${mb(end.rssBytes)} MB`);
    const stopping = Date.now();
    const stopped = await Promise.race([enricher.stop().then(() => true), sleep(30_000).then(() => false)]);
    console.log(stopped ? `graceful shutdown under load: ${Date.now() - stopping} ms` : 'graceful shutdown under load did not finish within 30 s');
  } finally {
    await enricher.kill();
    await sender.close();
    await deleteTestTopics(prefix);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
