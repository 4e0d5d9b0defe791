import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { dropTestPostgresSchema, requireServers, TEST_SERVERS, testDeliveryResult, testPostgresSchema, uniquePrefix } from '@callhooks/testing';
import { MIGRATIONS } from '../src/database/migrations';
import { migrate } from '../src/database/postgres-migrations';
import { PostgresPool } from '../src/database/postgres-pool';
import { applyResults, emptyHealth, HEALTH_WINDOWS, windowStats, type HealthState } from '../src/webhook-health/health-buckets';
import { stateOf, WebhookHealthStore } from '../src/webhook-health/webhook-health.store';

jest.setTimeout(60_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Results of every kind over the last 8 days, latencies across the bins: half in the last 50
 * minutes (minute buckets), the rest over the 7 days kept, a tenth of those 7.5 days back (not
 * counted). Clear of the edges of what is kept, so a minute or an hour turning during the test
 * changes nothing.
 */
function mixedResults(webhookId: string, count: number, now: number): DeliveryAttemptResult[] {
  const outcomes: Array<Partial<DeliveryAttemptResult>> = [
    { outcome: 'SUCCEEDED', status_code: 200, error_class: null },
    { outcome: 'RETRYING', status_code: 503, error_class: 'http_status' },
    { outcome: 'FAILED', status_code: 404, error_class: 'http_status' },
    { outcome: 'RETRYING', status_code: null, error_class: 'timeout' },
    { outcome: 'RETRYING', status_code: null, error_class: 'connection_refused' },
    { outcome: 'BLOCKED', status_code: null, error_class: 'blocked_address' },
    { outcome: 'BREAKER_OPEN', status_code: null, error_class: 'breaker_open' },
    { outcome: 'SUCCEEDED', status_code: 302, error_class: null },
  ];
  return Array.from({ length: count }, (_, i) =>
    testDeliveryResult({
      delivery_id: `d-${webhookId}-${i}`,
      webhook_id: webhookId,
      customer_id: 'cust-h',
      attempted_at:
        i % 2 === 0 ? now - ((i * 7919) % (50 * MINUTE)) : i % 10 === 1 ? now - 7.5 * 24 * HOUR - i * 1000 : now - ((i * 104_729 * 1000) % (6.9 * 24 * HOUR)),
      latency_ms: (i * 37) % 70_000,
      ...outcomes[i % outcomes.length],
    }),
  );
}

function records(results: DeliveryAttemptResult[], partition: number, firstOffset: number): Array<ConsumedRecord<DeliveryAttemptResult>> {
  return results.map((value, i) => ({ topic: 'results', partition, offset: String(firstOffset + i), key: null, headers: {}, timestamp: 0, value }));
}

function figures(state: HealthState, now: number) {
  return HEALTH_WINDOWS.map((w) => windowStats(state, w, now));
}

describe('webhook health aggregates on PostgreSQL (integration, real PostgreSQL)', () => {
  const prefix = uniquePrefix('health-pg');
  const schema = testPostgresSchema(prefix);
  let postgres: PostgresPool;
  let store: WebhookHealthStore;

  beforeAll(async () => {
    await requireServers(['postgres']);
    postgres = new PostgresPool({ url: TEST_SERVERS.postgresUrl, schema, poolSize: 4 });
    await migrate(postgres.pool, schema, MIGRATIONS);
    store = new WebhookHealthStore(postgres);
  });

  afterAll(async () => {
    await postgres?.close();
    await dropTestPostgresSchema(prefix);
  });

  it('adds batches to the stored buckets: every window as the same results folded in memory give, and a replayed batch counts once', async () => {
    const now = Date.now();
    const results = mixedResults('wh-sum', 600, now);
    // in batches of 50 over two partitions, then the first batch of each read again
    for (let i = 0; i < results.length; i += 50) await store.apply(records(results.slice(i, i + 50), (i / 50) % 2, i));
    await store.apply(records(results.slice(0, 50), 0, 0));
    await store.apply(records(results.slice(50, 100), 1, 50));
    const expected = applyResults(emptyHealth(), results, now);
    const stored = stateOf((await store.get('wh-sum'))!);
    expect(figures(stored, now)).toEqual(figures(expected, now));
    expect(stored).toMatchObject({
      consecutive_failures: expected.consecutive_failures,
      failing_since: expected.failing_since,
      last_success: expected.last_success,
      last_failure: expected.last_failure,
      breaker_open_at: expected.breaker_open_at,
      last_attempt_at: expected.last_attempt_at,
    });
    // the list page: the last 24 h from the hour buckets
    const page = (await store.getMany(['wh-sum', 'wh-none'])).get('wh-sum')!;
    expect(windowStats(stateOf(page), '24h', now)).toEqual(windowStats(expected, '24h', now));
    expect((await store.getMany(['wh-none'])).size).toBe(0);
  });

  it('drops the buckets past what is kept when the webhook is next written, and no reader shows one meanwhile', async () => {
    const now = Date.now();
    const expired = (days: number) =>
      postgres.query(`INSERT INTO webhook_health_buckets (webhook_id, unit, t, attempts, successes, failures, latency) VALUES ('wh-old', 'hour', $1, 1, 1, '{}', '{}')`, [
        Math.floor((now - days * 24 * HOUR) / HOUR) * HOUR,
      ]);
    // buckets left from long ago, as rows last written 8 days back would be
    await store.apply(records([testDeliveryResult({ webhook_id: 'wh-old', customer_id: 'cust-h', attempted_at: now - 2 * 24 * HOUR })], 0, 0));
    await expired(8);
    // two results of the same minute (and hour), in two batches: a new store prunes at its first write
    const at = Math.floor(now / MINUTE) * MINUTE;
    const fresh = new WebhookHealthStore(postgres);
    await fresh.apply(records([testDeliveryResult({ webhook_id: 'wh-old', customer_id: 'cust-h', attempted_at: at })], 0, 1));
    // and once a minute: this one, left by the writes of this minute, only readers skip
    await expired(9);
    await fresh.apply(records([testDeliveryResult({ webhook_id: 'wh-old', customer_id: 'cust-h', attempted_at: at + 1000 })], 0, 2));
    const rows = await postgres.query<{ unit: string; t: string; attempts: number }>(`SELECT unit, t, attempts FROM webhook_health_buckets WHERE webhook_id = 'wh-old' ORDER BY unit, t`);
    expect(rows).toEqual([
      { unit: 'hour', t: String(Math.floor((now - 9 * 24 * HOUR) / HOUR) * HOUR), attempts: 1 },
      { unit: 'hour', t: String(Math.floor((now - 2 * 24 * HOUR) / HOUR) * HOUR), attempts: 1 },
      { unit: 'hour', t: String(Math.floor(at / HOUR) * HOUR), attempts: 2 },
      { unit: 'minute', t: String(at), attempts: 2 },
    ]);
    const read = stateOf((await fresh.get('wh-old'))!);
    expect(read.hours.map((b) => b.t)).toEqual([Math.floor((now - 2 * 24 * HOUR) / HOUR) * HOUR, Math.floor(at / HOUR) * HOUR]);
    expect(windowStats(read, '7d', now).attempts).toBe(3);
  });
});

describe('webhook health: text PostgreSQL cannot hold (integration, real PostgreSQL)', () => {
  const prefix = uniquePrefix('health-nul');
  const schema = testPostgresSchema(prefix);
  let postgres: PostgresPool;

  beforeAll(async () => {
    await requireServers(['postgres']);
    postgres = new PostgresPool({ url: TEST_SERVERS.postgresUrl, schema, poolSize: 2 });
    await migrate(postgres.pool, schema, MIGRATIONS);
  });

  afterAll(async () => {
    await postgres?.close();
    await dropTestPostgresSchema(prefix);
  });

  it('keeps a failure whose error class holds U+0000 or a lone surrogate, as U+FFFD', async () => {
    const store = new WebhookHealthStore(postgres);
    const failed = (error: string, offset: number) =>
      records([testDeliveryResult({ webhook_id: 'wh-nul', customer_id: 'cust-h', outcome: 'RETRYING', status_code: null, error_class: error, attempted_at: Date.now() + offset })], 0, offset);
    await store.apply(failed('bad\u0000class', 0));
    expect((await store.get('wh-nul'))!.last_failure).toMatchObject({ error: 'bad\uFFFDclass' });
    await store.apply(failed('bad\uD800class', 1));
    expect((await store.get('wh-nul'))!.last_failure).toMatchObject({ error: 'bad\uFFFDclass' });
    expect(windowStats(stateOf((await store.get('wh-nul'))!), '1h', Date.now() + 1).failures.other).toBe(2);
  });
});

describe('the health buckets migration (0004) on a database of 0003 (integration, real PostgreSQL)', () => {
  const prefix = uniquePrefix('health-mig');
  const schema = testPostgresSchema(prefix);
  let postgres: PostgresPool;

  beforeAll(async () => {
    await requireServers(['postgres']);
    postgres = new PostgresPool({ url: TEST_SERVERS.postgresUrl, schema, poolSize: 2 });
  });

  afterAll(async () => {
    await postgres?.close();
    await dropTestPostgresSchema(prefix);
  });

  it('moves the JSON buckets of existing rows into bucket rows: the same figures after the upgrade', async () => {
    await migrate(postgres.pool, schema, MIGRATIONS.filter((m) => m.version <= 3));
    const now = Date.now();
    const before = applyResults(emptyHealth(), mixedResults('wh-up', 400, now), now);
    // the row as the store before 0004 wrote it
    await postgres.query(
      `INSERT INTO webhook_health (webhook_id, customer_id, minutes, hours, last_success, last_failure, consecutive_failures, failing_since, streak, streak_overflow, breaker_open_at, last_attempt_at, applied_offsets)
       VALUES ('wh-up', 'cust-h', $1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10, '{"0": 399}')`,
      [
        JSON.stringify(before.minutes),
        JSON.stringify(before.hours),
        JSON.stringify(before.last_success),
        JSON.stringify(before.last_failure),
        before.consecutive_failures,
        before.failing_since,
        JSON.stringify(before.streak),
        before.streak_overflow,
        before.breaker_open_at,
        before.last_attempt_at,
      ],
    );
    expect(await migrate(postgres.pool, schema, MIGRATIONS)).toEqual(MIGRATIONS.filter((m) => m.version > 3).map((m) => m.version));
    const store = new WebhookHealthStore(postgres);
    const after = stateOf((await store.get('wh-up'))!);
    expect(figures(after, now)).toEqual(figures(before, now));
    expect(after).toMatchObject({ consecutive_failures: before.consecutive_failures, last_success: before.last_success, last_failure: before.last_failure });
    // and it goes on from there: a replayed offset changes nothing, a new one counts
    await store.apply(records([testDeliveryResult({ webhook_id: 'wh-up', customer_id: 'cust-h', attempted_at: now })], 0, 399));
    expect(windowStats(stateOf((await store.get('wh-up'))!), '1h', now).attempts).toBe(windowStats(before, '1h', now).attempts);
    await store.apply(records([testDeliveryResult({ webhook_id: 'wh-up', customer_id: 'cust-h', attempted_at: now })], 0, 400));
    expect(windowStats(stateOf((await store.get('wh-up'))!), '1h', now).attempts).toBe(windowStats(before, '1h', now).attempts + 1);
  });
});
