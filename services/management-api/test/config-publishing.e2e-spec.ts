import type { Kafka } from 'kafkajs';
import type { ConfigRecord } from '@callhooks/contracts';
import { AvroSerde, createKafka } from '@callhooks/kafka';
import { createLogger } from '@callhooks/observability';
import { eventually, requireServers, testKafkaSettings, TopicCollector, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, startManagementApi, type RunningApi } from './management-api.harness';

interface StoredWebhook {
  _id: string;
  customer_id: string;
  enabled: boolean;
  event: string;
  method: string;
  url: string;
  body: string | null;
  headers: Array<{ name: string; value: string }>;
  secrets: Array<{ secret: string; expires_at: Date | null }>;
  rate_limit?: number | null;
  version: number;
  publish_pending: boolean;
  deleted_at: Date | null;
}

interface StoredEnvironment {
  customer_id: string;
  environment_id: string;
  name: string;
  timezone: string;
  webhook_ids: string[];
  version: number;
  publish_pending: boolean;
  deleted_at: Date | null;
}

/** The config topic as compaction leaves it: the last record of every key. */
function compacted(collector: TopicCollector<ConfigRecord>): Map<string, ConfigRecord> {
  const last = new Map<string, ConfigRecord>();
  for (const r of collector.records) if (r.key !== null && r.value) last.set(r.key, r.value);
  return last;
}

/** What MongoDB holds, as the config topic should carry it (built from the raw documents, not the API's mapper). */
async function expectedFromMongo(api: RunningApi): Promise<Map<string, Partial<ConfigRecord>>> {
  const expected = new Map<string, Partial<ConfigRecord>>();
  const webhooks = (await api.connection.collection('webhooks').find({}).toArray()) as unknown as StoredWebhook[];
  for (const w of webhooks) {
    const deleted = w.deleted_at !== null;
    expected.set(`WEBHOOK:${w._id}`, {
      entity_type: 'WEBHOOK',
      entity_id: w._id,
      customer_id: w.customer_id,
      version: w.version,
      deleted,
      environment: null,
      webhook: deleted
        ? null
        : {
            id: w._id,
            enabled: w.enabled,
            event: w.event,
            method: w.method as 'GET' | 'POST',
            url: w.url,
            body: w.body,
            headers: Object.fromEntries(w.headers.map((h) => [h.name, h.value])),
            secrets: w.secrets.map((s) => ({ secret: s.secret, expires_at: s.expires_at ? s.expires_at.getTime() : null })),
            rate_limit: w.rate_limit ?? null,
          },
    });
  }
  const environments = (await api.connection.collection('environments').find({}).toArray()) as unknown as StoredEnvironment[];
  for (const e of environments) {
    const deleted = e.deleted_at !== null;
    expected.set(`ENVIRONMENT:${e.customer_id}:${e.environment_id}`, {
      entity_type: 'ENVIRONMENT',
      entity_id: e.environment_id,
      customer_id: e.customer_id,
      version: e.version,
      deleted,
      webhook: null,
      environment: deleted ? null : { id: e.environment_id, name: e.name, timezone: e.timezone, webhook_ids: e.webhook_ids },
    });
  }
  return expected;
}

/** The topic, read from the start and compacted, equals MongoDB: same keys, same versions, same content; nothing left flagged. */
async function expectTopicEqualsMongo(api: RunningApi, collector: TopicCollector<ConfigRecord>): Promise<void> {
  await eventually(async () => {
    const expected = await expectedFromMongo(api);
    const topic = compacted(collector);
    expect([...topic.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, want] of expected) expect({ key, ...topic.get(key) }).toEqual({ key, ...want, published_at: expect.any(Number) });
    const pending =
      (await api.connection.collection('webhooks').countDocuments({ publish_pending: true })) +
      (await api.connection.collection('environments').countDocuments({ publish_pending: true }));
    expect(pending).toBe(0);
  }, 30_000);
}

async function metric(api: RunningApi, line: RegExp): Promise<number> {
  const text = (await api.http().get('/metrics').expect(200)).text;
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.split(' ').pop()) : NaN;
}

