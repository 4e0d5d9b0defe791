// npm run bench:delivery-log-writer -- --schema <schema> [--results 20000 --batch 200 --webhooks 50 --parts writer,health --history 0]
// The delivery log's writes alone, in this process, without Kafka: results shaped like the
// ingest bench's (delivery-results.producer.ts: 50 webhooks, 5% of deliveries with a second
// attempt a few batches later) through DeliveryLogWriter and WebhookHealthStore in batches, as
// the consumer calls them, into a schema of the bench database callhooks_bench (migrated first;
// name a seeded one, e.g. a copy of api.bench's, to write into a log of 1,000,000 deliveries).
// --history N gives each webhook N earlier results over the last 7 days first (not measured): the
// health aggregates of webhooks in use for a week rather than new ones. --ordered-ids true makes
// delivery ids that grow with time (as UUIDv7 would) instead of random ones.
// Prints CPU-seconds per 1,000 results of this process and of the PostgreSQL backend that
// served it (one connection, read from /proc), per part.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { TEST_SERVERS } from '@callhooks/testing';
import { MIGRATIONS } from '../src/database/migrations';
import { migrate } from '../src/database/postgres-migrations';
import { PostgresPool } from '../src/database/postgres-pool';
import { DeliveryLogWriter } from '../src/deliveries/delivery-log.writer';
import { WebhookHealthStore } from '../src/webhook-health/webhook-health.store';
import { IngestDeliveries, ingestResult } from './ingest-results';

/** Batches between a failed first attempt and its second one (about a second at 2,500/s in batches of 200). */
const RETRY_AFTER_BATCHES = 12;
const PARTITIONS = 3;

function backendCpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function apiCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string' },
      results: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '200' },
      webhooks: { type: 'string', default: '50' },
      parts: { type: 'string', default: 'writer,health' },
      history: { type: 'string', default: '0' },
      'ordered-ids': { type: 'string', default: 'false' },
    },
  });
  if (!values.schema) throw new Error('--schema is required');
  const url = new URL(TEST_SERVERS.postgresUrl);
  url.pathname = '/callhooks_bench';
  const postgres = new PostgresPool({ url: url.toString(), schema: values.schema, poolSize: 1 });
  await migrate(postgres.pool, values.schema, MIGRATIONS);
  const [{ pid }] = await postgres.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const writer = new DeliveryLogWriter(postgres);
  const health = new WebhookHealthStore(postgres);
  const parts = new Set(values.parts.split(','));
  const orderedIds = values['ordered-ids'] === 'true';

  const webhooks = Array.from({ length: Number(values.webhooks) }, () => randomUUID());
  // ordered: ids that grow with time, as UUIDv7 would
  const deliveries = new IngestDeliveries(webhooks, 'bench-ingest', orderedIds ? (i, now) => `ingest-${now.toString(36)}-${String(i).padStart(9, '0')}-${randomUUID()}` : undefined);
  const offsets = new Array<number>(PARTITIONS + 1).fill(0);
  const history = Number(values.history);
  if (history > 0 && parts.has('health')) {
    // a partition of its own, so that the measured batches' offsets come after
    const past: Array<ConsumedRecord<DeliveryAttemptResult>> = [];
    const start = Date.now();
    for (let i = 0; i < history; i++) {
      for (const webhookId of webhooks) {
        const ok = Math.random() > 0.1;
        const value = ingestResult({
          delivery_id: `history-${randomUUID()}`,
          webhook_id: webhookId,
          outcome: ok ? 'SUCCEEDED' : 'RETRYING',
          status_code: ok ? 200 : 503,
          error_class: ok ? null : 'http_status',
          latency_ms: Math.floor(Math.random() * 2000),
          response_snippet: null,
          attempted_at: start - Math.floor((i / history) * 7 * 24 * 3_600_000),
        });
        past.push({ topic: 'bench', partition: PARTITIONS, offset: String(offsets[PARTITIONS]++), key: value.delivery_id, value, headers: {}, timestamp: start });
      }
    }
    for (let i = 0; i < past.length; i += 1000) await health.apply(past.slice(i, i + 1000));
  }
  const later: Array<{ due: number; result: DeliveryAttemptResult }> = [];
  const total = Number(values.results);
  const size = Number(values.batch);
  let made = 0;
  let written = 0;
  const used = { writer: { api: 0, postgres: 0 }, health: { api: 0, postgres: 0 } };
  for (let batchNo = 0; made < total; batchNo++) {
    const batch: DeliveryAttemptResult[] = [];
    while (batch.length < size && later.length > 0 && later[0].due <= batchNo) batch.push(later.shift()!.result);
    while (batch.length < size && made + batch.length < total) {
      const { first, second } = deliveries.make(made + batch.length);
      batch.push(first);
      if (second) later.push({ due: batchNo + RETRY_AFTER_BATCHES, result: second });
    }
    made += batch.filter((r) => r.attempt === 1).length;
    written += batch.length;
    const records: Array<ConsumedRecord<DeliveryAttemptResult>> = batch.map((value, i) => {
      const partition = (batchNo + i) % PARTITIONS;
      return { topic: 'bench', partition, offset: String(offsets[partition]++), key: value.delivery_id, value, headers: {}, timestamp: Date.now() };
    });
    for (const part of ['writer', 'health'] as const) {
      if (!parts.has(part)) continue;
      const [api, pg] = [apiCpuSeconds(), backendCpuSeconds(pid)];
      if (part === 'writer') await writer.write(batch);
      else await health.apply(records);
      used[part].api += apiCpuSeconds() - api;
      used[part].postgres += backendCpuSeconds(pid) - pg;
    }
  }
  const per1000 = (s: number) => ((s / written) * 1000).toFixed(3);
  console.table(
    Object.entries(used)
      .filter(([part]) => parts.has(part))
      .map(([part, u]) => ({ part, results: written, 'API CPU-s per 1,000': per1000(u.api), 'PostgreSQL backend CPU-s per 1,000': per1000(u.postgres) })),
  );
  await postgres.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
