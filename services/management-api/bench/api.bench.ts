// npm run bench:api [-- --duration 10 --deliveries 1000000 --total-webhooks 10000 --database <reuse> --ingest 30000 --ingest-warmup 25000 --phases reads,ingest,purge]
// The management API on the real FerretDB (configuration; whichever backend MONGODB_URI's server
// runs), PostgreSQL (the delivery log, database callhooks_bench of the test server), Kafka and
// registry, in this process with its own database, schema and topic prefix:
// - seeds the databases (bulk inserts, delivery-log.seed.ts): 1,000,000 deliveries and 10,000
//   webhooks, a customer with 1,000 of those webhooks and a tenth of the deliveries; --database
//   names a database (and PostgreSQL schema) to keep and reuse (seeded once, then found by its marker);
// - requests/s and latency (autocannon) of the delivery log's list (latest 50, and filtered by
//   webhook, status, event and call), one delivery with its attempts, the webhook list of the
//   customer with 1,000 webhooks and webhook creation;
// - which of those queries reach an index (PostgreSQL's and FerretDB's explain of the same query);
// - delivery log ingest: results produced at --ingest-rate by a producer process of its own,
//   the log's lag, batch retries, and CPU-seconds per 1,000 results of this process, FerretDB
//   and PostgreSQL (read from /proc: the backends of the bench database and the server's own processes),
//   twice: --ingest-warmup results first, as a freshly started API meets them (its code not yet
//   compiled by V8's optimizing compiler, whose threads then take a third of the process's CPU),
//   then --ingest results as a running API meets them: the steady cost per result;
// - one retention purge run over an hour's worth of expired deliveries, its time and CPU.
// --phases runs some of these only (reads: the autocannon scenarios and the explain tables), e.g.
// `--phases ingest` to compare the ingest's CPU run after run on a seeded database; --scenarios
// narrows the reads to the scenarios whose name contains one of its comma-separated words, e.g.
// `--phases reads --scenarios create` to compare webhook creation run after run.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { getConnectionToken } from '@nestjs/mongoose';
import mongoose, { type Connection } from 'mongoose';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { deleteTestTopics, requireServers, TEST_SERVERS, testEnv, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { sqlPage } from '../src/common/sql-pagination';
import { PostgresPool } from '../src/database/postgres-pool';
import { deliveryListFilter, type DeliveryFilter } from '../src/deliveries/delivery-queries';
import { DeliveryRetention } from '../src/deliveries/delivery-retention';
import { DELIVERY_COLUMNS } from '../src/deliveries/delivery.model';
import { AppModule } from '../src/app.module';
import { createHttpApp } from '../src/common/http-app';
import { loadManagementApiConfig } from '../src/config/management-api.config';
import { cpuSince, cpuSnapshot, findDatabaseProcesses, type DatabaseProcesses } from './database-processes';
import { WEBHOOK_LIST_COLUMNS, WebhookList, webhookListFilter } from '../src/webhooks/webhook-list';
import { DEFAULT_SEED, seedDatabase, seededSample, type SeedSample } from './delivery-log.seed';

const OPERATOR = 'bench-operator-token-0123456789abcdef';
const LIST_CUSTOMER = 'bench-list';
/** The PostgreSQL database of the benchmark's delivery logs (a schema per run, or the --database one). */
const BENCH_POSTGRES_DATABASE = 'callhooks_bench';
const PHASES = ['reads', 'ingest', 'purge'] as const;
/** How long the ingest measures each process's idle rate before it starts, after a settling pause. */
const IDLE_MEASURE_MS = 10_000;
const IDLE_SETTLE_MS = 5000;

interface Measured {
  scenario: string;
  'requests/s': number;
  'p50 ms': number;
  'p99 ms': number;
  requests: number;
  'non-2xx': number;
  errors: number;
  /**
   * CPU per request: this process (the API and autocannon, the client, which runs in it) + FerretDB
   * + the whole PostgreSQL server (FerretDB's backends too, and anyone else's meanwhile).
   */
  'CPU ms/request': string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      'list-connections': { type: 'string', default: '2' },
      webhooks: { type: 'string', default: '1000' },
      'total-webhooks': { type: 'string', default: String(DEFAULT_SEED.webhooks) },
      deliveries: { type: 'string', default: String(DEFAULT_SEED.deliveries) },
      database: { type: 'string' },
      // the PostgreSQL schema of the delivery log, when not the --database name (e.g. a copy to compare two versions on)
      schema: { type: 'string' },
      ingest: { type: 'string', default: '30000' },
      'ingest-warmup': { type: 'string', default: '25000' },
      'ingest-rate': { type: 'string', default: '2500' },
      phases: { type: 'string', default: PHASES.join(',') },
      scenarios: { type: 'string' },
    },
  });
  const phases = new Set(values.phases.split(','));
  const unknown = [...phases].filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`--phases: unknown ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const listConnections = Number(values['list-connections']);
  const listSize = Number(values.webhooks);
  await requireServers(['kafka', 'registry', 'mongo', 'postgres']);

  const database = values.database ?? uniqueDatabase('bench_api');
  const mongodbUri = `${TEST_SERVERS.mongoUri}/${database}`;
  const postgresUrl = await benchPostgresDatabase();
  const prefix = uniquePrefix('bench-api');
  const config = loadManagementApiConfig(
    testEnv(prefix, {
      MONGODB_URI: mongodbUri,
      MANAGEMENT_POSTGRES_URL: postgresUrl,
      MANAGEMENT_POSTGRES_SCHEMA: values.schema ?? database.toLowerCase(),
      MANAGEMENT_OPERATOR_TOKEN: OPERATOR,
      MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'false',
      MANAGEMENT_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    }),
  );
  const app = await createHttpApp(AppModule.register(config));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const connection = app.get<Connection>(getConnectionToken());
  const postgres = app.get(PostgresPool);
  const db = { ...findDatabaseProcesses(TEST_SERVERS.mongoUri), postgresDatabase: BENCH_POSTGRES_DATABASE };
  try {
    const createKey = await customerWithKey(base, 'bench-create');
    const listKey = await customerWithKey(base, LIST_CUSTOMER);
    const webhook = JSON.stringify({
      event: 'Call:Hangup',
      method: 'POST',
      url: 'https://crm.example.com/hooks/calls',
      body: '{"call": "{{uuid}}", "from": "{{caller_id_number}}", "seconds": "{{duration}}", "note": "{{cause}} after {{duration}} s"}',
      headers: { Authorization: 'Bearer crm-token', 'X-Tenant': 'acme' },
      description: 'benchmark',
    });

    const deliveries = Number(values.deliveries);
    const totalWebhooks = Number(values['total-webhooks']);
    let sample = await seededSample(connection.db!, deliveries, totalWebhooks);
    if (sample) {
      console.log(`database ${database}: already seeded (${deliveries} deliveries, ${totalWebhooks} webhooks), reused`);
    } else {
      const seedStarted = Date.now();
      const template = await webhookTemplate(base, listKey, webhook, connection);
      sample = await seedDatabase(connection.db!, postgres.pool, {
        ...DEFAULT_SEED,
        bigCustomerId: LIST_CUSTOMER,
        deliveries,
        webhooks: totalWebhooks,
        bigWebhooks: listSize - 1,
        webhookTemplate: template,
        onProgress: (n) => n % 100_000 === 0 && process.stdout.write(`\rseeding: ${n}/${deliveries} deliveries`),
      });
      console.log(`\nseeded ${deliveries} deliveries and ${totalWebhooks} webhooks (${listSize} of ${LIST_CUSTOMER}) in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`);
      // the seed wrote the webhooks past the running API: the list copies them as at a first start
      const filled = Date.now();
      console.log(`webhook list filled with ${await app.get(WebhookList).fill()} webhooks in ${((Date.now() - filled) / 1000).toFixed(1)} s`);
    }

    // each table as soon as it is measured: a later phase that fails leaves the earlier ones
    const title = () =>
      `delivery log on PostgreSQL (${BENCH_POSTGRES_DATABASE}, schema ${config.postgres.schema}), configuration on FerretDB on ${db.backend} (${TEST_SERVERS.mongoUri}/${database}), ${deliveries} deliveries and ${totalWebhooks} webhooks; ` +
      `${new Date().toISOString()}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`;
    if (phases.has('reads')) {
      const results: Measured[] = [];
      const wanted = values.scenarios?.split(',').filter((word) => word !== '');
      const chosen = (label: string) => wanted === undefined || wanted.some((word) => label.includes(word));
      const measure = async (label: string, options: autocannon.Options) => {
        if (chosen(label)) results.push(await run(label, options, db));
      };
      const get = (label: string, path: string, key = listKey) => measure(label, { url: `${base}${path}`, headers: json(key), duration, connections: listConnections });
      // the delivery log first, on a quiet API
      await get(`deliveries: latest 50 of a customer with ${Math.round(deliveries * DEFAULT_SEED.bigShare)}`, '/v1/deliveries');
      await get('deliveries: latest 50 of one webhook', `/v1/deliveries?webhook_id=${sample.webhookId}`);
      await get('deliveries: latest 50 with status FAILED', '/v1/deliveries?status=FAILED');
      await get('deliveries: latest 50 of event Call:Hangup', '/v1/deliveries?event=Call:Hangup');
      await get('deliveries: of one call', `/v1/deliveries?call_uuid=${sample.callUuid}`);
      await get('deliveries: latest 50 of a new customer (the demo)', '/v1/deliveries', createKey);
      await get('deliveries: one delivery with its attempts', `/v1/deliveries/${sample.deliveryId}`);
      await get(`webhooks: list of ${listSize}, 50 per page`, '/v1/webhooks');
      await get(`webhooks: list of ${listSize}, 200 per page`, '/v1/webhooks?limit=200');
      await measure(`webhooks: create, ${connections} clients`, { url: `${base}/v1/webhooks`, method: 'POST', headers: json(createKey), body: webhook, duration, connections });
      console.log(`\nmanagement API, ${title()}; ${duration} s per scenario, ${listConnections} clients for reads`);
      console.table(results);
      console.log('which queries reach an index (PostgreSQL explain of the delivery log and the webhook list, FerretDB explain of the webhooks):');
      console.table([...(await postgresPlans(postgres, sample)), ...(await queryPlans(connection, sample))]);
    }
    const logged: Ingest[] = [];
    if (phases.has('ingest')) {
      const ingest = (count: number, label: string) => measureIngest(app.get(Registry), config.deliveries.consumerGroup, db, prefix, count, Number(values['ingest-rate']), label);
      const warmup = Number(values['ingest-warmup']);
      if (warmup > 0) logged.push(await ingest(warmup, 'a fresh API process (warm-up)'));
      logged.push(await ingest(Number(values.ingest), warmup > 0 ? 'the API warmed up' : 'a fresh API process'));
    }
    if (phases.has('purge')) logged.push(await measurePurge(app.get(DeliveryRetention), postgres, sample, db, deliveries));
    if (logged.length > 0) {
      console.log(`delivery log ingest and retention, ${title()}:`);
      console.table(logged);
    }
  } finally {
    // close first (in-flight requests finish, the consumer and publisher stop), then drop the
    // database from a connection of our own unless it is kept for reuse; the topics are this run's
    await app.close();
    await deleteTestTopics(prefix);
    if (!values.database) {
      const own = await mongoose.createConnection(mongodbUri).asPromise();
      await own.dropDatabase().catch(() => undefined);
      await own.close();
      const pg = new Client({ connectionString: postgresUrl });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS ${config.postgres.schema} CASCADE`).catch(() => undefined);
      await pg.end();
    }
  }
}

