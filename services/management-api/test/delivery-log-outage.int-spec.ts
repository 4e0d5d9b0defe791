/**
 * A MongoDB outage under the delivery log: the results that arrive meanwhile wait in their
 * topic (the batch is retried for as long as the database is away, like any dependency that is
 * down) and are written once it is back; none goes to the dead-letter topic as if it were the
 * record's fault. The API reaches FerretDB through a TCP proxy that the test cuts and restores.
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
import { startManagementApi, type RunningApi } from './management-api.harness';

/**
 * More failed attempts than the consumer runtime gives a batch whose handler keeps failing (3)
 * and then each of its records alone (3) before dead-lettering that record.
 */
const RETRIES_PAST_DEAD_LETTERING = 7;

describe('delivery log during a MongoDB outage (real Kafka and FerretDB)', () => {
  const prefix = uniquePrefix('dlog-outage');
  const database = uniqueDatabase('dlog_outage');
  const mongo = new URL(TEST_SERVERS.mongoUri);
  const proxy = new TcpProxy(mongo.hostname, Number(mongo.port || 27017));
  let api: RunningApi;
  let kafka: KafkaContext;
  let letters: TopicCollector<unknown>;

  const logged = (deliveryId: string) => api.connection.collection('deliveries').findOne({ _id: deliveryId as never });
  const send = (r: DeliveryAttemptResult) => kafka.send('deliveryResults', [{ key: r.delivery_id, value: r }]);
  const batchRetries = async () => metricSum(await api.app.get(Registry).metrics(), 'callhooks_consumer_batch_retries_total', /callhooks-delivery-log/);

  beforeAll(async () => {
    await requireServers();
    await proxy.start();
    api = await startManagementApi({ database, prefix, withDeliveryLog: true, env: { MONGODB_URI: `mongodb://${proxy.address}/${database}` } });
    const consumerReady = api.app
      .get(ReadinessChecks)
      .entries()
      .find(([name]) => name === 'delivery-log-consumer')![1];
    await eventually(consumerReady, 60_000);
    kafka = new KafkaContext({ service: 'dlog-outage-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    const dlq = deadLetterTopicOf(kafka.topicName('deliveryResults'));
    await (await kafka.provisioner()).ensure({ consumes: ['deliveryResults'] });
    letters = await new TopicCollector<unknown>(kafka.kafka, dlq).start();
  }, 120_000);

  afterAll(async () => {
    await proxy.restore();
    await letters?.stop();
    await api?.close();
    await kafka?.onApplicationShutdown();
    await proxy.stop();
  });

  it('keeps the results that arrive while MongoDB is away and writes them once it is back', async () => {
    const before = testDeliveryResult({ customer_id: 'cust-outage' });
    await send(before);
    await eventually(async () => expect(await logged(before.delivery_id)).not.toBeNull(), 30_000);

    await proxy.cut();
    const retriesAtCut = await batchRetries();
    const during = testDeliveryResult({ customer_id: 'cust-outage' });
    await send(during);
    // still retried past the point where a record whose handler keeps failing is dead-lettered
    await eventually(async () => expect(await batchRetries()).toBeGreaterThanOrEqual(retriesAtCut + RETRIES_PAST_DEAD_LETTERING), 150_000, 1000);

    await proxy.restore();
    await eventually(async () => expect(await logged(during.delivery_id)).not.toBeNull(), 60_000, 500);
    expect(letters.records.filter((r) => r.key === during.delivery_id)).toEqual([]);
  }, 240_000);
});
