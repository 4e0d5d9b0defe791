import type { INestApplicationContext } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { DeliveryJob } from '@callhooks/contracts';
import { eventually, RecordingReceiver, requireServers, uniquePrefix } from '@callhooks/testing';
import { deliveryJob, DispatcherHarness, newSecret } from './dispatcher-harness';

jest.setTimeout(60_000);

// One target hangs (never answers); another is healthy. Their jobs are interleaved in ONE
// partition of the deliveries topic, the worst case for head-of-line blocking.
describe('dispatcher: a hanging target trips its breaker without slowing a healthy one', () => {
  const harness = new DispatcherHarness(uniquePrefix('breaker'));
  const hanging = new RecordingReceiver();
  const healthy = new RecordingReceiver();
  let app: INestApplicationContext;
  let hangingBase: string;
  let healthyBase: string;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    hangingBase = await hanging.start();
    healthyBase = await healthy.start();
    hanging.script('/hook', [], { kind: 'hang' });
    await harness.provision();
    await harness.publishWebhook('wh-1', [newSecret()]);
    app = await harness.startInProcess({
      DISPATCHER_ATTEMPT_TIMEOUT_MS: '1500',
      DISPATCHER_BATCH_DEADLINE_MS: '300',
      DISPATCHER_TARGET_CONCURRENCY: '2',
      DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: '3',
      DISPATCHER_BREAKER_RESET_MS: '60000',
      DISPATCHER_MAX_ATTEMPTS: '10',
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await harness.stop();
    await hanging.stop();
    await healthy.stop();
  });

  it('keeps delivering to the healthy target promptly while the hanging one is cut off', async () => {
    const results = await harness.results();
    const sent: DeliveryJob[] = [];
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      const jobs = [deliveryJob('wh-1', `${hangingBase}/hook`), deliveryJob('wh-1', `${healthyBase}/hook`)];
      sent.push(jobs[1]);
      await harness.publishJobs(jobs, 0);
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(() => {
      if (healthy.to('/hook').length < rounds) throw new Error(`healthy got ${healthy.to('/hook').length} of ${rounds}`);
    }, 20_000);

    // every healthy delivery arrived soon after it was published: never behind a hanging attempt (1.5 s)
    const createdAt = new Map(sent.map((j) => [j.delivery_id, j.created_at]));
    const latencies = healthy.to('/hook').map((r) => r.receivedAt - createdAt.get(String(r.headers['webhook-id']))!);
    latencies.sort((a, b) => a - b);
    expect(latencies[latencies.length - 1]).toBeLessThan(1200);

    // the hanging target saw only the attempts before its breaker opened, then BREAKER_OPEN reschedules
    await results.until((records) => records.some((r) => r.value?.outcome === 'BREAKER_OPEN'), 20_000);
    expect(hanging.to('/hook').length).toBeLessThanOrEqual(6);
    const hangingTimeouts = results.values().filter((r) => r.url.startsWith(hangingBase) && r.error_class === 'timeout');
    expect(hangingTimeouts.length).toBeGreaterThanOrEqual(3);
    const metrics = await app.get(Registry).metrics();
    const port = new URL(hangingBase).port;
    expect(metrics).toMatch(new RegExp(`callhooks_breaker_state\\{target="http://127\\.0\\.0\\.1:${port}"[^}]*\\} 2`));
    expect(metrics).toMatch(/callhooks_deliveries_total\{outcome="SUCCEEDED",status_class="2xx"[^}]*\} 30/);
    expect(metrics).toMatch(/callhooks_retry_tier_pending\{tier="5s"/);
  });
});