function json(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
}

/** A customer with a fresh API key; an existing customer (a reused database) gets one more key. */
async function customerWithKey(base: string, id: string): Promise<string> {
  const headers = { Authorization: `Bearer ${OPERATOR}`, 'Content-Type': 'application/json' };
  const created = await fetch(`${base}/v1/customers`, { method: 'POST', headers, body: JSON.stringify({ id, name: id }) });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating customer ${id}: ${created.status} ${await created.text()}`);
  const issued = await fetch(`${base}/v1/customers/${id}/api-keys`, { method: 'POST', headers, body: '{}' });
  if (issued.status !== 201) throw new Error(`issuing a key: ${issued.status} ${await issued.text()}`);
  return ((await issued.json()) as { key: string }).key;
}

/** One webhook made through the API: the seed copies its document (fresh ids and times). */
async function webhookTemplate(base: string, key: string, body: string, connection: Connection): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: json(key), body });
  if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const original = await connection.collection<{ _id: string }>('webhooks').findOne({ _id: id });
  if (!original) throw new Error('the seed webhook is not in MongoDB');
  const { _id, ...template } = original;
  return template;
}

interface Plan {
  query: string;
  index: string;
  'filter pushed down': boolean;
  'sort pushed down': boolean;
}

/** The benchmark's PostgreSQL database on the test server, created when missing; its URL. */
async function benchPostgresDatabase(): Promise<string> {
  const admin = new Client({ connectionString: TEST_SERVERS.postgresUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_POSTGRES_DATABASE]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${BENCH_POSTGRES_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_SERVERS.postgresUrl);
  url.pathname = `/${BENCH_POSTGRES_DATABASE}`;
  return url.toString();
}

interface SqlPlan {
  query: string;
  index: string;
  'filter pushed down': boolean;
  'sort pushed down': boolean;
}

/**
 * PostgreSQL's plan of the delivery log's and the webhook list's queries, as the API builds them: the index it reads,
 * and whether the page comes in index order (no Sort node) with the filter in the index scan.
 */
async function postgresPlans(postgres: PostgresPool, sample: SeedSample): Promise<SqlPlan[]> {
  const list = (filter: DeliveryFilter) => sqlPage('deliveries', DELIVERY_COLUMNS, deliveryListFilter(sample.customerId, filter), {}).page;
  const queries: Array<[string, { text: string; values: unknown[] }]> = [
    ['deliveries: latest 50', list({})],
    ['deliveries: count of a customer', sqlPage('deliveries', DELIVERY_COLUMNS, deliveryListFilter(sample.customerId, {}), {}).count],
    ['deliveries: latest 50 of one webhook', list({ webhook_id: sample.webhookId })],
    ['deliveries: latest 50 FAILED', list({ status: 'FAILED' })],
    ['deliveries: latest 50 of an event', list({ event: 'Call:Hangup' })],
    ['deliveries: of one call', list({ call_uuid: sample.callUuid })],
    ['webhooks: list of a customer', sqlPage('webhook_list', WEBHOOK_LIST_COLUMNS, webhookListFilter(sample.customerId, {}), {}).page],
    ['webhooks: count of a customer', sqlPage('webhook_list', WEBHOOK_LIST_COLUMNS, webhookListFilter(sample.customerId, {}), {}).count],
    ['webhooks: list of an event', sqlPage('webhook_list', WEBHOOK_LIST_COLUMNS, webhookListFilter(sample.customerId, { event: 'Call:Hangup' }), {}).page],
    ['deliveries: one delivery (by id)', { text: `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1 AND customer_id = $2`, values: [sample.deliveryId, sample.customerId] }],
    [
      'retention purge: a batch',
      {
        text: "SELECT id FROM deliveries WHERE (created_at AT TIME ZONE 'UTC') < ($1::timestamptz AT TIME ZONE 'UTC') ORDER BY (created_at AT TIME ZONE 'UTC') LIMIT 5000",
        values: [new Date(Date.now() - 30 * 24 * 3_600_000)],
      },
    ],
  ];
  const plans: SqlPlan[] = [];
  for (const [query, sql] of queries) {
    const [row] = await postgres.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values);
    const text = JSON.stringify(row['QUERY PLAN']);
    plans.push({
      query,
      index: /"Index Name":"([^"]+)"/.exec(text)?.[1] ?? 'none: reads every row',
      'filter pushed down': /"Index Cond"/.test(text),
      'sort pushed down': !/"Node Type":"(Incremental )?Sort"/.test(text),
    });
  }
  return plans;
}

/**
 * FerretDB's explain of the queries behind the scenarios, as the services send them: whether the
 * backend answers them from an index (PostgreSQL: an Index or Bitmap Index Scan; SQLite: a
 * SEARCH ... USING INDEX) and what FerretDB pushed down to it.
 */
async function queryPlans(connection: Connection, sample: SeedSample): Promise<Plan[]> {
  const queries: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
    ['webhooks: by id (create, publish)', 'webhooks', { _id: sample.webhookId }, {}],
    ['webhooks: unpublished (reconciler)', 'webhooks', { publish_pending: true }, {}],
  ];
  const plans: Plan[] = [];
  for (const [query, collection, filter, sort] of queries) {
    const explained = (await connection.db!.command({ explain: { find: collection, filter, sort, limit: 51 } })) as Record<string, unknown>;
    const text = JSON.stringify(explained.queryPlanner ?? explained);
    const index =
      /"Index Name":"([^"]+)"/.exec(text)?.[1] ?? /USING (?:COVERING )?INDEX (\S+?)[" ]/.exec(text)?.[1] ?? (/USING (INTEGER )?PRIMARY KEY/.test(text) ? 'primary key' : 'none: reads every row');
    plans.push({ query, index, 'filter pushed down': explained.filterPushdown === true, 'sort pushed down': explained.sortPushdown === true });
  }
  return plans;
}

interface Ingest {
  measure: string;
  'results/s': number;
  'CPU-s per 1,000': string;
  /** The same less each process's idle rate over the run (ingest only). */
  'net of idle'?: string;
  'behind at most': string;
  'write errors': number;
}

/**
 * Results produced at `rate` by a producer process of its own (delivery-results.producer.ts);
 * the delivery log's consumer in this process writes them. Lag is sampled every second (results
 * produced minus results the consumer has written); CPU is this process (the consumer; nothing
 * else runs meanwhile), FerretDB and PostgreSQL over the whole run. `group`: the consumer group
 * of the app under measure (its configuration's).
 */
async function measureIngest(registry: Registry, group: string, db: DatabaseProcesses, prefix: string, count: number, rate: number, label: string): Promise<Ingest> {
  const processed = async () => counterValue(registry, 'callhooks_consumer_records_total', group);
  const retries = async () => counterValue(registry, 'callhooks_consumer_batch_retries_total', group);
  const batches = async () => counterValue(registry, 'callhooks_consumer_batch_duration_seconds', group, 'callhooks_consumer_batch_duration_seconds_count');
  const [processedBefore, retriesBefore, batchesBefore] = [await processed(), await retries(), await batches()];
  // the idle rate of each process just before (the API's consumers and timers, the servers' own
  // work and, on a shared machine, the others' on FerretDB and PostgreSQL's shared processes), so
  // the net figure counts the ingest's work only, as bench:e2e does; measured after a settling
  // pause, as the first seconds after start are the consumer's group join and warm-up
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const idleBefore = cpuSnapshot(db);
  await new Promise((r) => setTimeout(r, IDLE_MEASURE_MS));
  const idle = cpuSince(idleBefore, db);
  const cpuBefore = cpuSnapshot(db);
  const started = Date.now();
  const producer = spawn(process.execPath, [join(__dirname, 'delivery-results.producer.js'), '--prefix', prefix, '--count', String(count), '--rate', String(rate)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let sent = 0;
  let producerDone = false;
  createInterface({ input: producer.stdout }).on('line', (line) => {
    const [word, n] = line.split(' ');
    if (word === 'sent' || word === 'done') sent = Number(n);
    if (word === 'done') producerDone = true;
  });
  const exited = new Promise<number>((resolve) => producer.on('exit', (code) => resolve(code ?? 1)));
  let maxBehind = 0;
  let written = 0;
  let producedAt = 0;
  const deadline = Date.now() + (count / rate) * 1000 + 90_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    written = (await processed()) - processedBefore;
    maxBehind = Math.max(maxBehind, sent - written);
    if (producerDone && producedAt === 0) producedAt = Date.now();
    if (producerDone && written >= count) break;
  }
  const elapsedS = (Date.now() - started) / 1000;
  const cpu = cpuSince(cpuBefore, db);
  if ((await exited) !== 0) throw new Error('the results producer failed');
  // CPU per result written (all of them, or as many as were written in the time allowed)
  const per1000 = (s: number) => ((s / Math.max(1, written)) * 1000).toFixed(3);
  const net = (part: 'api' | 'ferretdb' | 'postgres') => Math.max(0, cpu[part] - (idle[part] / IDLE_MEASURE_MS) * elapsedS * 1000);
  return {
    measure: `ingest, ${label}: ${count} results offered at ${rate}/s: ${written < count ? `only ${written} written in ${elapsedS.toFixed(0)} s` : `all written in ${elapsedS.toFixed(0)} s`}, ${Math.round(written / Math.max(1, (await batches()) - batchesBefore))} per batch`,
    'results/s': Math.round(written / elapsedS),
    'CPU-s per 1,000': `${per1000(cpu.api + cpu.ferretdb + cpu.postgres)} (api ${per1000(cpu.api)}, ferretdb ${per1000(cpu.ferretdb)}, postgres ${per1000(cpu.postgres)}: its backends ${per1000(cpu.postgres - cpu.postgresShared)}, shared processes ${per1000(cpu.postgresShared)})`,
    'net of idle': `${per1000(net('api') + net('ferretdb') + net('postgres'))} (api ${per1000(net('api'))}, ferretdb ${per1000(net('ferretdb'))}, postgres ${per1000(net('postgres'))}; idle CPU-s/s api ${(idle.api / (IDLE_MEASURE_MS / 1000)).toFixed(3)}, ferretdb ${(idle.ferretdb / (IDLE_MEASURE_MS / 1000)).toFixed(3)}, postgres ${(idle.postgres / (IDLE_MEASURE_MS / 1000)).toFixed(3)})`,
    'behind at most': `${maxBehind} results; the last written ${((Date.now() - (producedAt || Date.now())) / 1000).toFixed(0)} s after the last produced`,
    'write errors': (await retries()) - retriesBefore,
  };
}

/**
 * One purge run as an hourly run meets it: an hour's worth of the seeded log's deliveries (copies
 * of a seeded one, with its attempts) past the retention period, among all the others.
 */
async function measurePurge(retention: DeliveryRetention, postgres: PostgresPool, sample: SeedSample, db: DatabaseProcesses, seeded: number): Promise<Ingest> {
  const hourly = Math.ceil(seeded / DEFAULT_SEED.spanDays / 24);
  const cutoff = Date.now() - 30 * 24 * 3_600_000;
  const copied = `id || '-expired-' || n, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at`;
  const at = `to_timestamp(($2::float8 - 3600000 + n * 3600000.0 / $3) / 1000)`;
  await postgres.query(
    `INSERT INTO deliveries (${DELIVERY_COLUMNS}, attempts) SELECT ${copied}, ${at}, ${at}, attempts FROM deliveries, generate_series(0, $3 - 1) AS n WHERE id = $1`,
    [sample.deliveryId, cutoff, hourly],
  );
  const cpuBefore = cpuSnapshot(db);
  const started = Date.now();
  const deleted = await retention.purgeCreatedBefore(new Date(cutoff));
  const elapsedS = (Date.now() - started) / 1000;
  const cpu = cpuSince(cpuBefore, db);
  return {
    measure: `retention purge (a regular run): ${deleted} expired deliveries (an hour's) among ${seeded}, in ${elapsedS.toFixed(1)} s`,
    'results/s': Math.round(deleted / elapsedS),
    'CPU-s per 1,000': `${(((cpu.api + cpu.ferretdb + cpu.postgres) / Math.max(1, deleted)) * 1000).toFixed(3)} (run: ${(cpu.api + cpu.ferretdb + cpu.postgres).toFixed(1)} CPU-s)`,
    'behind at most': '-',
    'write errors': 0,
  };
}

