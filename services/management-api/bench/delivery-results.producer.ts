// Produces delivery results to the delivery-results topic at a steady rate, as the dispatcher
// would: a process of its own, so that the benchmark's CPU figures hold the delivery log's
// consumer and not this producer. Started by api.bench.ts; prints `sent <n>` about every second
// and `done <n>` at the end.
//
//   node delivery-results.producer.js --prefix <topic prefix> --count 30000 --rate 2500 --customer bench-ingest
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { testKafkaSettings } from '@callhooks/testing';
import { IngestDeliveries } from './ingest-results';

const TICK_MS = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prefix: { type: 'string' },
      count: { type: 'string', default: '30000' },
      rate: { type: 'string', default: '2500' },
      customer: { type: 'string', default: 'bench-ingest' },
    },
  });
  if (!values.prefix) throw new Error('--prefix is required');
  const count = Number(values.count);
  const rate = Number(values.rate);
  const kafka = new KafkaContext(
    { service: 'bench-results-producer', logLevel: 'warn', ...testKafkaSettings(values.prefix) },
    new Registry(),
    new ReadinessChecks(),
  );
  await (await kafka.provisioner()).ensure({ produces: ['deliveryResults'] });

  const deliveries = new IngestDeliveries(Array.from({ length: 50 }, () => randomUUID()), values.customer!);
  const retries: DeliveryAttemptResult[] = [];
  const fresh = (i: number): DeliveryAttemptResult => {
    const { first, second } = deliveries.make(i);
    if (second) retries.push(second);
    return first;
  };

  const started = Date.now();
  let sent = 0;
  let made = 0;
  let lastReport = started;
  while (sent < count) {
    // as many as the rate allows by now: second attempts whose time has come first
    const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate)) - sent;
    if (due > 0) {
      const batch: DeliveryAttemptResult[] = [];
      while (batch.length < due && retries.length > 0 && retries[0].attempted_at <= Date.now()) batch.push(retries.shift()!);
      while (batch.length < due) batch.push(fresh(made++));
      await kafka.send(
        'deliveryResults',
        batch.map((r) => ({ key: r.delivery_id, value: r })),
      );
      sent += batch.length;
    }
    if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now();
      console.log(`sent ${sent}`);
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  console.log(`done ${sent} ${Date.now() - started}`);
  await kafka.onApplicationShutdown();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
