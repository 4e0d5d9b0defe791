import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { DeliveryAttemptResult, DeliveryJob } from '@callhooks/contracts';
import { KafkaContext, KafkaModule, startKafkaConsumers } from '@callhooks/kafka';
import { HealthModule, MetricsModule, nestLoggerParams, ReadinessChecks } from '@callhooks/observability';
import { dropTestPostgresSchema, eventually, requireServers, TEST_SERVERS, testDeliveryResult, testEnv, testKafkaSettings, TopicCollector, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { AuthModule } from '../src/auth/auth.module';
import { ApiExceptionFilter } from '../src/common/api-exception.filter';
import { createValidationPipe } from '../src/common/validation';
import { loadManagementApiConfig, MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../src/config/management-api.config';
import { generateApiKey } from '../src/customers/api-key.codec';
import { ApiKey } from '../src/customers/api-key.schema';
import { DatabaseModule } from '../src/database/database.module';
import { DeliveriesModule } from '../src/deliveries/deliveries.module';
import { DeliveryRetention } from '../src/deliveries/delivery-retention';
import { WebhookTestJobs } from '../src/deliveries/webhook-test-jobs';

/**
 * Stands in for the webhooks feature's implementation of the port (it renders the sample
 * payload with the webhook's template): here a fixed body, so the test is about sending the
 * job and waiting for its attempt.
 */
class FixedTestJobs extends WebhookTestJobs {
  async build(customerId: string, webhookId: string): Promise<DeliveryJob> {
    return {
      delivery_id: `test-${randomUUID()}`,
      webhook_id: webhookId,
      customer_id: customerId,
      environment_id: null,
      event_id: `test-${randomUUID()}`,
      event: 'Call:Hangup',
      call_uuid: null,
      origin: 'TEST',
      method: 'POST',
      url: 'https://crm.example.com/hooks/test',
      body: '{"uuid":"sample"}',
      headers: {},
      attempt: 1,
      created_at: Date.now(),
      not_before: null,
    };
  }
}

/** Stands in for WebhooksModule: the delivery log's test sends get FixedTestJobs' job. */
@Module({ providers: [{ provide: WebhookTestJobs, useClass: FixedTestJobs }], exports: [WebhookTestJobs] })
class FixedWebhookPorts {}

jest.setTimeout(60_000);

/** The management API's infrastructure (database, auth, Kafka) with the delivery log alone on top. */
@Module({})
class DeliveriesApp {
  static register(config: ManagementApiConfig): DynamicModule {
    return {
      module: DeliveriesApp,
      global: true,
      imports: [
        LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)),
        MetricsModule.forRoot(config.service),
        HealthModule,
        KafkaModule.forRoot({ service: config.service, logLevel: config.logLevel, kafka: config.kafka, registry: config.registry }),
        DatabaseModule,
        AuthModule,
        DeliveriesModule.forRoot({ consumerGroup: 'callhooks-delivery-log', retentionDays: 30, purgeIntervalMs: 3_600_000, testSendWaitMs: 2000, fetchLingerMs: 250 }, FixedWebhookPorts),
      ],
      providers: [{ provide: MANAGEMENT_API_CONFIG, useValue: config }],
      exports: [MANAGEMENT_API_CONFIG],
    };
  }
}

const DAY = 24 * 3_600_000;

function result(deliveryId: string, attempt: number, outcome: DeliveryAttemptResult['outcome'], over: Partial<DeliveryAttemptResult> = {}): DeliveryAttemptResult {
  return testDeliveryResult({
    delivery_id: deliveryId,
    webhook_id: 'wh-1',
    customer_id: 'cust-a',
    environment_id: 'env-1',
    event_id: `evt-${deliveryId}`,
    call_uuid: 'call-1',
    attempt,
    outcome,
    status_code: outcome === 'SUCCEEDED' ? 200 : outcome === 'BREAKER_OPEN' ? null : 500,
    error_class: outcome === 'SUCCEEDED' ? null : outcome === 'BREAKER_OPEN' ? 'breaker_open' : 'http_status',
    latency_ms: 12,
    response_snippet: outcome === 'SUCCEEDED' ? 'ok' : 'boom',
    url: 'https://crm.example.com/hooks/calls',
    request_body: '{"uuid":"call-1"}',
    attempted_at: Date.now() - (10 - attempt) * 1000,
    next_attempt_at: outcome === 'RETRYING' || outcome === 'BREAKER_OPEN' ? Date.now() + 5000 : null,
    ...over,
  });
}