/** A counter (or a histogram's `series`) of the delivery log's consumer group (its name carries the topic prefix), processed records only. */
async function counterValue(registry: Registry, name: string, group: string, series?: string): Promise<number> {
  // that metric alone: collecting them all (the process's default metrics read /proc) every
  // second of the ingest would be the bench's work counted as the API's
  const metric = await registry.getSingleMetric(name)?.get();
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
  return values
    .filter((v) => (series === undefined || v.metricName === series) && String(v.labels.group).endsWith(group) && (v.labels.outcome ?? 'processed') === 'processed')
    .reduce((n, v) => n + v.value, 0);
}

async function run(scenario: string, options: autocannon.Options, db: DatabaseProcesses): Promise<Measured> {
  const everyClient: DatabaseProcesses = { ...db, postgresDatabase: undefined };
  const before = cpuSnapshot(everyClient);
  // a generous timeout: on FerretDB a list reads every match, and a timed-out request is no measurement
  const r = await autocannon({ timeout: 60, ...options });
  const cpu = cpuSince(before, everyClient);
  const perRequest = (s: number) => ((s / Math.max(1, r.requests.total)) * 1000).toFixed(2);
  return {
    scenario,
    'requests/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    requests: r.requests.total,
    'non-2xx': r.non2xx,
    errors: r.errors,
    'CPU ms/request': `${perRequest(cpu.api + cpu.ferretdb + cpu.postgres)} (${perRequest(cpu.api)} + ${perRequest(cpu.ferretdb)} + ${perRequest(cpu.postgres)})`,
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
