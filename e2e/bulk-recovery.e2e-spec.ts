/**
 * Bulk recovery end to end: the management API and the dispatcher from the build; a receiver
 * that goes down while deliveries are made, so they use up their attempts and are
 * dead-lettered; the receiver back on the same address; one recovery (with a restart of the
 * API in the middle of it), after which every failed delivery arrived exactly once more with
 * its original webhook-id and a valid signature; a second recovery of the same window sends
 * nothing.
 */
import { Webhook } from 'standardwebhooks';
import { eventually, freePort, RecordingReceiver } from '@callhooks/testing';
import { FailingEndpointStack, type WebhookView } from './failing-endpoint/failing-endpoint.stack';

jest.setTimeout(300_000);

interface RecoveryView {
  id: string;
  state: string;
  matched: number;
  requeued: number;
  delivered: number;
  failed: number;
  skipped: number;
}

const FAILED_COUNT = 40;

describe('bulk recovery of failed deliveries (e2e)', () => {
  const stack = new FailingEndpointStack('recovery', {
    DISPATCHER_MAX_ATTEMPTS: '2',
    DISPATCHER_RETRY_DELAYS_MS: '300,600,1200,2400,4800',
    // the outage must exhaust attempts, not park them behind an open breaker
    DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: '10000',
    DISPATCHER_BREAKER_VOLUME: '100000',
    DISPATCHER_TARGET_CONCURRENCY: '2',
    // a few at a time, so the recovery is still running when the API restarts
    MANAGEMENT_RECOVERY_WINDOW: '4',
    MANAGEMENT_RECOVERY_TICK_MS: '200',
    MANAGEMENT_RECOVERY_LEASE_MS: '2000',
  });
  const receiver = new RecordingReceiver();
  let port: number;
  let webhook: WebhookView;
  let secret: string;
  let since: string;
  let deliveredBefore: string;
  const failedIds = new Set<string>();

  const deliveries = (status: string) =>
    stack.api.request<{ data: Array<{ id: string }>; page: { total: number } }>('GET', `/v1/deliveries?webhook_id=${webhook.id}&status=${status}&limit=200`);

  beforeAll(async () => {
    port = await freePort();
    await receiver.start(port);
    await stack.start();
    webhook = await stack.createWebhook(`http://127.0.0.1:${port}/crm`);
    secret = (await stack.api.request<{ secret: string }>('GET', `/v1/webhooks/${webhook.id}/secret`)).secret;
    await stack.configPublished();
    since = new Date(Date.now() - 1000).toISOString();
    // one delivered while the receiver is up: a recovery must leave it alone
    const [ok] = stack.jobs(webhook, 1);
    deliveredBefore = ok.delivery_id;
    await stack.publish([ok]);
    await eventually(() => expect(receiver.to('/crm')).toHaveLength(1), 30_000);
    // the receiver goes down; deliveries fail every attempt and are dead-lettered
    await receiver.stop();
    const jobs = stack.jobs(webhook, FAILED_COUNT);
    for (const j of jobs) failedIds.add(j.delivery_id);
    await stack.publish(jobs);
    await eventually(
      async () => {
        const failed = await deliveries('FAILED');
        if (failed.page.total < FAILED_COUNT) throw new Error(`${failed.page.total} of ${FAILED_COUNT} dead-lettered so far`);
      },
      120_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${stack.logs()}`);
    });
    // back on the same address, a little slow, so the recovery takes a few seconds
    receiver.script('/crm', [], { kind: 'delay', ms: 100, status: 200 });
    await receiver.start(port);
  }, 300_000);

  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  it('resends every failed delivery exactly once, with its original id, across a restart of the API', async () => {
    const before = receiver.requests.length;
    const started = await stack.api.request<RecoveryView>('POST', `/v1/webhooks/${webhook.id}/recover`, { since });
    expect(started).toMatchObject({ state: 'RUNNING', webhook_id: webhook.id });
    // the API goes away in the middle of it and comes back: the recovery carries on
    await eventually(async () => {
      const r = await stack.api.request<RecoveryView>('GET', `/v1/recoveries/${started.id}`);
      if (r.requeued < 4) throw new Error(`requeued ${r.requeued}`);
      expect(r.state).toBe('RUNNING');
    }, 30_000, 100);
    await stack.apiProcess.stop();
    await stack.apiProcess.start().then((p) => p.ready());
    const done = await eventually(
      async () => {
        const r = await stack.api.request<RecoveryView>('GET', `/v1/recoveries/${started.id}`);
        if (r.state !== 'DONE') throw new Error(`still ${r.state}: ${JSON.stringify(r)}`);
        return r;
      },
      120_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${stack.logs()}`);
    });
    expect(done).toMatchObject({ matched: FAILED_COUNT, requeued: FAILED_COUNT, delivered: FAILED_COUNT, failed: 0, skipped: 0 });

    const resent = receiver.requests.slice(before);
    const ids = resent.map((r) => String(r.headers['webhook-id']));
    expect(ids.sort()).toEqual([...failedIds].sort());
    for (const r of resent) new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    expect(ids).not.toContain(deliveredBefore);
    expect((await deliveries('SUCCEEDED')).page.total).toBe(FAILED_COUNT + 1);
    // each recovered delivery keeps its attempts: two failed, then the resend that succeeded
    const one = await stack.api.request<{ attempts: Array<{ attempt: number; outcome: string }> }>('GET', `/v1/deliveries/${[...failedIds][0]}`);
    expect(one.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'RETRYING'],
      [2, 'FAILED'],
      [3, 'SUCCEEDED'],
    ]);
  });

  it('sends nothing again when the same window is recovered twice', async () => {
    const before = receiver.requests.length;
    const again = await stack.api.request<RecoveryView>('POST', `/v1/webhooks/${webhook.id}/recover`, { since });
    const done = await eventually(async () => {
      const r = await stack.api.request<RecoveryView>('GET', `/v1/recoveries/${again.id}`);
      if (r.state !== 'DONE') throw new Error(r.state);
      return r;
    }, 30_000);
    expect(done).toMatchObject({ matched: 0, requeued: 0, delivered: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.requests.length).toBe(before);
    const list = await stack.api.request<{ data: RecoveryView[] }>('GET', '/v1/recoveries');
    expect(list.data.map((r) => r.id)).toEqual([again.id, expect.any(String)]);
  });

  it('refuses a bad window naming the field, and a disabled webhook', async () => {
    await expect(stack.api.request('POST', `/v1/webhooks/${webhook.id}/recover`, { since: 'yesterday' })).rejects.toThrow(/answered 400.*since/);
    await expect(stack.api.request('POST', `/v1/webhooks/${webhook.id}/recover`, { since, until: since })).rejects.toThrow(/answered 400.*until/);
    await stack.api.request('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: false });
    await expect(stack.api.request('POST', `/v1/webhooks/${webhook.id}/recover`, { since })).rejects.toThrow(/answered 409/);
  });
});
