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

/** Share of deliveries whose first attempt fails and is followed by a second result (the log's update path). */
const RETRIED_SHARE = 0.05;
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

  const webhooks = Array.from({ length: 50 }, () => randomUUID());
  const retries: DeliveryAttemptResult[] = [];
  const body = JSON.stringify({ call: randomUUID(), from: '+972501234567', to: '+97231234567', state: 'HANGUP', summary: 'inbound call, 00:01:05' });
  let callUuid = randomUUID();
  const fresh = (i: number): DeliveryAttemptResult => {
    if (i % 3 === 0) callUuid = randomUUID();
    const retried = Math.random() < RETRIED_SHARE;
    const now = Date.now();
    const result: DeliveryAttemptResult = {
      delivery_id: `ingest-${randomUUID()}`,
      webhook_id: webhooks[i % webhooks.length],
      customer_id: values.customer!,
      environment_id: 'env-1',
      event_id: randomUUID(),
      event: 'Call:Hangup',
      call_uuid: callUuid,
      origin: 'EVENT',
      attempt: 1,
      outcome: retried ? 'RETRYING' : 'SUCCEEDED',
      status_code: retried ? 503 : 200,
      error_class: retried ? 'http_status' : null,
      latency_ms: 42,
      response_snippet: retried ? 'Service Unavailable' : '{"ok":true}',
      method: 'POST',
      url: 'https://crm.example.com/hooks/calls',
      request_body: body,
      attempted_at: now,
      next_attempt_at: retried ? now + 1000 : null,
    };
    if (retried)
      retries.push({
        ...result,
        attempt: 2,
        outcome: 'SUCCEEDED',
        status_code: 200,
        error_class: null,
        response_snippet: '{"ok":true}',
        attempted_at: now + 1000,
        next_attempt_at: null,
      });
    return result;
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
