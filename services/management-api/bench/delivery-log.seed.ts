// Seeds a management API with a delivery log and webhooks of a realistic size, with bulk inserts
// (several batches in flight): webhooks into MongoDB (the driver's insertMany), deliveries and
// their attempts into the delivery log's PostgreSQL tables (multi-row inserts of 5,000): the rows
// are those the delivery log and the webhooks feature write, so the API reads them as its own.
//
//   npm run seed:api -- --uri mongodb://127.0.0.1:27017/callhooks_seed --postgres postgres://postgres@127.0.0.1:55432/callhooks --schema callhooks_seed [--deliveries 1000000 --webhooks 10000]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { mongo } from 'mongoose';
import { Pool } from 'pg';
import { EVENT_NAMES } from '@callhooks/contracts';
import { MIGRATIONS } from '../src/database/migrations';
import { migrate } from '../src/database/postgres-migrations';
import type { StoredAttempt } from '../src/deliveries/delivery.model';
import { WebhookSchema } from '../src/webhooks/webhook.schema';

export interface SeedOptions {
  /** The customer the benchmark reads: it owns `bigWebhooks` webhooks and `bigShare` of the deliveries. */
  bigCustomerId: string;
  deliveries: number;
  webhooks: number;
  bigWebhooks: number;
  bigShare: number;
  /** Other customers, sharing the remaining webhooks and deliveries evenly. */
  otherCustomers: number;
  /** Deliveries are spread over this many days before now (inside the retention period). */
  spanDays: number;
  /** A webhook document to copy (one made through the API); a plain one when absent. */
  webhookTemplate?: Record<string, unknown>;
  onProgress?: (inserted: number) => void;
}

export const DEFAULT_SEED: Omit<SeedOptions, 'bigCustomerId'> = {
  deliveries: 1_000_000,
  webhooks: 10_000,
  bigWebhooks: 1_000,
  bigShare: 0.1,
  otherCustomers: 99,
  spanDays: 6,
};

/** Values of the big customer's data that the benchmark's filters and look-ups use. */
export interface SeedSample {
  customerId: string;
  webhookId: string;
  callUuid: string;
  deliveryId: string;
}

const BATCH = 5000;
const IN_FLIGHT = 2;
const STATUSES = [
  ['SUCCEEDED', 0.9],
  ['FAILED', 0.05],
  ['RETRYING', 0.03],
  ['GONE', 0.02],
] as const;

const SEED_MARKER = 'bench_seed';

/**
 * Fills the databases (indexes first, as the API declares them, so inserts pay for them as
 * the API's writes do; `pg` works in the delivery log's schema, migrated) and leaves a marker
 * in MongoDB that seededSample() finds, so a benchmark can reuse a seeded database instead of
 * seeding it again.
 */
export async function seedDatabase(db: mongo.Db, pg: Pool, options: SeedOptions): Promise<SeedSample> {
  await createIndexes(db);
  const webhookIds = await seedWebhooks(db, options);
  // written past the API: its next start copies them into the webhook list (webhooks/webhook-list.ts)
  await pg.query('DELETE FROM webhook_list_fill');
  const sample = await seedDeliveries(pg, options, webhookIds);
  await db
    .collection<Record<string, unknown> & { _id: string }>(SEED_MARKER)
    .insertOne({ _id: 'seed', deliveries: options.deliveries, webhooks: options.webhooks, ...sample });
  return sample;
}

/** The sample of a database seeded before with at least these numbers, or null. */
export async function seededSample(db: mongo.Db, deliveries: number, webhooks: number): Promise<SeedSample | null> {
  const marker = await db.collection<{ _id: string } & SeedSample & { deliveries: number; webhooks: number }>(SEED_MARKER).findOne({ _id: 'seed' });
  if (!marker || marker.deliveries < deliveries || marker.webhooks < webhooks) return null;
  return { customerId: marker.customerId, webhookId: marker.webhookId, callUuid: marker.callUuid, deliveryId: marker.deliveryId };
}

async function createIndexes(db: mongo.Db): Promise<void> {
  for (const [keys, options] of WebhookSchema.indexes())
    await db.collection('webhooks').createIndex(keys as mongo.IndexSpecification, options as mongo.CreateIndexesOptions);
}

/** Webhooks, returned by customer. Copies of the template with fresh ids, already published. */
async function seedWebhooks(db: mongo.Db, o: SeedOptions): Promise<Map<string, string[]>> {
  const byCustomer = new Map<string, string[]>();
  const template = o.webhookTemplate ?? {
    version: 1,
    enabled: true,
    event: 'Call:Hangup',
    method: 'POST',
    url: 'https://crm.example.com/hooks/calls',
    body: '{"call": "{{uuid}}"}',
    headers: [],
    description: 'seeded',
    disabled_reason: null,
    secrets: [{ secret: `whsec_${randomBytes(24).toString('base64')}`, created_at: new Date(), expires_at: null }],
    deleted_at: null,
  };
  const others = otherCustomerIds(o);
  const otherCount = Math.max(0, o.webhooks - o.bigWebhooks);
  const docs: Array<Record<string, unknown>> = [];
  const start = Date.now() - 1000 * o.webhooks;
  for (let i = 0; i < o.bigWebhooks + otherCount; i++) {
    const customer = i < o.bigWebhooks ? o.bigCustomerId : others[(i - o.bigWebhooks) % others.length];
    const id = randomUUID();
    byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), id]);
    docs.push({
      ...template,
      _id: id,
      customer_id: customer,
      event: EVENT_NAMES[i % EVENT_NAMES.length],
      created_at: new Date(start + i),
      updated_at: new Date(start + i),
      published_version: 1,
      publish_pending: false,
    });
  }
  const webhooks = db.collection<Record<string, unknown>>('webhooks');
  for (let i = 0; i < docs.length; i += BATCH) await webhooks.insertMany(docs.slice(i, i + BATCH), { ordered: false });
  return byCustomer;
}

