import { Pool, type PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { RetryableError, type DeliveryAttemptResult, type DeliveryJob } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import {
  dropTestPostgresSchema,
  eventually,
  requireServers,
  TEST_SERVERS,
  testDeliveryResult,
  testKafkaSettings,
  testPostgresSchema,
  TcpProxy,
  TopicCollector,
  uniquePrefix,
} from '@callhooks/testing';
import { encodeCursor } from '../src/common/pagination';
import { MIGRATIONS } from '../src/database/migrations';
import { migrate } from '../src/database/postgres-migrations';
import { PostgresPool } from '../src/database/postgres-pool';
import { DeliveryLogWriter } from '../src/deliveries/delivery-log.writer';
import { DeliveryQueries } from '../src/deliveries/delivery-queries';
import { DeliveryResend } from '../src/deliveries/delivery-resend';
import { DeliveryRetention } from '../src/deliveries/delivery-retention';

jest.setTimeout(60_000);

const DAY = 24 * 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 12);

function result(
  deliveryId: string,
  attempt: number,
  outcome: DeliveryAttemptResult['outcome'],
  over: Partial<DeliveryAttemptResult> = {},
): DeliveryAttemptResult {
  return testDeliveryResult({
    delivery_id: deliveryId,
    webhook_id: 'wh-1',
    customer_id: 'cust-a',
    environment_id: 'env-1',
    event_id: `evt-${deliveryId}`,
    call_uuid: 'call-1',
    attempt,
    outcome,
    status_code: outcome === 'SUCCEEDED' ? 200 : null,
    error_class: outcome === 'SUCCEEDED' ? null : 'timeout',
    latency_ms: 10 * attempt,
    url: 'https://crm.example.com/hooks',
    request_body: '{}',
    attempted_at: T0 + attempt * 1000,
    next_attempt_at: outcome === 'RETRYING' || outcome === 'BREAKER_OPEN' ? T0 + attempt * 1000 + 60_000 : null,
    ...over,
  });
}

/** A writer whose batches join the open transaction of `client` (another consumer's, held uncommitted by the test). */
function writerIn(client: PoolClient): DeliveryLogWriter {
  return new DeliveryLogWriter({ transaction: async (work: (c: PoolClient) => Promise<unknown>) => work(client) } as unknown as PostgresPool);
}

