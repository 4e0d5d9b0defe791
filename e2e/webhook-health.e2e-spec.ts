/**
 * Webhook health end to end: the management API and the dispatcher from the build, a receiver
 * with a known pattern of answers, and GET /v1/webhooks/{id}/stats and the list's
 * include=health checked against that pattern (counts by class, latency, last success and
 * failure, consecutive failures, failing since, the breaker of a dead target).
 */
import { freePort, RecordingReceiver, eventually } from '@callhooks/testing';
import { FailingEndpointStack, type WebhookView } from './failing-endpoint/failing-endpoint.stack';

jest.setTimeout(180_000);

interface Stats {
  attempts: number;
  successes: number;
  failures: Record<string, number>;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  last_success: { at: string; status_code: number | null; error: string | null } | null;
  last_failure: { at: string; status_code: number | null; error: string | null } | null;
  consecutive_failures: number;
  failing_since: string | null;
  breaker: { state: string; as_of: string | null };
  status: string;
  series: Array<{ start: string; attempts: number; successes: number; failures: number }>;
}

describe('webhook health from the delivery results (e2e)', () => {
  const stack = new FailingEndpointStack('health', {
    // one attempt per job and one at a time per target: the receiver's script is the outcome, in order
    DISPATCHER_MAX_ATTEMPTS: '1',
    DISPATCHER_TARGET_CONCURRENCY: '1',
    DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: '3',
    DISPATCHER_BREAKER_VOLUME: '1000',
    DISPATCHER_BREAKER_RESET_MS: '600000',
    DISPATCHER_RETRY_DELAYS_MS: '60000,60000,60000,60000,60000',
  });
  const receiver = new RecordingReceiver();
  let mixed: WebhookView;
  let dead: WebhookView;
  let quiet: WebhookView;

  beforeAll(async () => {
    const base = await receiver.start();
    // ten answers, in order: six successes (one slow), 5xx, 4xx, then two 5xx in a row
    receiver.script('/mixed', [
      { kind: 'status', status: 200 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 200 },
      { kind: 'delay', ms: 400, status: 200 },
      { kind: 'status', status: 404 },
      { kind: 'status', status: 200 },
      // attempt times are whole milliseconds and results of different deliveries may be read in
      // either order: 5 ms keep the last success apart from the success before it and from the
      // failure after it, so "the last success" and "failing since" each have one answer
      { kind: 'delay', ms: 5, status: 204 },
      { kind: 'delay', ms: 5, status: 200 },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 502 },
    ]);
    await stack.start();
    mixed = await stack.createWebhook(`${base}/mixed`);
    // nothing listens there: connection refused, and the breaker opens after three
    dead = await stack.createWebhook(`http://127.0.0.1:${await freePort()}/dead`);
    quiet = await stack.createWebhook(`${base}/quiet`);
    await stack.configPublished();
    const mixedJobs = stack.jobs(mixed, 10);
    // one at a time, so the answers meet the jobs in order (they share a partition and a slot anyway)
    for (const job of mixedJobs) await stack.publish([job]);
    await stack.publish(stack.jobs(dead, 5));
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  const stats = (id: string, window = '1h') => stack.api.request<Stats>('GET', `/v1/webhooks/${id}/stats?window=${window}`);

  it('counts attempts, successes and failures by class, with latency, from the known pattern', async () => {
    const s = await eventually(
      async () => {
        const got = await stats(mixed.id);
        if (got.attempts < 10) throw new Error(`${got.attempts} of 10 attempts counted so far`);
        return got;
      },
      90_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; receiver got ${receiver.to('/mixed').length}\n${stack.logs()}`);
    });
    expect(receiver.to('/mixed')).toHaveLength(10);
    expect(s).toMatchObject({ attempts: 10, successes: 6, success_rate: 0.6, consecutive_failures: 2, status: 'failing' });
    expect(s.failures).toEqual({ total: 4, http_5xx: 3, http_4xx: 1, http_3xx: 0, timeout: 0, connection: 0, blocked: 0, other: 0 });
    expect(s.last_failure).toMatchObject({ status_code: 502, error: 'http_status' });
    expect(s.last_success).toMatchObject({ status_code: 200, error: null });
    expect(new Date(s.failing_since!).getTime()).toBeGreaterThan(new Date(s.last_success!.at).getTime());
    // nine fast answers and one of 400 ms: the median is fast, the top percentile is the slow one's bin
    expect(s.latency_ms.p50).toBeLessThan(300);
    expect(s.latency_ms.p99).toBeGreaterThanOrEqual(300);
    expect(s.latency_ms.p99).toBeLessThanOrEqual(500);
    expect(s.breaker.state).toBe('closed');
    expect(s.series).toHaveLength(60);
    expect(s.series.reduce((n, p) => n + p.attempts, 0)).toBe(10);
    expect(s.series.reduce((n, p) => n + p.failures, 0)).toBe(4);
    // the same attempts in the day and the week
    expect(await stats(mixed.id, '24h')).toMatchObject({ attempts: 10, successes: 6 });
    expect((await stats(mixed.id, '7d')).series).toHaveLength(168);
  });

  it('shows a dead target as connection failures and its breaker open', async () => {
    const s = await eventually(
      async () => {
        const got = await stats(dead.id);
        if (got.attempts < 3 || got.breaker.state !== 'open') throw new Error(`${got.attempts} attempts, breaker ${got.breaker.state}`);
        return got;
      },
      60_000,
      500,
    );
    expect(s).toMatchObject({ attempts: 3, successes: 0, success_rate: 0, consecutive_failures: 3, status: 'failing', last_success: null });
    expect(s.failures).toMatchObject({ total: 3, connection: 3 });
    expect(s.last_failure).toMatchObject({ status_code: null, error: 'connection_refused' });
  });

  it('gives a page of webhooks with their health in one request', async () => {
    const page = await stack.api.request<{ data: Array<{ id: string; health?: { status: string; attempts_24h: number; success_rate_24h: number | null; breaker: { state: string } } }> }>(
      'GET',
      '/v1/webhooks?include=health&limit=50',
    );
    const byId = new Map(page.data.map((w) => [w.id, w.health]));
    expect(byId.get(mixed.id)).toMatchObject({ status: 'failing', attempts_24h: 10, success_rate_24h: 0.6 });
    expect(byId.get(dead.id)).toMatchObject({ status: 'failing', attempts_24h: 3, breaker: { state: 'open' } });
    expect(byId.get(quiet.id)).toMatchObject({ status: 'no_traffic', attempts_24h: 0, success_rate_24h: null });
    const plain = await stack.api.request<{ data: Array<{ health?: unknown }> }>('GET', '/v1/webhooks');
    expect(plain.data.every((w) => w.health === undefined)).toBe(true);
  });

  it('refuses an unknown window and an unknown webhook', async () => {
    await expect(stack.api.request('GET', `/v1/webhooks/${mixed.id}/stats?window=2h`)).rejects.toThrow(/answered 400.*window/);
    await expect(stack.api.request('GET', `/v1/webhooks/00000000-0000-4000-8000-000000000000/stats`)).rejects.toThrow(/answered 404/);
  });
});
