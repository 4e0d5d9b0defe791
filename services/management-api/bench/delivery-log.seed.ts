// Seeds a management API database with a delivery log and webhooks of a realistic size, with
// bulk inserts (the driver's insertMany, several batches in flight): the documents are those the
// delivery log and the webhooks feature write, so the API reads them as its own.
//
//   npm run seed:api -- --uri mongodb://127.0.0.1:27017/callhooks_seed [--deliveries 1000000 --webhooks 10000]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { mongo } from 'mongoose';
import { EVENT_NAMES } from '@callhooks/contracts';
import { dayOf, DeliveryRecordSchema } from '../src/deliveries/delivery.schema';
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

const BATCH = 1000;
const IN_FLIGHT = 4;
const STATUSES = [
  ['SUCCEEDED', 0.9],
  ['FAILED', 0.05],
  ['RETRYING', 0.03],
  ['GONE', 0.02],
] as const;

const SEED_MARKER = 'bench_seed';

/**
 * Fills the database (its indexes first, as the API declares them, so inserts pay for them as
 * the delivery log's writes do) and leaves a marker that seededSample() finds, so a benchmark
 * can reuse a seeded database instead of seeding it again.
 */
export async function seedDatabase(db: mongo.Db, options: SeedOptions): Promise<SeedSample> {
  await createIndexes(db);
  const webhookIds = await seedWebhooks(db, options);
  const sample = await seedDeliveries(db, options, webhookIds);
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
  for (const [collection, schema] of [
    ['deliveries', DeliveryRecordSchema],
    ['webhooks', WebhookSchema],
  ] as const) {
    for (const [keys, options] of schema.indexes())
      await db.collection(collection).createIndex(keys as mongo.IndexSpecification, options as mongo.CreateIndexesOptions);
  }
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

async function seedDeliveries(db: mongo.Db, o: SeedOptions, webhookIds: Map<string, string[]>): Promise<SeedSample> {
  const deliveries = db.collection<Record<string, unknown>>('deliveries');
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
  const make = (i: number): Record<string, unknown> => {
    const big = Math.random() < o.bigShare || others.length === 0;
    const customer = big ? o.bigCustomerId : others[i % others.length];
    const hooks = webhookIds.get(customer)!;
    const webhook = hooks[Math.floor(Math.random() * hooks.length)];
    if (i % 3 === 0) callUuid = randomUUID(); // a call makes a few deliveries
    const status = pickStatus();
    const createdAt = new Date(now - spanMs + Math.floor((i / o.deliveries) * spanMs));
    const attempts = Array.from({ length: status === 'SUCCEEDED' ? 1 : 3 }, (_, a) => ({
      attempt: a + 1,
      outcome: a === 2 || status === 'SUCCEEDED' ? status : 'RETRYING',
      status_code: status === 'SUCCEEDED' ? 200 : status === 'GONE' ? 410 : 503,
      error_class: status === 'SUCCEEDED' ? null : 'HTTP_5XX',
      latency_ms: 40 + (i % 200),
      response_snippet: status === 'SUCCEEDED' ? '{"ok":true}' : 'Service Unavailable',
      attempted_at: new Date(createdAt.getTime() + a * 30_000),
      next_attempt_at: null,
    }));
    const latest = attempts[attempts.length - 1];
    const id = `${webhook.slice(0, 8)}-${randomUUID()}`;
    if (big && !sample) sample = { customerId: customer, webhookId: webhook, callUuid, deliveryId: id };
    return {
      _id: id,
      customer_id: customer,
      webhook_id: webhook,
      environment_id: `env-${i % 5}`,
      event: EVENT_NAMES[i % EVENT_NAMES.length],
      event_id: randomUUID(),
      call_uuid: callUuid,
      origin: 'EVENT',
      method: 'POST',
      url: 'https://crm.example.com/hooks/calls',
      request_body: body,
      status,
      attempts,
      attempt_count: attempts.length,
      last_attempt_at: latest.attempted_at,
      next_attempt_at: null,
      created_at: createdAt,
      created_day: dayOf(createdAt),
      updated_at: latest.attempted_at,
      rev: attempts.length - 1,
    };
  };
  let next = 0;
  const worker = async () => {
    while (next < o.deliveries) {
      const from = next;
      next = Math.min(o.deliveries, next + BATCH);
      const docs: Array<Record<string, unknown>> = [];
      for (let i = from; i < next; i++) docs.push(make(i));
      await deliveries.insertMany(docs, { ordered: false });
      inserted += docs.length;
      o.onProgress?.(inserted);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
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
      customer: { type: 'string', default: 'seed-big-customer' },
      deliveries: { type: 'string', default: String(DEFAULT_SEED.deliveries) },
      webhooks: { type: 'string', default: String(DEFAULT_SEED.webhooks) },
    },
  });
  if (!values.uri || !/^mongodb:\/\/[^/]+\/\w+/.test(values.uri)) throw new Error('--uri mongodb://host:port/<database> is required (the database to fill)');
  const client = await mongo.MongoClient.connect(values.uri);
  try {
    const started = Date.now();
    const total = Number(values.deliveries);
    const sample = await seedDatabase(client.db(), {
      ...DEFAULT_SEED,
      bigCustomerId: values.customer,
      deliveries: total,
      webhooks: Number(values.webhooks),
      onProgress: (n) => n % 50_000 === 0 && process.stdout.write(`\r${n}/${total} deliveries`),
    });
    console.log(`\nseeded ${values.deliveries} deliveries and ${values.webhooks} webhooks in ${((Date.now() - started) / 1000).toFixed(0)} s; sample:`, sample);
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
