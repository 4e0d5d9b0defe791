// npm run bench:api [-- --duration 10 --connections 10 --list-connections 2 --webhooks 1000]
// Requests/s and latency of list-webhooks (a customer with 1,000 webhooks) and create-webhook,
// with autocannon against the management API running in this process on the real FerretDB,
// Kafka and registry (its own database and topic prefix). About 40 s with the defaults.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import mongoose, { type Connection } from 'mongoose';
import { requireServers, TEST_SERVERS, testEnv, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { AppModule } from '../src/app.module';
import { createHttpApp } from '../src/common/http-app';
import { loadManagementApiConfig } from '../src/config/management-api.config';
import { DeliveriesModule } from '../src/deliveries/deliveries.module';

const OPERATOR = 'bench-operator-token-0123456789abcdef';

interface Measured {
  scenario: string;
  'requests/s': number;
  'p50 ms': number;
  'p99 ms': number;
  requests: number;
  'non-2xx': number;
  errors: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      // a list costs FerretDB v1 a scan and sort of the collection plus a count: more clients only queue
      'list-connections': { type: 'string', default: '2' },
      webhooks: { type: 'string', default: '1000' },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const listConnections = Number(values['list-connections']);
  const listSize = Number(values.webhooks);
  await requireServers(['kafka', 'registry', 'mongo']);

  const mongodbUri = `${TEST_SERVERS.mongoUri}/${uniqueDatabase('bench_api')}`;
  const config = loadManagementApiConfig(
    testEnv(uniquePrefix('bench-api'), {
      MONGODB_URI: mongodbUri,
      MANAGEMENT_OPERATOR_TOKEN: OPERATOR,
      MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'false',
      MANAGEMENT_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    }),
  );
  // the API without the delivery log's results consumer (not on these paths)
  const features = AppModule.features().filter((m) => !('module' in m && m.module === DeliveriesModule));
  const app = await createHttpApp(AppModule.register(config, features));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  try {
    const createKey = await customerWithKey(base, 'bench-create');
    const listKey = await customerWithKey(base, 'bench-list');
    const webhook = JSON.stringify({
      event: 'Call:Hangup',
      method: 'POST',
      url: 'https://crm.example.com/hooks/calls',
      body: '{"call": "{{uuid}}", "from": "{{caller_id_number}}", "seconds": "{{duration}}", "note": "{{cause}} after {{duration}} s"}',
      headers: { Authorization: 'Bearer crm-token', 'X-Tenant': 'acme' },
      description: 'benchmark',
    });

    const seedStarted = Date.now();
    await seed(base, listKey, webhook, listSize, app.get<Connection>(getConnectionToken()));
    console.log(`seeded ${listSize} webhooks for the list scenarios in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

    // lists first, on a quiet API; then creates (which also load the background publisher)
    const results: Measured[] = [];
    results.push(
      await run(`list webhooks of ${listSize}, 50 per page, ${listConnections} clients`, {
        url: `${base}/v1/webhooks`,
        headers: json(listKey),
        duration,
        connections: listConnections,
      }),
    );
    results.push(
      await run(`list webhooks of ${listSize}, 200 per page, ${listConnections} clients`, {
        url: `${base}/v1/webhooks?limit=200`,
        headers: json(listKey),
        duration,
        connections: listConnections,
      }),
    );
    results.push(
      await run(`create webhook, ${connections} clients`, {
        url: `${base}/v1/webhooks`,
        method: 'POST',
        headers: json(createKey),
        body: webhook,
        duration,
        connections,
      }),
    );

    console.log(
      `\nmanagement API on this machine (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}): ${duration} s per scenario, FerretDB ${TEST_SERVERS.mongoUri}, Kafka ${TEST_SERVERS.kafkaBrokers}`,
    );
    console.table(results);
  } finally {
    // close first (in-flight requests finish, the publisher stops), then drop the database from a
    // connection of our own: FerretDB v1 (SQLite) can crash when a database is dropped under a running query
    await app.close();
    const connection = await mongoose.createConnection(mongodbUri).asPromise();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

function json(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
}

async function customerWithKey(base: string, id: string): Promise<string> {
  const headers = { Authorization: `Bearer ${OPERATOR}`, 'Content-Type': 'application/json' };
  const created = await fetch(`${base}/v1/customers`, { method: 'POST', headers, body: JSON.stringify({ id, name: id }) });
  if (created.status !== 201) throw new Error(`creating customer ${id}: ${created.status} ${await created.text()}`);
  const issued = await fetch(`${base}/v1/customers/${id}/api-keys`, { method: 'POST', headers, body: '{}' });
  if (issued.status !== 201) throw new Error(`issuing a key: ${issued.status} ${await issued.text()}`);
  return ((await issued.json()) as { key: string }).key;
}

/**
 * Gives the list customer `count` webhooks: one made through the API, the others copies of its
 * document (fresh ids and creation times) inserted directly, already published. Through the
 * API the seed alone would take most of the minute on FerretDB; the documents are the same.
 */
async function seed(base: string, key: string, body: string, count: number, connection: Connection): Promise<void> {
  const res = await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: json(key), body });
  if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const webhooks = connection.collection<{ _id: string }>('webhooks');
  const original = await webhooks.findOne({ _id: id });
  if (!original) throw new Error('the seed webhook is not in MongoDB');
  const start = Date.now();
  const copies = Array.from({ length: count - 1 }, (_, i) => ({
    ...original,
    _id: randomUUID(),
    created_at: new Date(start + i + 1),
    updated_at: new Date(start + i + 1),
    published_version: 1,
    publish_pending: false,
  }));
  for (let i = 0; i < copies.length; i += 250) await webhooks.insertMany(copies.slice(i, i + 250));
}

async function run(scenario: string, options: autocannon.Options): Promise<Measured> {
  // a generous timeout: on FerretDB a list scans the collection, and a timed-out request is no measurement
  const r = await autocannon({ timeout: 30, ...options });
  return {
    scenario,
    'requests/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    requests: r.requests.total,
    'non-2xx': r.non2xx,
    errors: r.errors,
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
