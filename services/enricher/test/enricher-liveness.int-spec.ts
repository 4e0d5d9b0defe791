import { simulateCall } from '@callhooks/call-simulator';
import { eventually, freePort, metricSum, requireServers, scrapeMetrics, uniquePrefix } from '@callhooks/testing';
import { EnricherHarness, eventsOf } from './enricher-harness';

jest.setTimeout(180_000);

/**
 * The built enricher whose consumer kafkajs stops for good: its input topic is deleted under
 * it (metadata answers "This server does not host this topic-partition" until the retries run
 * out: KafkaJSNumberOfRetriesExceeded, a CRASH kafkajs does not restart).
 */
describe('enricher: a consumer stopped under a running service (child process, real servers)', () => {
  let harness: EnricherHarness;
  let port: number;
  afterEach(() => harness.stop());

  async function startAndLoseTheInputTopic(env: Record<string, string>): Promise<string> {
    harness = new EnricherHarness(uniquePrefix('enricher-live'));
    await requireServers(['kafka', 'registry']);
    await harness.provision();
    port = await freePort();
    harness.startChild(port, env);
    await harness.childReady(port);
    const admin = harness.kafka.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [harness.kafka.topicName('callLegs')] });
    } finally {
      await admin.disconnect();
    }
    return `${harness.prefix}callhooks-enricher`;
  }

  const healthz = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  };

  it('with restarts off, /healthz answers 503 naming the consumer once it has been down for KAFKA_CONSUMER_DOWN_LIVENESS_MS', async () => {
    const group = await startAndLoseTheInputTopic({ KAFKA_CONSUMER_RESTART: 'false', KAFKA_CONSUMER_DOWN_LIVENESS_MS: '2000', LOG_LEVEL: 'fatal' });
    await eventually(async () => {
      const { status, body } = await healthz();
      expect(status).toBe(503);
      expect(body).toContain(`consumer ${group} has been out of its group`);
    }, 90_000, 1000);
    const metrics = await scrapeMetrics(`http://127.0.0.1:${port}`);
    expect(metricSum(metrics, 'callhooks_consumer_up', new RegExp(`group="${group}"`))).toBe(0);
    expect(metricSum(metrics, 'callhooks_consumer_restarts_total')).toBe(0);
  });

  it('with restarts on, the consumer is restarted until its topic is back, then enriches the calls that follow; liveness stays up', async () => {
    const group = await startAndLoseTheInputTopic({ KAFKA_CONSUMER_RESTART_MAX_BACKOFF_MS: '2000', LOG_LEVEL: 'fatal' });
    const metricsOf = () => scrapeMetrics(`http://127.0.0.1:${port}`);
    await eventually(async () => expect(metricSum(await metricsOf(), 'callhooks_consumer_restarts_total', new RegExp(`group="${group}"`))).toBeGreaterThanOrEqual(1), 90_000, 1000);
    // the topic comes back (an operator recreates it): the next restart joins
    await harness.provision();
    const events = await harness.events();
    const call = simulateCall('busy', { seed: 801, startAt: Date.now() - 60_000 });
    await eventually(async () => expect(metricSum(await metricsOf(), 'callhooks_consumer_up', new RegExp(`group="${group}"`))).toBe(1), 60_000, 500);
    await harness.publishLegs(call.legs);
    await events.until((rs) => rs.some((r) => r.value?.call_uuid === call.callUuid && r.value.event === 'Call:Reporting'), 60_000);
    expect(eventsOf(events.values(), call.callUuid).map((e) => e.event)).toEqual(expect.arrayContaining(['Call:Hangup', 'Call:Reporting']));
    expect((await healthz()).status).toBe(200);
  });
});
