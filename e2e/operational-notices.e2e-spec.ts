/**
 * Auto-disable and operational notices end to end: the management API and the dispatcher from
 * the build, the auto-disable period shortened to seconds by configuration, receivers that fail
 * in known ways, and an operational webhook whose every notice (webhook.failing,
 * webhook.recovered, delivery.exhausted, webhook.disabled from the auto-disable and from a 410)
 * is received and verified with the `standardwebhooks` package.
 */
import { Webhook } from 'standardwebhooks';
import { eventually, RecordingReceiver, type ReceivedRequest } from '@callhooks/testing';
import { FailingEndpointStack, type WebhookView } from './failing-endpoint/failing-endpoint.stack';

jest.setTimeout(180_000);

interface NoticeBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

describe('auto-disable and operational notices (e2e)', () => {
  const stack = new FailingEndpointStack('notices', {
    MANAGEMENT_AUTO_DISABLE_AFTER_MS: '5000',
    MANAGEMENT_AUTO_DISABLE_CHECK_INTERVAL_MS: '500',
    MANAGEMENT_FAILING_NOTICE_THRESHOLD: '3',
    DISPATCHER_MAX_ATTEMPTS: '2',
    DISPATCHER_RETRY_DELAYS_MS: '300,600,1200,2400,4800',
    DISPATCHER_TARGET_CONCURRENCY: '1',
    DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: '1000',
    DISPATCHER_BREAKER_VOLUME: '100000',
  });
  const receiver = new RecordingReceiver();
  let base: string;
  let opsSecret: string;
  let ops: { id: string };
  let failing: WebhookView;
  let flaky: WebhookView;
  let gone: WebhookView;

  beforeAll(async () => {
    base = await receiver.start();
    receiver.script('/down', [], { kind: 'status', status: 500, body: 'down' });
    // six first attempts fail, their retries (300 ms later) succeed: three failures in a row at least, whatever order the results are read in
    receiver.script('/flaky', Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 500 })));
    receiver.script('/gone', [], { kind: 'status', status: 410 });
    await stack.start();
    ops = await stack.api.request<{ id: string }>('POST', '/v1/operational-webhooks', { url: `${base}/ops`, description: 'on-call' });
    opsSecret = (await stack.api.request<{ secret: string }>('GET', `/v1/operational-webhooks/${ops.id}/secret`)).secret;
    failing = await stack.createWebhook(`${base}/down`);
    flaky = await stack.createWebhook(`${base}/flaky`);
    gone = await stack.createWebhook(`${base}/gone`);
    await stack.configPublished();
    await stack.publish(stack.jobs(failing, 3));
    await stack.publish(stack.jobs(flaky, 6));
    await stack.publish(stack.jobs(gone, 1));
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  /** Every notice received so far, each verified with standardwebhooks (which throws on a bad signature). */
  const notices = (): Array<{ request: ReceivedRequest; body: NoticeBody }> =>
    receiver.to('/ops').map((request) => ({ request, body: new Webhook(opsSecret).verify(request.body, request.headers as Record<string, string>) as NoticeBody }));
  const ofType = (type: string, webhookId: string) => notices().filter((n) => n.body.type === type && n.body.data.webhook_id === webhookId);

  it('lists the operational webhook, and refuses a bad one naming the field', async () => {
    const page = await stack.api.request<{ data: Array<{ id: string; url: string; notice_types: string[]; enabled: boolean }> }>('GET', '/v1/operational-webhooks');
    expect(page.data).toEqual([expect.objectContaining({ id: ops.id, url: `${base}/ops`, notice_types: [], enabled: true })]);
    await expect(stack.api.request('POST', '/v1/operational-webhooks', { url: 'ftp://x', notice_types: ['webhook.nope'] })).rejects.toThrow(/answered 400.*(notice_types|url)/);
  });

  it('disables a webhook failing for the period, with its reason and time, and notices it signed', async () => {
    const disabled = await eventually(
      async () => {
        const w = await stack.api.request<WebhookView>('GET', `/v1/webhooks/${failing.id}`);
        if (w.enabled) throw new Error('not disabled yet');
        return w;
      },
      60_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${stack.logs()}`);
    });
    expect(disabled.disabled_reason).toMatch(/^every attempt failed since .* \(6 in a row, last: http_status 500\)$/);
    expect(new Date(disabled.disabled_at!).getTime()).toBeGreaterThan(0);
    const [notice] = await eventually(() => {
      const got = ofType('webhook.disabled', failing.id);
      if (got.length === 0) throw new Error('no webhook.disabled notice yet');
      return got;
    }, 30_000);
    expect(notice.body.data).toMatchObject({ webhook_id: failing.id, url: failing.url, reason: disabled.disabled_reason, disabled_at: disabled.disabled_at });
    expect(notice.request.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    // the console and the list show it too
    const health = await stack.api.request<{ status: string }>('GET', `/v1/webhooks/${failing.id}/stats`);
    expect(health.status).toBe('disabled');
  });

  it('sent webhook.failing at the threshold and delivery.exhausted for each delivery out of attempts', async () => {
    await eventually(() => expect(ofType('delivery.exhausted', failing.id)).toHaveLength(3), 30_000);
    const exhausted = ofType('delivery.exhausted', failing.id).map((n) => n.body.data);
    for (const e of exhausted) expect(e).toMatchObject({ attempts: 2, status_code: 500, error: 'http_status' });
    expect(new Set(exhausted.map((e) => e.delivery_id)).size).toBe(3);
    const failingNotices = ofType('webhook.failing', failing.id);
    expect(failingNotices).toHaveLength(1);
    expect(failingNotices[0].body.data).toMatchObject({ webhook_id: failing.id, consecutive_failures: expect.any(Number) });
    expect(failingNotices[0].body.data.consecutive_failures as number).toBeGreaterThanOrEqual(3);
  });

  it('sent webhook.failing then webhook.recovered for a receiver that came back', async () => {
    await eventually(() => expect(ofType('webhook.recovered', flaky.id)).toHaveLength(1), 30_000);
    expect(ofType('webhook.failing', flaky.id)).toHaveLength(1);
    expect(ofType('delivery.exhausted', flaky.id)).toHaveLength(0);
    const recovered = ofType('webhook.recovered', flaky.id)[0].body.data;
    expect(recovered).toMatchObject({ webhook_id: flaky.id });
    expect(recovered.failures as number).toBeGreaterThanOrEqual(3);
    expect((await stack.api.request<WebhookView>('GET', `/v1/webhooks/${flaky.id}`)).enabled).toBe(true);
  });

  it('notices the 410 path too', async () => {
    const [notice] = await eventually(() => {
      const got = ofType('webhook.disabled', gone.id);
      if (got.length === 0) throw new Error('no webhook.disabled notice for the 410 yet');
      return got;
    }, 30_000);
    expect(notice.body.data.reason).toMatch(/410 Gone/);
    const w = await stack.api.request<WebhookView>('GET', `/v1/webhooks/${gone.id}`);
    expect(w).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/410 Gone/), disabled_at: notice.body.data.disabled_at });
  });

  it('clears the reason and time when the webhook is enabled again, which restarts the clock', async () => {
    const enabled = await stack.api.request<WebhookView>('PATCH', `/v1/webhooks/${failing.id}`, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
    // a full period (5 s) and a check later it is still enabled: its failures predate the re-enable and nothing failed since
    await new Promise((r) => setTimeout(r, 6500));
    expect((await stack.api.request<WebhookView>('GET', `/v1/webhooks/${failing.id}`)).enabled).toBe(true);
  });

  it('sent nothing twice and nothing about the operational webhook itself', () => {
    const all = notices();
    expect(new Set(all.map((n) => n.request.headers['webhook-id'])).size).toBe(all.length);
    expect(all.every((n) => n.body.data.webhook_id !== ops.id)).toBe(true);
    expect(all.map((n) => n.body.type).sort()).toEqual(
      ['delivery.exhausted', 'delivery.exhausted', 'delivery.exhausted', 'webhook.disabled', 'webhook.disabled', 'webhook.failing', 'webhook.failing', 'webhook.recovered'].sort(),
    );
  });
});