async function seedDeliveries(pg: Pool, o: SeedOptions, webhookIds: Map<string, string[]>): Promise<SeedSample> {
  const others = otherCustomerIds(o).filter((c) => webhookIds.has(c));
  const now = Date.now();
  const spanMs = o.spanDays * 24 * 3_600_000;
  const body = JSON.stringify({
    call: 'x'.repeat(36),
    from: '+972501234567',
    to: '+97231234567',
    state: 'ANSWER',
    summary: 'inbound call, 00:01:05',
    note: 'y'.repeat(120),
  });
  let sample: SeedSample | undefined;
  let callUuid = randomUUID();
  let inserted = 0;
  const make = (i: number, deliveries: unknown[][]): void => {
    const big = Math.random() < o.bigShare || others.length === 0;
    const customer = big ? o.bigCustomerId : others[i % others.length];
    const hooks = webhookIds.get(customer)!;
    const webhook = hooks[Math.floor(Math.random() * hooks.length)];
    if (i % 3 === 0) callUuid = randomUUID(); // a call makes a few deliveries
    const status = pickStatus();
    const createdAt = new Date(now - spanMs + Math.floor((i / o.deliveries) * spanMs));
    const count = status === 'SUCCEEDED' ? 1 : 3;
    const id = `${webhook.slice(0, 8)}-${randomUUID()}`;
    const attempts: StoredAttempt[] = Array.from({ length: count }, (_, a) => ({
      attempt: a + 1,
      outcome: a === 2 || status === 'SUCCEEDED' ? status : 'RETRYING',
      status_code: status === 'SUCCEEDED' ? 200 : status === 'GONE' ? 410 : 503,
      error_class: status === 'SUCCEEDED' ? null : 'HTTP_5XX',
      latency_ms: 40 + (i % 200),
      response_snippet: status === 'SUCCEEDED' ? '{"ok":true}' : 'Service Unavailable',
      attempted_at: createdAt.getTime() + a * 30_000,
      next_attempt_at: null,
    }));
    const lastAt = new Date(createdAt.getTime() + (count - 1) * 30_000);
    if (big && !sample) sample = { customerId: customer, webhookId: webhook, callUuid, deliveryId: id };
    const row = [
      id,
      customer,
      webhook,
      `env-${i % 5}`,
      EVENT_NAMES[i % EVENT_NAMES.length],
      randomUUID(),
      callUuid,
      'EVENT',
      'POST',
      'https://crm.example.com/hooks/calls',
      body,
      status,
      count,
      lastAt,
      null,
      createdAt,
      lastAt,
      JSON.stringify(attempts),
    ];
    row.forEach((v, c) => deliveries[c].push(v));
  };
  let next = 0;
  const worker = async () => {
    while (next < o.deliveries) {
      const from = next;
      const to = Math.min(o.deliveries, next + BATCH);
      next = to;
      const deliveries: unknown[][] = Array.from({ length: 18 }, () => []);
      for (let i = from; i < to; i++) make(i, deliveries);
      // multi-row inserts of the columns as arrays, as the delivery log's writer does
      await pg.query(
        `INSERT INTO deliveries (id, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at, created_at, updated_at, attempts)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::jsonb[])`,
        deliveries,
      );
      inserted += to - from;
      o.onProgress?.(inserted);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  // fresh statistics and visibility map: the planner picks the indexes, counts are index-only
  await pg.query('VACUUM (ANALYZE) deliveries');
  if (!sample) throw new Error('no delivery of the big customer was seeded');
  return sample;
}

function otherCustomerIds(o: SeedOptions): string[] {
  return Array.from({ length: o.otherCustomers }, (_, i) => `seed-customer-${String(i + 1).padStart(3, '0')}`);
}

function pickStatus(): string {
  let r = Math.random();
  for (const [status, share] of STATUSES) {
    if (r < share) return status;
    r -= share;
  }
  return 'SUCCEEDED';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      uri: { type: 'string' },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:55432/callhooks' },
      schema: { type: 'string', default: 'callhooks' },
      customer: { type: 'string', default: 'seed-big-customer' },
      deliveries: { type: 'string', default: String(DEFAULT_SEED.deliveries) },
      webhooks: { type: 'string', default: String(DEFAULT_SEED.webhooks) },
    },
  });
  if (!values.uri || !/^mongodb:\/\/[^/]+\/\w+/.test(values.uri)) throw new Error('--uri mongodb://host:port/<database> is required (the database to fill)');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(values.schema!)) throw new Error('--schema must be a lower-case SQL identifier');
  const client = await mongo.MongoClient.connect(values.uri);
  const pg = new Pool({ connectionString: values.postgres, max: 2, options: `-c search_path=${values.schema}` });
  try {
    await migrate(pg, values.schema!, MIGRATIONS);
    const started = Date.now();
    const total = Number(values.deliveries);
    const sample = await seedDatabase(client.db(), pg, {
      ...DEFAULT_SEED,
      bigCustomerId: values.customer,
      deliveries: total,
      webhooks: Number(values.webhooks),
      onProgress: (n) => n % 50_000 === 0 && process.stdout.write(`\r${n}/${total} deliveries`),
    });
    console.log(`\nseeded ${values.deliveries} deliveries and ${values.webhooks} webhooks in ${((Date.now() - started) / 1000).toFixed(0)} s; sample:`, sample);
  } finally {
    await client.close();
    await pg.end();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