describe('management API delivery log (e2e, real Kafka, FerretDB and PostgreSQL)', () => {
  const prefix = uniquePrefix('dlog');
  const database = uniqueDatabase('dlog');
  let app: INestApplication;
  let kafka: KafkaContext;
  let keyA: string;
  let keyB: string;
  let jobs: TopicCollector<DeliveryJob>;
  const ids = { a: `dlv-a-${randomUUID()}`, b: `dlv-b-${randomUUID()}`, c: `dlv-c-${randomUUID()}`, d: `dlv-d-${randomUUID()}`, old: `dlv-old-${randomUUID()}` };

  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    await requireServers();
    const config = loadManagementApiConfig(
      testEnv(prefix, {
        MONGODB_URI: `${TEST_SERVERS.mongoUri.replace(/\/$/, '')}/${database}`,
        MANAGEMENT_OPERATOR_TOKEN: 'operator-token-for-the-delivery-log-test',
        HTTP_PORT: '3999',
      }),
    );
    app = await NestFactory.create(DeliveriesApp.register(config), { logger: false });
    app.useGlobalFilters(new ApiExceptionFilter());
    app.useGlobalPipes(createValidationPipe());
    await startKafkaConsumers(app);
    // the delivery log joins its group in the background (the API must start without Kafka)
    const consumerReady = app.get(ReadinessChecks).entries().find(([name]) => name === 'delivery-log-consumer')![1];
    await eventually(consumerReady, 60_000);

    const keys = app.get<Model<ApiKey>>(getModelToken(ApiKey.name));
    const a = generateApiKey();
    const b = generateApiKey();
    await keys.create({ _id: randomUUID(), customer_id: 'cust-a', name: 'test', prefix: a.prefix, hash: a.hash });
    await keys.create({ _id: randomUUID(), customer_id: 'cust-b', name: 'test', prefix: b.prefix, hash: b.hash });
    keyA = a.key;
    keyB = b.key;

    kafka = new KafkaContext({ service: 'dlog-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    jobs = await new TopicCollector<DeliveryJob>(kafka.kafka, kafka.topicName('deliveries'), kafka.serde).start();
    const results = [
      result(ids.a, 1, 'RETRYING'),
      result(ids.a, 1, 'RETRYING'), // the same result again (a replay after a crash)
      result(ids.a, 2, 'SUCCEEDED'),
      result(ids.b, 1, 'FAILED', { webhook_id: 'wh-2', environment_id: 'env-2', call_uuid: 'call-2', event: 'Call:Answer' }),
      result(ids.c, 1, 'SUCCEEDED', { customer_id: 'cust-b' }),
      result(ids.d, 1, 'RETRYING'),
      result(ids.d, 2, 'BREAKER_OPEN'),
      result(ids.old, 1, 'SUCCEEDED', { attempted_at: Date.now() - 40 * DAY }),
    ];
    await kafka.send('deliveryResults', results.map((r) => ({ key: r.delivery_id, value: r })));
    await eventually(async () => {
      const res = await api().get(`/v1/deliveries/${ids.old}`).set('authorization', `Bearer ${keyA}`);
      if (res.status !== 200) throw new Error(`not in the log yet: ${res.status}`);
      // results of different deliveries sit in different partitions: wait for each one asserted below
      for (const id of [ids.a, ids.d]) {
        const d = await api().get(`/v1/deliveries/${id}`).set('authorization', `Bearer ${keyA}`);
        if (d.body.attempts?.length !== 2) throw new Error(`${id} not complete yet`);
      }
      const b = await api().get(`/v1/deliveries/${ids.b}`).set('authorization', `Bearer ${keyA}`);
      if (b.status !== 200) throw new Error('b not in the log yet');
      const c = await api().get(`/v1/deliveries/${ids.c}`).set('authorization', `Bearer ${keyB}`);
      if (c.status !== 200) throw new Error('c not in the log yet');
    }, 40_000, 250);
  }, 60_000);

  afterAll(async () => {
    await jobs?.stop();
    await kafka?.onApplicationShutdown();
    const conn = app ? (app.get(getModelToken(ApiKey.name)) as Model<ApiKey>).db : undefined;
    await conn?.dropDatabase().catch(() => undefined);
    await app?.close();
    await dropTestPostgresSchema(prefix);
  });

  it('keeps one row per delivery with each attempt once, status from the latest attempt', async () => {
    const res = await api().get(`/v1/deliveries/${ids.a}`).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(res.body).toMatchObject({ id: ids.a, status: 'SUCCEEDED', attempt_count: 2, webhook_id: 'wh-1', call_uuid: 'call-1', method: 'POST', request_body: '{"uuid":"call-1"}' });
    expect(res.body.attempts.map((a: { attempt: number; outcome: string; status_code: number }) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'RETRYING', 500],
      [2, 'SUCCEEDED', 200],
    ]);
    const d = await api().get(`/v1/deliveries/${ids.d}`).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(d.body).toMatchObject({ status: 'RETRYING', attempt_count: 1 });
    expect(d.body.next_attempt_at).not.toBeNull();
  });

  it('merges a replayed first result of a delivery already in the log (a batch read again after a crash) instead of stalling', async () => {
    const replayed = result(ids.c, 1, 'SUCCEEDED', { customer_id: 'cust-b', latency_ms: 999 });
    const after = `dlv-after-${randomUUID()}`;
    // the same key, so the same partition: a consumer stalled on the replay would never write the one after it.
    // Both may land in one batch, whose new documents are inserted before the replay is merged: wait for both.
    await kafka.send('deliveryResults', [replayed, result(after, 1, 'SUCCEEDED', { customer_id: 'cust-b' })].map((r) => ({ key: ids.c, value: r })));
    const c = await eventually(async () => {
      const res = await api().get(`/v1/deliveries/${after}`).set('authorization', `Bearer ${keyB}`);
      if (res.status !== 200) throw new Error(`not in the log yet: ${res.status}`);
      const merged = await api().get(`/v1/deliveries/${ids.c}`).set('authorization', `Bearer ${keyB}`).expect(200);
      if (merged.body.attempts?.[0]?.latency_ms !== 999) throw new Error('the replay is not merged yet');
      return merged;
    }, 40_000, 250);
    expect(c.body.attempts).toHaveLength(1);
    expect(c.body.attempts[0]).toMatchObject({ attempt: 1, outcome: 'SUCCEEDED', latency_ms: 999 }); // the last result read wins
  });

  it('lists a customer’s deliveries newest first, with filters, and never another customer’s', async () => {
    const all = await api().get('/v1/deliveries').set('authorization', `Bearer ${keyA}`).expect(200);
    const listed = all.body.data.map((d: { id: string }) => d.id);
    expect(listed).toEqual(expect.arrayContaining([ids.a, ids.b, ids.d]));
    expect(listed).not.toContain(ids.c);
    expect(all.body.data[0].attempts).toBeUndefined();
    const byWebhook = await api().get('/v1/deliveries').query({ webhook_id: 'wh-2' }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(byWebhook.body.data.map((d: { id: string }) => d.id)).toEqual([ids.b]);
    const byStatus = await api().get('/v1/deliveries').query({ status: 'FAILED' }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(byStatus.body.data.map((d: { id: string }) => d.id)).toEqual([ids.b]);
    const byCall = await api().get('/v1/deliveries').query({ call_uuid: 'call-2', event: 'Call:Answer', environment_id: 'env-2' }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(byCall.body.data.map((d: { id: string }) => d.id)).toEqual([ids.b]);
    const recent = await api().get('/v1/deliveries').query({ from: new Date(Date.now() - DAY).toISOString() }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(recent.body.data.map((d: { id: string }) => d.id)).not.toContain(ids.old);
    const older = await api().get('/v1/deliveries').query({ to: new Date(Date.now() - 30 * DAY).toISOString() }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(older.body.data.map((d: { id: string }) => d.id)).toEqual([ids.old]);
    const paged = await api().get('/v1/deliveries').query({ limit: 2 }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(paged.body.data).toHaveLength(2);
    expect(paged.body.page).toMatchObject({ limit: 2, total: 4 });
    const next = await api().get('/v1/deliveries').query({ limit: 2, cursor: paged.body.page.next_cursor }).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(next.body.data.map((d: { id: string }) => d.id)).not.toContain(paged.body.data[0].id);
  });

  it('answers 404 for another customer’s delivery, 401 without a key, 400 naming a bad filter', async () => {
    await api().get(`/v1/deliveries/${ids.c}`).set('authorization', `Bearer ${keyA}`).expect(404);
    await api().get(`/v1/deliveries/${ids.c}`).set('authorization', `Bearer ${keyB}`).expect(200);
    await api().get('/v1/deliveries').expect(401);
    const bad = await api().get('/v1/deliveries').query({ status: 'NOPE', from: 'yesterday' }).set('authorization', `Bearer ${keyA}`).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['from', 'status']);
    const nul = await api().get('/v1/deliveries').query({ call_uuid: 'call\u0000', event: 'Call:\u0007' }).set('authorization', `Bearer ${keyA}`).expect(400);
    expect(nul.body.error.fields).toEqual(
      expect.arrayContaining([
        { field: 'call_uuid', message: 'must not contain control characters' },
        { field: 'event', message: 'must not contain control characters' },
      ]),
    );
  });

  it('redelivers: one more attempt of the same message (same delivery id), then refuses while it is pending', async () => {
    const res = await api().post(`/v1/deliveries/${ids.a}/redeliver`).set('authorization', `Bearer ${keyA}`).expect(202);
    expect(res.body).toEqual({ delivery_id: ids.a, attempt: 3 });
    const [job] = await eventually(() => {
      const found = jobs.values().filter((j) => j.delivery_id === ids.a);
      if (found.length === 0) throw new Error('no job yet');
      return found;
    });
    expect(job).toMatchObject({ origin: 'REDELIVERY', attempt: 3, method: 'POST', url: 'https://crm.example.com/hooks/calls', body: '{"uuid":"call-1"}', webhook_id: 'wh-1', customer_id: 'cust-a' });
    expect(jobs.records.find((r) => r.value?.delivery_id === ids.a)?.key).toBe('https://crm.example.com:443');
    const after = await api().get(`/v1/deliveries/${ids.a}`).set('authorization', `Bearer ${keyA}`).expect(200);
    expect(after.body.status).toBe('PENDING');
    const again = await api().post(`/v1/deliveries/${ids.a}/redeliver`).set('authorization', `Bearer ${keyA}`).expect(409);
    expect(again.body.error.code).toBe('conflict');
    await api().post(`/v1/deliveries/${ids.d}/redeliver`).set('authorization', `Bearer ${keyA}`).expect(409); // still retrying
    await api().post(`/v1/deliveries/${ids.c}/redeliver`).set('authorization', `Bearer ${keyA}`).expect(404);

    // the redelivered attempt's result lands on the same delivery
    await kafka.send('deliveryResults', [{ key: ids.a, value: result(ids.a, 3, 'SUCCEEDED', { origin: 'REDELIVERY', attempted_at: Date.now() }) }]);
    await eventually(async () => {
      const r = await api().get(`/v1/deliveries/${ids.a}`).set('authorization', `Bearer ${keyA}`);
      if (r.body.attempts.length !== 3 || r.body.status !== 'SUCCEEDED') throw new Error('not yet');
    });
  });

  it('test-sends: queues a TEST job and answers with its attempt once the result is in', async () => {
    const answer = api().post('/v1/webhooks/wh-9/test').set('authorization', `Bearer ${keyA}`).then((r) => r);
    // play the dispatcher: take the TEST job, publish its attempt's result
    const job = await eventually(() => {
      const found = jobs.values().find((j) => j.origin === 'TEST' && j.webhook_id === 'wh-9');
      if (!found) throw new Error('no test job yet');
      return found;
    });
    expect(job).toMatchObject({ customer_id: 'cust-a', attempt: 1, url: 'https://crm.example.com/hooks/test' });
    await kafka.send('deliveryResults', [
      { key: job.delivery_id, value: result(job.delivery_id, 1, 'SUCCEEDED', { origin: 'TEST', webhook_id: 'wh-9', attempted_at: Date.now() }) },
    ]);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delivery_id: job.delivery_id, state: 'DONE', attempt: { attempt: 1, outcome: 'SUCCEEDED', status_code: 200 } });
  });

  it('test-sends: answers 202 with the delivery id when the attempt takes longer than the wait', async () => {
    const res = await api().post('/v1/webhooks/wh-8/test').set('authorization', `Bearer ${keyA}`).expect(202);
    expect(res.body).toEqual({ delivery_id: expect.stringMatching(/^test-/), state: 'PENDING' });
  });

  it('purges deliveries past the retention period', async () => {
    expect(await app.get(DeliveryRetention).purge()).toBe(1);
    await api().get(`/v1/deliveries/${ids.old}`).set('authorization', `Bearer ${keyA}`).expect(404);
    await api().get(`/v1/deliveries/${ids.a}`).set('authorization', `Bearer ${keyA}`).expect(200);
  });

  it('purges, in its runs after the first, what expired since the day before', async () => {
    const expired = `dlv-expired-${randomUUID()}`;
    await kafka.send('deliveryResults', [{ key: expired, value: result(expired, 1, 'SUCCEEDED', { attempted_at: Date.now() - 30 * DAY - 2 * 3_600_000 }) }]);
    await eventually(() => api().get(`/v1/deliveries/${expired}`).set('authorization', `Bearer ${keyA}`).expect(200), 30_000, 250);
    expect(await app.get(DeliveryRetention).purge()).toBe(1);
    await api().get(`/v1/deliveries/${expired}`).set('authorization', `Bearer ${keyA}`).expect(404);
    await api().get(`/v1/deliveries/${ids.a}`).set('authorization', `Bearer ${keyA}`).expect(200);
  });
});