describe('config publishing to the compacted config topic (e2e, real Kafka, registry and FerretDB)', () => {
  let kafka: Kafka;
  let serde: AvroSerde;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
  });

  function collectorFor(prefix: string): TopicCollector<ConfigRecord> {
    const settings = testKafkaSettings(prefix);
    kafka = createKafka(settings.kafka, createLogger('config-publishing-test', 'warn'));
    serde = new AvroSerde(settings.registry);
    return new TopicCollector<ConfigRecord>(kafka, `${prefix}callhooks.webhook-config.v1`, serde);
  }

  it('after a sequence of changes, the topic read from the start equals MongoDB', async () => {
    const prefix = uniquePrefix('mgmt-pub');
    const api = await startManagementApi({ database: uniqueDatabase('mgmt_pub'), prefix });
    const collector = collectorFor(prefix);
    try {
      const a = bearer(await customerWithKey(api, 'pub-a'));
      const b = bearer(await customerWithKey(api, 'pub-b'));
      const hook = async (auth: Record<string, string>, over: Record<string, unknown> = {}) =>
        (
          await api
            .http()
            .post('/v1/webhooks')
            .set(auth)
            .send({ event: 'Call:Hangup', url: 'http://127.0.0.1:9/hook', ...over })
            .expect(201)
        ).body.id as string;
      const w1 = await hook(a, { body: '{"id": "{{uuid}}"}', headers: { 'X-Tenant': 'a' } });
      const w2 = await hook(a, { method: 'GET', event: 'Call:Answer' });
      const w3 = await hook(a);
      const w4 = await hook(b, { event: 'Ivr:Start' });
      await api.http().patch(`/v1/webhooks/${w1}`).set(a).send({ enabled: false, url: 'http://127.0.0.1:9/other' }).expect(200);
      await api.http().post(`/v1/webhooks/${w2}/secret/rotate`).set(a).expect(200);
      await api.http().put('/v1/environments/prod').set(a).send({ name: 'Prod', timezone: 'Asia/Jerusalem' }).expect(201);
      await api.http().put('/v1/environments/prod').set(b).send({ name: 'B Prod', timezone: 'UTC' }).expect(201);
      await api
        .http()
        .put('/v1/environments/prod/webhooks')
        .set(a)
        .send({ webhook_ids: [w1, w2, w3] })
        .expect(200);
      await api.http().post('/v1/environments/prod/webhooks').set(b).send({ webhook_id: w4 }).expect(201);
      await api.http().delete(`/v1/webhooks/${w3}`).set(a).expect(204);
      await api.http().put('/v1/environments/test').set(a).send({ name: 'Test', timezone: 'UTC' }).expect(201);
      await api.http().delete('/v1/environments/test').set(a).expect(204);
      await api.http().put('/v1/environments/prod').set(a).send({ name: 'Production', timezone: 'Asia/Jerusalem' }).expect(200);

      await eventually(async () => expect(await metric(api, /^callhooks_config_publish_total\{outcome="success"/)).toBeGreaterThan(0), 20_000);
      await collector.start();
      await expectTopicEqualsMongo(api, collector);
      const topic = compacted(collector);
      // spot checks of the meaning, beyond equality: the deleted webhook is a deletion record, A's environment lost it
      expect(topic.get(`WEBHOOK:${w3}`)).toMatchObject({ deleted: true, webhook: null });
      expect(topic.get('ENVIRONMENT:pub-a:prod')?.environment).toEqual({ id: 'prod', name: 'Production', timezone: 'Asia/Jerusalem', webhook_ids: [w1, w2] });
      expect(topic.get('ENVIRONMENT:pub-b:prod')?.environment?.webhook_ids).toEqual([w4]);
      expect(topic.get(`WEBHOOK:${w2}`)?.webhook?.secrets).toHaveLength(2);
      // records of one key arrive in version order, so compaction can only keep the newest
      const versions = new Map<string, number>();
      for (const r of collector.records) {
        if (!r.key || !r.value) continue;
        expect(r.value.version).toBeGreaterThanOrEqual(versions.get(r.key) ?? 0);
        versions.set(r.key, r.value.version);
      }
      expect(await metric(api, /^callhooks_config_unpublished\{/)).toBe(0);
    } finally {
      await collector.stop();
      await api.connection.dropDatabase();
      await api.close();
    }
  });

  it('answers writes while Kafka is unreachable, and the reconciler of the next start brings the topic level', async () => {
    const prefix = uniquePrefix('mgmt-down');
    const database = uniqueDatabase('mgmt_down');
    // Kafka "down" for this instance only: its brokers point at a closed port (the shared Kafka stays up for everyone else)
    const down = await startManagementApi({ database, prefix, env: { KAFKA_BROKERS: '127.0.0.1:1' } });
    const ids: string[] = [];
    try {
      const auth = bearer(await customerWithKey(down, 'down-cust'));
      for (let i = 0; i < 4; i++) {
        ids.push(
          (
            await down
              .http()
              .post('/v1/webhooks')
              .set(auth)
              .send({ event: 'Call:Ringing', url: `http://127.0.0.1:9/h${i}` })
              .expect(201)
          ).body.id,
        );
      }
      await down.http().patch(`/v1/webhooks/${ids[0]}`).set(auth).send({ enabled: false }).expect(200);
      await down.http().post(`/v1/webhooks/${ids[1]}/secret/rotate`).set(auth).expect(200);
      await down.http().put('/v1/environments/env-1').set(auth).send({ name: 'One', timezone: 'UTC' }).expect(201);
      await down
        .http()
        .put('/v1/environments/env-1/webhooks')
        .set(auth)
        .send({ webhook_ids: ids.slice(0, 3) })
        .expect(200);
      await down.http().delete(`/v1/webhooks/${ids[2]}`).set(auth).expect(204);
      // every write was answered, and none of them is published: the answers did not wait on
      // Kafka (which this instance can never reach; a request waiting on it would never end)
      expect(await down.connection.collection('webhooks').countDocuments({ publish_pending: true })).toBe(4);
      expect(await down.connection.collection('environments').countDocuments({ publish_pending: true })).toBe(1);
      await eventually(async () => expect(await metric(down, /^callhooks_config_publish_total\{outcome="failure"/)).toBeGreaterThan(0), 20_000);
      expect(await metric(down, /^callhooks_config_unpublished\{/)).toBe(5);
    } finally {
      await down.close();
    }

    // the same database, Kafka reachable again: the reconciler's first pass publishes everything
    const up = await startManagementApi({ database, prefix });
    const collector = collectorFor(prefix);
    try {
      await eventually(async () => expect(await metric(up, /^callhooks_config_publish_total\{outcome="success"/)).toBeGreaterThanOrEqual(5), 30_000);
      await collector.start();
      await expectTopicEqualsMongo(up, collector);
      expect(compacted(collector).get(`WEBHOOK:${ids[2]}`)).toMatchObject({ deleted: true });
      expect(compacted(collector).get('ENVIRONMENT:down-cust:env-1')?.environment?.webhook_ids).toEqual(ids.slice(0, 2));
      expect(await metric(up, /^callhooks_config_reconciled_total\{/)).toBeGreaterThanOrEqual(5);
    } finally {
      await collector.stop();
      await up.connection.dropDatabase();
      await up.close();
    }
  });
});
