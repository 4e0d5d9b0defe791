// npm run bench:recovery [-- --deliveries 10000 --window 200]
// The pace of a bulk recovery: a webhook with 10,000 dead-lettered deliveries in the log (written
// straight into the log, as if the receiver had been down while they used their attempts), the
// receiver up, one POST /v1/webhooks/{id}/recover, and the time until the recovery is DONE, with
// what the receiver got (each delivery once, its original webhook-id) and the CPU seconds of the
// management API and the dispatcher (their process_cpu_seconds_total). The API and the dispatcher
// run from the build as child processes against the real Kafka, registry, FerretDB and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { Client } from 'pg';
import { deleteTestTopics, dropTestPostgresSchema, ManagementClient, metricSum, MONGO_URI, RecordingReceiver, requireServers, scrapeMetrics, ServiceProcess, testEnv, uniqueDatabase, uniquePrefix } from '@callhooks/testing';

const OPERATOR_TOKEN = 'bench-recovery-operator-token-0123456789';

async function cpuSeconds(service: ServiceProcess): Promise<number> {
  return metricSum(await scrapeMetrics(service.url), 'process_cpu_seconds_total');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { deliveries: { type: 'string', default: '10000' }, window: { type: 'string', default: '200' } } });
  const count = Number(values.deliveries);
  await requireServers();
  const receiver = new RecordingReceiver();
  const base = await receiver.start();
  const prefix = uniquePrefix('bench-recovery');
  const database = uniqueDatabase('bench_recovery');
  const env = testEnv(prefix, {
    MONGODB_URI: `${MONGO_URI}/${database}`,
    MANAGEMENT_OPERATOR_TOKEN: OPERATOR_TOKEN,
    MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
    MANAGEMENT_RECOVERY_WINDOW: String(values.window),
    DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'warn',
  });
  const services = [new ServiceProcess('management-api', env), new ServiceProcess('dispatcher', env)];
  const db = await mongoose.createConnection(`${MONGO_URI}/${database}`).asPromise();
  try {
    for (const s of services) await s.start().then((p) => p.ready());
    const [apiProcess, dispatcher] = services;
    const api = await ManagementClient.forNewCustomer(apiProcess.url, OPERATOR_TOKEN, 'bench');
    const webhook = await api.request<{ id: string }>('POST', '/v1/webhooks', { event: 'Call:Hangup', url: `${base}/crm` });
    // the dispatcher must know the webhook before its jobs come
    await new Promise((r) => setTimeout(r, 3000));

    const since = new Date(Date.now() - 3_600_000);
    const ids: string[] = [];
    // the dead-lettered deliveries, written into the delivery log's tables (the API made them at start)
    const pg = new Client({ connectionString: env.MANAGEMENT_POSTGRES_URL, options: `-c search_path=${env.MANAGEMENT_POSTGRES_SCHEMA}` });
    await pg.connect();
    try {
      for (let start = 0; start < count; start += 1000) {
        const rows: unknown[][] = [];
        for (let i = start; i < Math.min(count, start + 1000); i++) {
          const id = randomUUID();
          ids.push(id);
          rows.push([id, new Date(since.getTime() + 60_000 + i), randomUUID(), randomUUID(), JSON.stringify({ n: i })]);
        }
        const column = (c: number) => rows.map((r) => r[c]);
        await pg.query(
          // a delivery failed for good at its 10th attempt (its row keeps that attempt, times as epoch milliseconds)
          `INSERT INTO deliveries (id, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at, created_at, updated_at, attempts)
           SELECT u.id, 'bench', $6, 'env', 'Call:Hangup', u.event_id, u.call_uuid, 'EVENT', 'POST', $7, u.body, 'FAILED', 10, u.at, NULL, u.at, u.at,
                  jsonb_build_array(jsonb_build_object('attempt', 10, 'outcome', 'FAILED', 'status_code', NULL, 'error_class', 'connection_refused', 'latency_ms', 1,
                    'response_snippet', NULL, 'attempted_at', (extract(epoch FROM u.at) * 1000)::bigint, 'next_attempt_at', NULL))
             FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[]) AS u(id, at, event_id, call_uuid, body)`,
          [column(0), column(1), column(2), column(3), column(4), webhook.id, `${base}/crm`],
        );
      }
    } finally {
      await pg.end();
    }

    const cpuBefore = [await cpuSeconds(apiProcess), await cpuSeconds(dispatcher)];
    const t0 = Date.now();
    const recovery = await api.request<{ id: string }>('POST', `/v1/webhooks/${webhook.id}/recover`, { since: since.toISOString() });
    let last: Record<string, unknown> = {};
    const progress: string[] = [];
    for (;;) {
      last = await api.request<Record<string, unknown>>('GET', `/v1/recoveries/${recovery.id}`);
      progress.push(`${((Date.now() - t0) / 1000).toFixed(0)}s: delivered ${last.delivered}`);
      if (last.state === 'DONE') break;
      if (Date.now() - t0 > 30 * 60_000) throw new Error(`not done after 30 minutes: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 5000));
    }
    const seconds = (Date.now() - t0) / 1000;
    const cpuAfter = [await cpuSeconds(apiProcess), await cpuSeconds(dispatcher)];
    const got = receiver.to('/crm').map((r) => String(r.headers['webhook-id']));
    const unique = new Set(got);
    console.log(progress.join('\n'));
    console.log(
      JSON.stringify(
        {
          deliveries: count,
          window: Number(values.window),
          recovery: last,
          'seconds to DONE': +seconds.toFixed(1),
          'deliveries/s': +(count / seconds).toFixed(0),
          'received requests': got.length,
          'distinct webhook-ids': unique.size,
          'every original id once': got.length === count && ids.every((id) => unique.has(id)),
          'API CPU s': +(cpuAfter[0] - cpuBefore[0]).toFixed(1),
          'dispatcher CPU s': +(cpuAfter[1] - cpuBefore[1]).toFixed(1),
        },
        null,
        2,
      ),
    );
  } finally {
    for (const s of services.reverse()) await s.stop();
    await db.dropDatabase().catch(() => undefined);
    await db.close();
    await dropTestPostgresSchema(prefix).catch(() => undefined);
    await deleteTestTopics(prefix);
    await receiver.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
