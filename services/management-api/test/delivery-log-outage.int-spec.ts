/**
 * A database outage under the delivery log: the results that arrive meanwhile wait in their
 * topic (the batch is retried for as long as the database is away, like any dependency that is
 * down) and are applied once it is back; none goes to the dead-letter topic as if it were the
 * record's fault. The API reaches PostgreSQL (the delivery log) and MongoDB (the webhooks, which
 * a 410 Gone result disables) through TCP proxies that the test cuts and restores.
 */
import { Registry } from 'prom-client';
import { deadLetterTopicOf, type DeliveryAttemptResult } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import {
  eventually,
  metricSum,
  requireServers,
  TcpProxy,
  TEST_SERVERS,
  testDeliveryResult,
  testKafkaSettings,
  TopicCollector,
  uniqueDatabase,
  uniquePrefix,
} from '@callhooks/testing';
import { bearer, customerWithKey, startManagementApi, type RunningApi } from './management-api.harness';

/**
 * More failed attempts than the consumer runtime gives a batch whose handler keeps failing (3)
 * and then each of its records alone (3) before dead-lettering that record.
 */
const RETRIES_PAST_DEAD_LETTERING = 7;
const CUSTOMER = 'cust-outage';

function proxyTo(url: string, defaultPort: number): TcpProxy {
  const u = new URL(url.replace(/^(mongodb|postgres(ql)?):/, 'http:'));
  return new TcpProxy(u.hostname, Number(u.port || defaultPort));
}

describe('delivery log during a database outage (real Kafka, PostgreSQL and FerretDB)', () => {
  const prefix = uniquePrefix('dlog-outage');
  const database = uniqueDatabase('dlog_outage');
  const postgres = proxyTo(TEST_SERVERS.postgresUrl, 5432);
  const mongo = proxyTo(TEST_SERVERS.mongoUri, 27017);
  let api: RunningApi;
  let key: string;
  let kafka: KafkaContext;
  let letters: TopicCollector<unknown>;

  const send = (r: DeliveryAttemptResult) => kafka.send('deliveryResults', [{ key: r.delivery_id, value: r }]);
  const batchRetries = async () => metricSum(await api.app.get(Registry).metrics(), 'callhooks_consumer_batch_retries_total', /callhooks-delivery-log/);
  const lettersOf = (deliveryId: string) => letters.records.filter((r) => r.key === deliveryId);
  /** While `proxy` is cut, `result` is retried past the point where a failing record is dead-lettered; then the proxy is restored. */
  const sendDuringOutage = async (proxy: TcpProxy, result: DeliveryAttemptResult) => {
    await proxy.cut();
    try {
      const retriesAtCut = await batchRetries();
      await send(result);
      await eventually(async () => expect(await batchRetries()).toBeGreaterThanOrEqual(retriesAtCut + RETRIES_PAST_DEAD_LETTERING), 150_000, 1000);
    } finally {
      await proxy.restore();
    }
  };

  beforeAll(async () => {
    await requireServers();
    await Promise.all([postgres.start(), mongo.start()]);
    const postgresUrl = new URL(TEST_SERVERS.postgresUrl);
    postgresUrl.host = postgres.address;
    api = await startManagementApi({
      database,
      prefix,
      withDeliveryLog: true,
      env: { MONGODB_URI: `mongodb://${mongo.address}/${database}`, MANAGEMENT_POSTGRES_URL: postgresUrl.toString() },
    });
    const consumerReady = api.app
      .get(ReadinessChecks)
      .entries()
      .find(([name]) => name === 'delivery-log-consumer')![1];
    await eventually(consumerReady, 60_000);
    key = await customerWithKey(api, CUSTOMER);
    kafka = new KafkaContext({ service: 'dlog-outage-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    await (await kafka.provisioner()).ensure({ consumes: ['deliveryResults'] });
    letters = await new TopicCollector<unknown>(kafka.kafka, deadLetterTopicOf(kafka.topicName('deliveryResults'))).start();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([postgres.restore(), mongo.restore()]);
    await letters?.stop();
    await api?.close();
    await kafka?.onApplicationShutdown();
    await Promise.all([postgres.stop(), mongo.stop()]);
  });

  it('keeps the results that arrive while PostgreSQL is away and writes them once it is back', async () => {
    const delivered = async (deliveryId: string) => (await api.http().get(`/v1/deliveries/${deliveryId}`).set(bearer(key))).status;
    const before = testDeliveryResult({ customer_id: CUSTOMER });
    await send(before);
    await eventually(async () => expect(await delivered(before.delivery_id)).toBe(200), 30_000);

    const during = testDeliveryResult({ customer_id: CUSTOMER });
    await sendDuringOutage(postgres, during);
    await eventually(async () => expect(await delivered(during.delivery_id)).toBe(200), 60_000, 500);
    expect(lettersOf(during.delivery_id)).toEqual([]);
  }, 240_000);

  it('disables a webhook answered 410 Gone while MongoDB was away, once it is back', async () => {
    const webhook = await api.http().post('/v1/webhooks').set(bearer(key)).send({ event: 'Call:Hangup', method: 'POST', url: 'https://crm.example.com/gone', body: null }).expect(201);
    const gone = testDeliveryResult({ customer_id: CUSTOMER, webhook_id: webhook.body.id, outcome: 'GONE', status_code: 410, error_class: 'http_status' });
    await sendDuringOutage(mongo, gone);
    await eventually(
      async () => {
        const res = await api.http().get(`/v1/webhooks/${webhook.body.id}`).set(bearer(key)).expect(200);
        expect(res.body.enabled).toBe(false);
      },
      60_000,
      500,
    );
    expect(lettersOf(gone.delivery_id)).toEqual([]);
  }, 240_000);
});
