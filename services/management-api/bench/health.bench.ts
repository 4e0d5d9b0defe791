// npm run bench:health [-- --webhooks 50 --deliveries 100000 --requests 30 --write-log false]
// The cost of webhook health: a customer with 50 webhooks and 100,000 deliveries in the log
// (over the last 7 days), their results folded into the health aggregates as the delivery-log
// consumer does (batches of 1,000), then the latency of GET /v1/webhooks?include=health&limit=50
// beside the same page without health, and of GET /v1/webhooks/{id}/stats?window=7d; for
// contrast, counting one webhook's week straight from the delivery log. Against the API in this
// process on the real PostgreSQL (the log and the aggregates), FerretDB, Kafka and registry (its own database, schema and topic prefix).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { deleteTestTopics, dropTestPostgresSchema, requireServers, TEST_SERVERS, testEnv, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { AppModule } from '../src/app.module';
import { createHttpApp } from '../src/common/http-app';
import { loadManagementApiConfig } from '../src/config/management-api.config';
import { DeliveriesModule } from '../src/deliveries/deliveries.module';
import { PostgresPool } from '../src/database/postgres-pool';
import { DeliveryLogWriter } from '../src/deliveries/delivery-log.writer';
import { WebhookHealthStore } from '../src/webhook-health/webhook-health.store';

const OPERATOR = 'bench-operator-token-0123456789abcdef';
const DAY = 24 * 3_600_000;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timed(label: string, n: number, call: () => Promise<Response>): Promise<Record<string, string | number>> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await call();
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${label} answered ${res.status}`);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { request: label, n, 'p50 ms': Math.round(percentile(ms, 0.5)), 'p95 ms': Math.round(percentile(ms, 0.95)), 'max ms': Math.round(ms[ms.length - 1]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      webhooks: { type: 'string', default: '50' },
      deliveries: { type: 'string', default: '100000' },
      requests: { type: 'string', default: '30' },
      // the health endpoints never read the log; writing it (slow on FerretDB) only gives the contrast scan
      'write-log': { type: 'string', default: 'true' },
    },
  });
  const writeLog = values['write-log'] !== 'false';
  const webhookCount = Number(values.webhooks);
  const deliveryCount = Number(values.deliveries);
  const requests = Number(values.requests);
  await requireServers(['kafka', 'registry', 'mongo', 'postgres']);
  const prefix = uniquePrefix('bench-health');
  const config = loadManagementApiConfig(
    testEnv(prefix, {
      MONGODB_URI: `${TEST_SERVERS.mongoUri}/${uniqueDatabase('bench_health')}`,
      MANAGEMENT_OPERATOR_TOKEN: OPERATOR,
      MANAGEMENT_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    }),
  );
  const features = AppModule.features().filter((m) => !('module' in m && m.module === DeliveriesModule));
  const app = await createHttpApp(AppModule.register(config, features));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const connection = app.get<Connection>(getConnectionToken());
  const postgres = app.get(PostgresPool);
  const logWriter = new DeliveryLogWriter(postgres);
  try {
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
      return res;
    };
    await call('POST', '/v1/customers', OPERATOR, { id: 'bench', name: 'Bench' });
    const key = ((await (await call('POST', '/v1/customers/bench/api-keys', OPERATOR, { name: 'bench' })).json()) as { key: string }).key;
    const webhooks: string[] = [];
    for (let i = 0; i < webhookCount; i++) {
      const created = (await (await call('POST', '/v1/webhooks', key, { event: 'Call:Hangup', url: `https://crm${i}.example.com/hooks` })).json()) as { id: string };
      webhooks.push(created.id);
    }

    // the log: 100k deliveries over the week, 1 in 10 failed
    const now = Date.now();
    const results: DeliveryAttemptResult[] = [];
    const t0 = performance.now();
    for (let start = 0; start < deliveryCount; start += 1000) {
      const batch: DeliveryAttemptResult[] = [];
      for (let i = start; i < Math.min(deliveryCount, start + 1000); i++) {
        const webhookId = webhooks[i % webhooks.length];
        const at = now - Math.floor(((deliveryCount - i) / deliveryCount) * 7 * DAY) + 1000;
        const ok = i % 10 !== 0;
        const r: DeliveryAttemptResult = {
          delivery_id: randomUUID(),
          webhook_id: webhookId,
          customer_id: 'bench',
          environment_id: 'env',
          event_id: randomUUID(),
          event: 'Call:Hangup',
          call_uuid: randomUUID(),
          origin: 'EVENT',
          attempt: 1,
          outcome: ok ? 'SUCCEEDED' : 'FAILED',
          status_code: ok ? 200 : 503,
          error_class: ok ? null : 'http_status',
          latency_ms: 20 + (i % 200),
          response_snippet: 'ok',
          method: 'POST',
          url: 'https://crm.example.com/hooks',
          request_body: '{"uuid":"x"}',
          attempted_at: at,
          next_attempt_at: null,
        };
        results.push(r);
        batch.push(r);
      }
      if (writeLog) await logWriter.write(batch);
    }
    const loadMs = performance.now() - t0;

    // the aggregates, as the delivery-log consumer keeps them: batches of 1,000 results
    const store = app.get(WebhookHealthStore);
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    for (let start = 0, offset = 0; start < results.length; start += 1000) {
      const batch: Array<ConsumedRecord<DeliveryAttemptResult>> = results
        .slice(start, start + 1000)
        .map((value) => ({ topic: 'results', partition: 0, offset: String(offset++), key: value.delivery_id, value, headers: {}, timestamp: now }));
      await store.apply(batch);
    }
    const foldMs = performance.now() - t1;
    const cpu = process.cpuUsage(cpu0);

    const rows = [
      await timed('GET /v1/webhooks?limit=50', requests, () => call('GET', '/v1/webhooks?limit=50', key)),
      await timed('GET /v1/webhooks?limit=50&include=health', requests, () => call('GET', '/v1/webhooks?limit=50&include=health', key)),
      await timed('GET /v1/webhooks/{id}/stats?window=7d', requests, () => call('GET', `/v1/webhooks/${webhooks[0]}/stats?window=7d`, key)),
      await timed('GET /v1/webhooks/{id}/stats?window=1h', requests, () => call('GET', `/v1/webhooks/${webhooks[0]}/stats?window=1h`, key)),
    ];
    // the same figures straight from the log, for one webhook: what the aggregates save
    const t2 = performance.now();
    const scanned = writeLog
      ? Number(
          (
            await postgres.query<{ n: string }>('SELECT count(*) AS n FROM deliveries WHERE customer_id = $1 AND webhook_id = $2 AND created_at >= $3', [
              'bench',
              webhooks[0],
              new Date(now - 7 * DAY),
            ])
          )[0].n,
        )
      : null;
    const scanMs = performance.now() - t2;
    console.table(rows);
    console.log(
      JSON.stringify({
        webhooks: webhookCount,
        deliveries: deliveryCount,
        'log written': writeLog,
        'log load s': +(loadMs / 1000).toFixed(1),
        'fold into aggregates s': +(foldMs / 1000).toFixed(1),
        'fold CPU µs per result (this process)': +((cpu.user + cpu.system) / results.length).toFixed(1),
        'one webhook counted from the log, ms': writeLog ? Math.round(scanMs) : null,
        'its deliveries': scanned,
      }),
    );
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await app.close();
    await dropTestPostgresSchema(prefix).catch(() => undefined);
    await deleteTestTopics(prefix);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