/** Until a statement starting with `statement` waits on a lock of another transaction. */
async function waitingOnLock(postgres: PostgresPool, statement: string): Promise<void> {
  await eventually(
    async () => {
      const [waiting] = await postgres.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(query, $1) AND pid <> pg_backend_pid()`,
        [statement],
      );
      expect(waiting.n).toBeGreaterThan(0);
    },
    10_000,
    50,
  );
}

describe('the delivery log on PostgreSQL (integration, real PostgreSQL)', () => {
  const prefix = uniquePrefix('dlog-pg');
  const schema = testPostgresSchema(prefix);
  let postgres: PostgresPool;
  let writer: DeliveryLogWriter;
  let queries: DeliveryQueries;

  beforeAll(async () => {
    await requireServers(['postgres']);
    postgres = new PostgresPool({ url: TEST_SERVERS.postgresUrl, schema, poolSize: 4 });
    writer = new DeliveryLogWriter(postgres);
    queries = new DeliveryQueries(postgres);
  });

  afterAll(async () => {
    await postgres?.close();
    await dropTestPostgresSchema(prefix);
  });

  it('applies the migrations once when several instances start together, and nothing on the next start', async () => {
    const pools = Array.from({ length: 3 }, () => new Pool({ connectionString: TEST_SERVERS.postgresUrl, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p, schema, MIGRATIONS)));
      expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(pools[0], schema, MIGRATIONS)).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const tables = await postgres.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'deliveries',
      'schema_migrations',
      'webhook_health',
      'webhook_health_buckets',
      'webhook_list',
      'webhook_list_fill',
    ]);
  });

  it('moves the stored attempts into their deliveries’ rows on upgrade (migration 6), in order, with their times', async () => {
    const upgradePrefix = `${prefix}-upgrade`;
    const upgradeSchema = testPostgresSchema(upgradePrefix);
    const pool = new Pool({ connectionString: TEST_SERVERS.postgresUrl, max: 1 });
    const upgraded = new PostgresPool({ url: TEST_SERVERS.postgresUrl, schema: upgradeSchema, poolSize: 1 });
    try {
      await migrate(
        pool,
        upgradeSchema,
        MIGRATIONS.filter((m) => m.version < 6),
      );
      // two deliveries as the writer before it stored them: one with two attempts (stored out of order), one with none
      await pool.query(
        `INSERT INTO ${upgradeSchema}.deliveries (id, customer_id, webhook_id, event, event_id, call_uuid, origin, method, url, status, attempt_count, created_at, updated_at)
         VALUES ('d-up', 'cust-up', 'wh-1', 'Call:Hangup', 'evt-up', 'call-1', 'EVENT', 'POST', 'https://crm.example.com/hooks', 'SUCCEEDED', 2, $1, $1),
                ('d-none', 'cust-up', 'wh-1', 'Call:Hangup', 'evt-none', null, 'EVENT', 'POST', 'https://crm.example.com/hooks', 'PENDING', 0, $1, $1)`,
        [new Date(T0)],
      );
      await pool.query(
        `INSERT INTO ${upgradeSchema}.delivery_attempts (delivery_id, attempt, outcome, status_code, error_class, latency_ms, response_snippet, attempted_at, next_attempt_at)
         VALUES ('d-up', 2, 'SUCCEEDED', 200, null, 12, 'ok', $2, null), ('d-up', 1, 'RETRYING', 503, 'http_5xx', 30, 'busy', $1, $3)`,
        [new Date(T0 + 1001), new Date(T0 + 61_002), new Date(T0 + 61_000)],
      );
      expect(await migrate(pool, upgradeSchema, MIGRATIONS)).toEqual([6]);
      expect(await new DeliveryQueries(upgraded).get('cust-up', 'd-up')).toMatchObject({
        status: 'SUCCEEDED',
        attempts: [
          {
            attempt: 1,
            outcome: 'RETRYING',
            status_code: 503,
            error_class: 'http_5xx',
            latency_ms: 30,
            response_snippet: 'busy',
            attempted_at: new Date(T0 + 1001),
            next_attempt_at: new Date(T0 + 61_000),
          },
          {
            attempt: 2,
            outcome: 'SUCCEEDED',
            status_code: 200,
            error_class: null,
            latency_ms: 12,
            response_snippet: 'ok',
            attempted_at: new Date(T0 + 61_002),
            next_attempt_at: null,
          },
        ],
      });
      expect((await new DeliveryQueries(upgraded).get('cust-up', 'd-none')).attempts).toEqual([]);
      // the rebuilt table serves the lists from the same indexes
      const indexes = await pool.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname', [
        upgradeSchema,
        'deliveries',
      ]);
      expect(indexes.rows.map((r) => r.indexname)).toEqual([
        'deliveries_customer',
        'deliveries_customer_call',
        'deliveries_customer_event',
        'deliveries_customer_status',
        'deliveries_customer_webhook',
        'deliveries_pkey',
      ]);
      // and the writer goes on from there
      await new DeliveryLogWriter(upgraded).write([result('d-up', 3, 'FAILED', { customer_id: 'cust-up' })]);
      expect((await new DeliveryQueries(upgraded).get('cust-up', 'd-up')).attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    } finally {
      await upgraded.close();
      await pool.end();
      await dropTestPostgresSchema(upgradePrefix);
    }
  });

  it('creates a delivery from its first result, updates it from later ones, in any order and across batches, each attempt once', async () => {
    // attempt 2 before attempt 1 (another batch), attempt 1 read twice, then a breaker-open reschedule
    await writer.write([result('d-order', 2, 'RETRYING')]);
    await writer.write([result('d-order', 1, 'RETRYING'), result('d-order', 1, 'RETRYING', { latency_ms: 99 })]);
    let d = await queries.get('cust-a', 'd-order');
    expect(d).toMatchObject({ status: 'RETRYING', attempt_count: 2, created_at: new Date(T0 + 2000), next_attempt_at: new Date(T0 + 62_000) });
    expect(d.attempts.map((a) => [a.attempt, a.latency_ms])).toEqual([
      [1, 99],
      [2, 20],
    ]);
    await writer.write([result('d-order', 3, 'BREAKER_OPEN'), result('d-order', 4, 'SUCCEEDED')]);
    await writer.write([result('d-order', 3, 'BREAKER_OPEN')]); // a replay of an older result
    d = await queries.get('cust-a', 'd-order');
    expect(d).toMatchObject({
      status: 'SUCCEEDED',
      attempt_count: 3,
      last_attempt_at: new Date(T0 + 4000),
      next_attempt_at: null,
      created_at: new Date(T0 + 2000),
    });
    expect(d.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('reads a batch again (after a crash) without change: new deliveries met in the log, a later attempt among them, nothing lost or doubled', async () => {
    const customer = { customer_id: 'cust-replay' };
    const first = [result('d-rp-1', 1, 'SUCCEEDED', customer), result('d-rp-2', 1, 'RETRYING', customer), result('d-rp-3', 1, 'FAILED', customer)];
    const second = [result('d-rp-2', 2, 'SUCCEEDED', customer), result('d-rp-4', 1, 'SUCCEEDED', customer)];
    await writer.write(first);
    await writer.write(second);
    // both batches read again as one: every delivery's first attempt is there, each one is in the log already
    await writer.write([...first, ...second]);
    const page = await queries.list('cust-replay', {}, { limit: 10 });
    expect(page.data.map((d) => [d.id, d.status, d.attempt_count]).sort()).toEqual([
      ['d-rp-1', 'SUCCEEDED', 1],
      ['d-rp-2', 'SUCCEEDED', 2],
      ['d-rp-3', 'FAILED', 1],
      ['d-rp-4', 'SUCCEEDED', 1],
    ]);
    expect((await queries.get('cust-replay', 'd-rp-2')).attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'RETRYING'],
      [2, 'SUCCEEDED'],
    ]);
  });

  it('a new delivery another writer is inserting (a rebalance): the copy waits for it, then merges, and the other deliveries of the batch are written', async () => {
    const customer = { customer_id: 'cust-copy-race' };
    const other = await postgres.pool.connect();
    try {
      // the other writer's batch holds the same new delivery, inserted and not committed yet
      const theirs = writerIn(other);
      await other.query('BEGIN');
      await theirs.write([result('d-cr-1', 1, 'RETRYING', { ...customer, latency_ms: 1 })]);
      const writing = writer.write([
        result('d-cr-0', 1, 'SUCCEEDED', customer),
        result('d-cr-1', 1, 'RETRYING', { ...customer, latency_ms: 2 }),
        result('d-cr-2', 1, 'SUCCEEDED', customer),
      ]);
      await waitingOnLock(postgres, 'COPY deliveries');
      await other.query('COMMIT');
      await writing;
    } finally {
      other.release();
    }
    const page = await queries.list('cust-copy-race', {}, { limit: 10 });
    expect(page.data.map((d) => d.id).sort()).toEqual(['d-cr-0', 'd-cr-1', 'd-cr-2']);
    // attempt 1 once: the result read last (this writer's) replaced the other's
    expect((await queries.get('cust-copy-race', 'd-cr-1')).attempts.map((a) => [a.attempt, a.latency_ms])).toEqual([[1, 2]]);
  });

  it('two writers crossing its two ways (a rebalance) deadlock at worst: PostgreSQL breaks it, the batch rolled back is retryable, and its retry loses nothing', async () => {
    const customer = { customer_id: 'cust-cross' };
    const other = await postgres.pool.connect();
    try {
      const theirs = writerIn(other);
      await other.query('BEGIN');
      // theirs holds d-x-w (new, uncommitted); ours copies d-x-x, then merges d-x-w (a later attempt) and waits
      await theirs.write([result('d-x-w', 1, 'RETRYING', customer)]);
      const ours = writer.write([result('d-x-x', 1, 'SUCCEEDED', customer), result('d-x-w', 2, 'SUCCEEDED', customer)]);
      await waitingOnLock(postgres, 'INSERT INTO deliveries');
      // theirs now copies d-x-x, which ours holds: a cycle, which the longer waiter (ours) finds
      const theirsAgain = theirs.write([result('d-x-x', 1, 'SUCCEEDED', customer)]);
      await expect(ours).rejects.toThrow(RetryableError);
      await expect(ours).rejects.toThrow(/deadlock/);
      await theirsAgain;
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    // the consumer retries the batch rolled back
    await writer.write([result('d-x-x', 1, 'SUCCEEDED', customer), result('d-x-w', 2, 'SUCCEEDED', customer)]);
    expect((await queries.get('cust-cross', 'd-x-w')).attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'RETRYING'],
      [2, 'SUCCEEDED'],
    ]);
    expect(await queries.get('cust-cross', 'd-x-w')).toMatchObject({ status: 'SUCCEEDED', attempt_count: 2 });
    expect((await queries.get('cust-cross', 'd-x-x')).attempts.map((a) => a.attempt)).toEqual([1]);
  });

  it('keeps a result whose response, request body or URL holds U+0000 (PostgreSQL text cannot), and a filter holding it matches nothing', async () => {
    await writer.write([
      result('d-nul', 1, 'FAILED', {
        customer_id: 'cust-n',
        response_snippet: 'bad\u0000gateway',
        request_body: '{"a":"\u0000"}',
        url: 'https://crm.example.com/h\u0000',
      }),
    ]);
    const d = await queries.get('cust-n', 'd-nul');
    expect(d).toMatchObject({ status: 'FAILED', request_body: '{"a":"\uFFFD"}', url: 'https://crm.example.com/h\uFFFD' });
    expect(d.attempts[0].response_snippet).toBe('bad\uFFFDgateway');
    expect((await queries.list('cust-n', { call_uuid: 'call-1\u0000' }, {})).data).toEqual([]);
    expect((await queries.list('cust-n', { call_uuid: 'call-1' }, {})).data.map((x) => x.id)).toEqual(['d-nul']);
  });

  it('pages through a customer’s deliveries in both orders, every one once, with the filters and the total', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `d-page-${String(i).padStart(2, '0')}`);
    // several deliveries share a creation time: the id breaks the tie
    await writer.write(
      ids.map((id, i) =>
        result(id, 1, i % 5 === 0 ? 'FAILED' : 'SUCCEEDED', { customer_id: 'cust-p', attempted_at: T0 + Math.floor(i / 3) * 1000, webhook_id: `wh-${i % 2}` }),
      ),
    );
    await writer.write([result('d-other', 1, 'SUCCEEDED', { customer_id: 'cust-q' })]);
    for (const order of ['desc', 'asc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await queries.list('cust-p', {}, { limit: 4, order, cursor });
        expect(page.page.total).toBe(25);
        seen.push(...page.data.map((d) => d.id));
        if (!page.page.next_cursor) break;
        cursor = page.page.next_cursor;
      }
      expect(seen).toEqual(order === 'asc' ? ids : [...ids].reverse());
    }
    const failed = await queries.list('cust-p', { status: 'FAILED', webhook_id: 'wh-0' }, {});
    expect(failed.data.map((d) => d.id)).toEqual(['d-page-20', 'd-page-10', 'd-page-00']);
    expect(failed.page.total).toBe(3);
    const window = await queries.list('cust-p', { from: new Date(T0 + 1000), to: new Date(T0 + 2000) }, { order: 'asc' });
    expect(window.data.map((d) => d.id)).toEqual(['d-page-03', 'd-page-04', 'd-page-05']);
    const third = await queries.list('cust-p', {}, { limit: 10, page: 3 });
    expect(third.data.map((d) => d.id)).toEqual(['d-page-04', 'd-page-03', 'd-page-02', 'd-page-01', 'd-page-00']);
    // a cursor from before PostgreSQL's earliest time: an empty page, not an error
    const farPast = await queries.list('cust-p', {}, { cursor: encodeCursor({ t: -8e15, i: 'x', o: 'desc' }) });
    expect(farPast.data).toEqual([]);
    expect(await queries.find('cust-p', 'd-other')).toBeNull();
  });

  it('purges what was created before the cutoff, of every customer, attempts with them, and nothing on the next run', async () => {
    // two customers with expired deliveries, among the others' (of the tests before) that are not
    const old = Array.from({ length: 7 }, (_, i) => `d-old-${i}`);
    await writer.write(old.map((id, i) => result(id, 1, 'SUCCEEDED', { customer_id: i % 2 ? 'cust-r' : 'cust-r2', attempted_at: T0 - 40 * DAY })));
    await writer.write([result('d-young', 1, 'SUCCEEDED', { customer_id: 'cust-r', attempted_at: T0 - 10 * DAY })]);
    const retention = new DeliveryRetention(
      { consumerGroup: 'g', retentionDays: 30, purgeIntervalMs: 3_600_000, testSendWaitMs: 0, fetchLingerMs: 0 },
      postgres,
      { setContext: () => undefined, info: () => undefined, warn: () => undefined } as never,
    );
    expect(await retention.purge(T0)).toBe(7);
    expect(await retention.purge(T0)).toBe(0);
    expect((await queries.list('cust-r', {}, {})).data.map((d) => d.id)).toEqual(['d-young']);
    expect((await queries.list('cust-r2', {}, {})).data).toEqual([]);
    expect((await queries.list('cust-p', {}, {})).page.total).toBe(25);
  });

  it('waits for a writer holding a delivery before purging it', async () => {
    await writer.write([result('d-held', 1, 'RETRYING', { customer_id: 'cust-held', attempted_at: T0 - 40 * DAY })]);
    const retention = new DeliveryRetention(
      { consumerGroup: 'g', retentionDays: 30, purgeIntervalMs: 3_600_000, testSendWaitMs: 0, fetchLingerMs: 0 },
      postgres,
      { setContext: () => undefined, info: () => undefined, warn: () => undefined } as never,
    );
    // what the writer does for a delivery already in the log: it locks the row, then updates it
    const held = await postgres.pool.connect();
    try {
      await held.query('BEGIN');
      await held.query(`SELECT id FROM deliveries WHERE id = 'd-held' FOR UPDATE`);
      const purged = retention.purge(T0);
      await new Promise((r) => setTimeout(r, 300));
      await held.query(`UPDATE deliveries SET status = 'SUCCEEDED', updated_at = now() WHERE id = 'd-held'`);
      await held.query('COMMIT');
      expect(await purged).toBe(1);
    } finally {
      held.release();
    }
    expect(await queries.find('cust-held', 'd-held')).toBeNull();
  });

  it('merges with what a concurrent writer of the same delivery stored (two consumers during a rebalance): no attempt lost', async () => {
    await writer.write([result('d-race', 1, 'RETRYING', { customer_id: 'cust-race' })]);
    const other = await postgres.pool.connect();
    try {
      // the other writer has locked the delivery and is adding attempt 2 (its stored form)
      await other.query('BEGIN');
      await other.query(`SELECT id FROM deliveries WHERE id = 'd-race' FOR UPDATE`);
      const writing = writer.write([result('d-race', 3, 'SUCCEEDED', { customer_id: 'cust-race' })]);
      await new Promise((r) => setTimeout(r, 300));
      await other.query(
        `UPDATE deliveries SET attempts = attempts || jsonb_build_array(jsonb_build_object('attempt', 2, 'outcome', 'RETRYING', 'status_code', 503,
           'error_class', 'http_5xx', 'latency_ms', 7, 'response_snippet', null, 'attempted_at', $1::bigint, 'next_attempt_at', null)) WHERE id = 'd-race'`,
        [T0 + 2000],
      );
      await other.query('COMMIT');
      await writing;
    } finally {
      other.release();
    }
    const d = await queries.get('cust-race', 'd-race');
    expect(d.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'RETRYING'],
      [2, 'RETRYING'],
      [3, 'SUCCEEDED'],
    ]);
    expect(d.attempts[1]).toMatchObject({ status_code: 503, attempted_at: new Date(T0 + 2000), next_attempt_at: null });
    expect(d).toMatchObject({ status: 'SUCCEEDED', attempt_count: 3 });
  });

  it('resends the failed deliveries of a window once each (bulk recovery), oldest first, and reads where each ended', async () => {
    const kafka = new KafkaContext({ service: 'dlog-pg-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    await (await kafka.provisioner()).ensure({ produces: ['deliveries'] });
    const jobs = await new TopicCollector<DeliveryJob>(kafka.kafka, kafka.topicName('deliveries'), kafka.serde).start();
    try {
      const failed = ['d-rec-1', 'd-rec-2', 'd-rec-3'];
      await writer.write([
        ...failed.map((id, i) => result(id, 3, 'FAILED', { customer_id: 'cust-s', attempted_at: T0 + i * 1000 })),
        result('d-rec-test', 1, 'FAILED', { customer_id: 'cust-s', origin: 'TEST', attempted_at: T0 }),
        result('d-rec-ok', 1, 'SUCCEEDED', { customer_id: 'cust-s', attempted_at: T0 }),
        result('d-rec-other', 1, 'FAILED', { customer_id: 'cust-s', webhook_id: 'wh-2', attempted_at: T0 }),
        result('d-rec-old', 1, 'FAILED', { customer_id: 'cust-s', attempted_at: T0 - DAY }),
      ]);
      const resend = new DeliveryResend(postgres, kafka);
      const scope = { customerId: 'cust-s', webhookId: 'wh-1', environmentId: null, since: new Date(T0 - 1000), until: null };
      const first = await resend.nextFailed(scope, null, 2);
      expect(first.map((d) => d.id)).toEqual(['d-rec-1', 'd-rec-2']);
      const rest = await resend.nextFailed(scope, first[1], 2);
      expect(rest.map((d) => d.id)).toEqual(['d-rec-3']);

      // two recoveries reaching the same delivery: one claims and sends it
      const claims = await Promise.all([resend.claimAndSend('d-rec-1'), resend.claimAndSend('d-rec-1')]);
      expect(claims.sort()).toEqual([4, null]);
      expect(await resend.claimAndSend('d-rec-ok')).toBeNull();
      const [job] = await eventually(() => {
        const found = jobs.values().filter((j) => j.delivery_id === 'd-rec-1');
        if (found.length === 0) throw new Error('no job yet');
        return found;
      });
      expect(job).toMatchObject({ attempt: 4, first_attempt: 4, origin: 'EVENT', customer_id: 'cust-s', url: 'https://crm.example.com/hooks' });
      expect((await queries.get('cust-s', 'd-rec-1')).status).toBe('PENDING');

      const sent = [
        { id: 'd-rec-1', attempt: 4 },
        { id: 'd-rec-2', attempt: 4 },
        { id: 'd-gone', attempt: 2 },
      ];
      expect(Object.fromEntries(await resend.outcomes(sent))).toEqual({ 'd-rec-1': 'pending', 'd-rec-2': 'pending', 'd-gone': 'failed' });
      await writer.write([result('d-rec-1', 4, 'SUCCEEDED', { customer_id: 'cust-s' })]);
      expect((await resend.outcomes(sent)).get('d-rec-1')).toBe('delivered');
    } finally {
      await jobs.stop();
      await kafka.onApplicationShutdown();
    }
  });

  it('fails a transaction whose connection is cut between its statements as a RetryableError, and the process lives on', async () => {
    const proxy = await new TcpProxy('127.0.0.1', Number(new URL(TEST_SERVERS.postgresUrl).port)).start();
    const url = new URL(TEST_SERVERS.postgresUrl);
    url.host = proxy.address;
    const cut = new PostgresPool({ url: url.toString(), schema, poolSize: 1 });
    try {
      // the connection breaks while the transaction holds it and no statement is in flight: pg's
      // client then emits 'error', which nothing of pg-pool hears while a client is checked out
      const working = cut.transaction(async (client) => {
        await client.query('SELECT 1');
        await proxy.cut();
        await new Promise((r) => setTimeout(r, 200));
        await client.query('SELECT 2');
      });
      await expect(working).rejects.toBeInstanceOf(RetryableError);
      // the broken connection was discarded: once the server is back, the pool's next one works
      await proxy.restore();
      await expect(cut.transaction(async (client) => (await client.query<{ n: number }>('SELECT 3 AS n')).rows[0].n)).resolves.toBe(3);
    } finally {
      await cut.close();
      await proxy.stop();
    }
  });

  it('reports an unreachable PostgreSQL as a RetryableError (503 in the API, a batch retried by the consumer)', async () => {
    const port = await closedPort();
    const down = new PostgresPool({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, schema, poolSize: 1 });
    try {
      await expect(new DeliveryLogWriter(down).write([result('d-x', 1, 'SUCCEEDED')])).rejects.toBeInstanceOf(RetryableError);
      await expect(new DeliveryQueries(down).find('cust-a', 'd-x')).rejects.toBeInstanceOf(RetryableError);
    } finally {
      await down.close();
    }
  });
});

/** A port nothing listens on: one the server just gave up. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
