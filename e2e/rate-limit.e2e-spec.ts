/**
 * A webhook's rate_limit end to end: the management API and the dispatcher from the build, one
 * partition (so a limited webhook and an unlimited one share every batch), and the spacing
 * measured at the receiver: the limited webhook's requests never exceed its rate in any second
 * (one request of slack for network jitter), none uses an attempt, and the unlimited webhook's
 * deliveries are not held behind it.
 */
import { eventually, RecordingReceiver, metricSum, scrapeMetrics } from '@callhooks/testing';
import { FailingEndpointStack } from './failing-endpoint/failing-endpoint.stack';

jest.setTimeout(180_000);

const RATE = 5;
const COUNT = 30;

describe('rate_limit of a webhook (e2e)', () => {
  const stack = new FailingEndpointStack('ratelimit', { KAFKA_TOPIC_PARTITIONS: '1', DISPATCHER_BATCH_DEADLINE_MS: '1000' });
  const limitedReceiver = new RecordingReceiver();
  const freeReceiver = new RecordingReceiver();

  afterAll(async () => {
    await stack.stop();
    await limitedReceiver.stop();
    await freeReceiver.stop();
  });

  it('spaces the limited webhook\u2019s requests at the receiver, without attempts, and holds no other webhook back', async () => {
    const limitedBase = await limitedReceiver.start();
    const freeBase = await freeReceiver.start();
    await stack.start();
    const limited = await stack.createWebhook(`${limitedBase}/crm`, { rate_limit: RATE });
    expect(limited).toMatchObject({ rate_limit: RATE });
    const free = await stack.createWebhook(`${freeBase}/other`);
    await stack.configPublished();
    // interleaved in one partition: every batch holds jobs of both
    const a = stack.jobs(limited, COUNT);
    const b = stack.jobs(free, COUNT);
    await stack.publish(a.flatMap((job, i) => [job, b[i]]));

    await eventually(() => expect(limitedReceiver.to('/crm')).toHaveLength(COUNT), 120_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}\n${stack.logs()}`);
    });
    const arrivals = limitedReceiver.to('/crm').map((r) => r.receivedAt);
    const busiestSecond = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u < t + 1000).length));
    expect(busiestSecond).toBeLessThanOrEqual(RATE + 1);
    expect(new Set(limitedReceiver.to('/crm').map((r) => r.headers['webhook-id'])).size).toBe(COUNT);

    // the unlimited webhook's deliveries all came before the limited one's last
    expect(freeReceiver.to('/other')).toHaveLength(COUNT);
    expect(Math.max(...freeReceiver.to('/other').map((r) => r.receivedAt))).toBeLessThan(Math.max(...arrivals));

    // no attempt used: every delivery succeeded at its first attempt
    await eventually(async () => {
      const log = await stack.api.request<{ data: Array<{ status: string; attempt_count: number }> }>('GET', `/v1/deliveries?webhook_id=${limited.id}&limit=100`);
      expect(log.data).toHaveLength(COUNT);
      expect(log.data.every((d) => d.status === 'SUCCEEDED' && d.attempt_count === 1)).toBe(true);
    }, 30_000);
    const metrics = await scrapeMetrics(stack.dispatcher.url);
    expect(metricSum(metrics, 'callhooks_deliveries_throttled_total')).toBeGreaterThan(0);
    console.log(`rate_limit ${RATE}/s: busiest second at the receiver ${busiestSecond}, ${COUNT} requests over ${((Math.max(...arrivals) - Math.min(...arrivals)) / 1000).toFixed(1)} s`);
  });
});
