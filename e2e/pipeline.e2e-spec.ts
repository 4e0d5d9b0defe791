/**
 * The whole system end to end: the four services started from the build against the real
 * Kafka, registry and FerretDB; customers, environments and webhooks created through the REST
 * API; simulated calls in as raw legs; the webhooks out at a recording receiver, each body as
 * templated, signatures verified with the `standardwebhooks` package, GET and POST both; an
 * unsubscribed environment and a disabled webhook receiving nothing; and the delivery log.
 */
import { Webhook } from 'standardwebhooks';
import { EVENT_NAMES, wallClockTime, type EventName } from '@callhooks/contracts';
import { simulateCall, SCENARIOS, type SimulatedCall } from '@callhooks/call-simulator';
import { CallLegSender } from '@callhooks/call-simulator/call-leg.sender';
import { eventually, ManagementClient, pipelineServices, pipelineTestEnv, RecordingReceiver, requireServers, ServiceProcess, startInTurn, testKafkaSettings, uniqueDatabase, uniquePrefix, type ReceivedRequest } from '@callhooks/testing';


/** Durations count whole seconds of the clock (both instants truncated), as the payload's HH:MM:SS times do. */
const clockSeconds = (fromMs: number, toMs: number) => Math.floor(toMs / 1000) - Math.floor(fromMs / 1000);

/**
 * A GET has no body: the dispatcher signs the request target (path and query) as sent. The
 * package's verify() also JSON-parses what it verified, so check the signature itself.
 */
function signedOver(secret: string, content: string, headers: Record<string, unknown>): boolean {
  const expected = new Webhook(secret).sign(String(headers['webhook-id']), new Date(Number(headers['webhook-timestamp']) * 1000), content);
  return String(headers['webhook-signature']).split(' ').includes(expected);
}

const OPERATOR_TOKEN = 'pipeline-e2e-operator-token-0123456789';
const ZONE = 'Asia/Jerusalem';

interface WebhookView {
  id: string;
  event: EventName;
  method: 'GET' | 'POST';
  url: string;
}

describe('callhooks end to end: raw call legs in, signed webhooks out', () => {
  const prefix = uniquePrefix('pipeline');
  const database = uniqueDatabase('pipeline');
  const customerId = `cust-${prefix.slice(2, 12).replace(/\W/g, '')}`;
  const receiver = new RecordingReceiver();
  let services: ServiceProcess[] = [];
  let api: ManagementClient;
  let receiverUrl: string;
  const secrets = new Map<string, string>();
  const posts = new Map<EventName, WebhookView>();
  let getHangup: WebhookView;
  let disabledAnswer: WebhookView;
  const calls: SimulatedCall[] = [];
  const otherEnvCalls: SimulatedCall[] = [];

  const requestsOf = (webhookId: string): ReceivedRequest[] => receiver.to(`/hooks/${webhookId}`);

  beforeAll(async () => {
    await requireServers();
    receiverUrl = await receiver.start();
    services = pipelineServices(pipelineTestEnv(prefix, { database, operatorToken: OPERATOR_TOKEN }, { DISPATCHER_RETRY_DELAYS_MS: '500,1000,2000,4000,8000' }));
    await startInTurn(services);
    api = await ManagementClient.forNewCustomer(services[0].url, OPERATOR_TOKEN, customerId);

    await api.request('PUT', '/v1/environments/env-subscribed', { name: 'Subscribed', timezone: ZONE });
    await api.request('PUT', '/v1/environments/env-other', { name: 'Not subscribed', timezone: 'UTC' });
    const create = async (event: EventName, method: 'GET' | 'POST', body: string | null, enabled = true): Promise<WebhookView> => {
      const created = await api.request<WebhookView>('POST', '/v1/webhooks', { event, method, url: `${receiverUrl}/hooks/pending`, body, enabled });
      // the path names the webhook, so each request tells which webhook it belongs to
      const hook = await api.request<WebhookView>('PATCH', `/v1/webhooks/${created.id}`, { url: `${receiverUrl}/hooks/${created.id}` });
      secrets.set(hook.id, (await api.request<{ secret: string }>('GET', `/v1/webhooks/${hook.id}/secret`)).secret);
      return hook;
    };
    for (const event of EVENT_NAMES) {
      posts.set(
        event,
        await create(
          event,
          'POST',
          JSON.stringify({ call: '{{uuid}}', state: '{{call_state}}', duration: '{{duration}}', started: '{{start_at}}', line: 'call {{uuid}} from {{caller_id_number}}', nested: { cause: '{{cause}}' } }),
        ),
      );
    }
    getHangup = await create('Call:Hangup', 'GET', JSON.stringify({ id: '{{uuid}}', cause: '{{cause}}', billed: '{{billing_duration}}' }));
    disabledAnswer = await create('Call:Answer', 'POST', null, false);
    // subscribed in one environment only; the disabled webhook is subscribed too
    await api.request('PUT', '/v1/environments/env-subscribed/webhooks', { webhook_ids: [...[...posts.values()].map((w) => w.id), getHangup.id, disabledAnswer.id] });

    // the matcher and dispatcher see config changes through the compacted topic; give the
    // publisher its round trip before calls arrive (a config change applies to events after it)
    await eventually(async () => {
      const m = await (await fetch(`${services[0].url}/metrics`)).text();
      const unpublished = /^callhooks_config_unpublished(?:\{[^}]*\})? (\d+)/m.exec(m);
      if (!unpublished || Number(unpublished[1]) !== 0) throw new Error('config not yet published');
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500));

    const sender = new CallLegSender({ logLevel: 'warn', ...testKafkaSettings(prefix) });
    await sender.ensureTopic();
    SCENARIOS.forEach((scenario, i) => {
      calls.push(simulateCall(scenario, { seed: 1000 + i, customerId, environmentId: 'env-subscribed', environmentName: 'Subscribed' }));
    });
    otherEnvCalls.push(simulateCall('queue_answered', { seed: 77, customerId, environmentId: 'env-other', environmentName: 'Not subscribed' }));
    await sender.send([...calls, ...otherEnvCalls].flatMap((c) => c.legs));
    await sender.close();
  }, 300_000);

  afterAll(async () => {
    for (const s of services.reverse()) await s.stop();
    await receiver.stop();
  });

  it('delivers every event of every call, once per subscribed enabled webhook, signed', async () => {
    const expected = new Map<EventName, number>();
    for (const c of calls) for (const e of c.truth.events) expected.set(e, (expected.get(e) ?? 0) + 1);
    await eventually(
      () => {
        for (const [event, hook] of posts) {
          const ids = new Set(requestsOf(hook.id).map((r) => r.headers['webhook-id']));
          if (ids.size < (expected.get(event) ?? 0)) throw new Error(`${event}: ${ids.size} of ${expected.get(event)} deliveries so far`);
        }
      },
      100_000,
      500,
    ).catch((err: Error) => {
      // the services' own words are what a failure here needs
      throw new Error(`${err.message}; ${receiver.requests.length} requests received in all\n${services.map((s) => `--- ${s.name}\n${s.logs()}`).join('\n')}`);
    });
    for (const [event, hook] of posts) {
      const requests = requestsOf(hook.id);
      const ids = new Set(requests.map((r) => r.headers['webhook-id']));
      expect({ event, deliveries: ids.size }).toEqual({ event, deliveries: expected.get(event) ?? 0 });
      const wh = new Webhook(secrets.get(hook.id)!);
      for (const r of requests) {
        expect(r.method).toBe('POST');
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expect(r.headers['user-agent']).toMatch(/^callhooks\//);
        expect(() => wh.verify(r.body, r.headers as Record<string, string>)).not.toThrow();
      }
    }
  });

  it('renders each body from its template: typed values, text interpolation, local times in the environment zone', async () => {
    const hangups = requestsOf(posts.get('Call:Hangup')!.id).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(hangups.length).toBe(calls.length);
    for (const call of calls) {
      const body = hangups.find((b) => b.call === call.callUuid);
      expect(body).toBeDefined();
      expect(body!.state).toBe('ended');
      expect(body!.duration).toBe(clockSeconds(call.truth.startedAt, call.truth.endedAt));
      expect(typeof body!.duration).toBe('number');
      expect(body!.started).toBe(wallClockTime(call.truth.startedAt, ZONE));
      expect(body!.line).toBe(`call ${call.callUuid} from ${call.truth.callerIdNumber}`);
      expect(body!.nested).toEqual({ cause: call.truth.cause });
    }
    const reports = requestsOf(posts.get('Call:Reporting')!.id).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(reports.map((b) => b.state)).toEqual(calls.map(() => 'reported'));
  });

  it('sends GET webhooks with the rendered fields as query parameters, signed over the request target', async () => {
    const requests = requestsOf(getHangup.id);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(calls.length);
    for (const r of requests) {
      expect(r.method).toBe('GET');
      expect(r.body).toBe('');
      const call = calls.find((c) => c.callUuid === r.query.id);
      expect(call).toBeDefined();
      expect(r.query.cause).toBe(call!.truth.cause);
      expect(Number(r.query.billed)).toBe(call!.truth.answeredAt === null ? 0 : clockSeconds(call!.truth.answeredAt, call!.truth.endedAt));
      expect(signedOver(secrets.get(getHangup.id)!, r.url, r.headers)).toBe(true);
      expect(signedOver(secrets.get(getHangup.id)!, `${r.url}&tampered=1`, r.headers)).toBe(false);
    }
  });

  it('sends nothing to a disabled webhook nor for calls in an environment where nothing is subscribed', async () => {
    expect(requestsOf(disabledAnswer.id)).toHaveLength(0);
    const otherUuids = new Set(otherEnvCalls.map((c) => c.callUuid));
    const leaked = receiver.requests.filter((r) => [...otherUuids].some((u) => r.body.includes(u) || r.url.includes(u)));
    expect(leaked).toHaveLength(0);
  });

  it('keeps a delivery log with each attempt', async () => {
    const hook = posts.get('Call:Hangup')!;
    const page = await eventually(async () => {
      const p = await api.request<{ data: Array<{ id: string; status: string }> }>('GET', `/v1/deliveries?webhook_id=${hook.id}&limit=100`);
      if (p.data.length < calls.length || p.data.some((d) => d.status !== 'SUCCEEDED')) throw new Error(`delivery log not complete: ${JSON.stringify(p.data.map((d) => d.status))}`);
      return p;
    }, 60_000);
    const delivered = new Set(requestsOf(hook.id).map((r) => r.headers['webhook-id']));
    expect(new Set(page.data.map((d) => d.id))).toEqual(delivered);
    for (const d of page.data) {
      const one = await api.request<{ attempts: Array<{ attempt: number; status_code: number | null; latency_ms: number | null }> }>('GET', `/v1/deliveries/${d.id}`);
      expect(one.attempts).toHaveLength(1);
      expect(one.attempts[0]).toMatchObject({ attempt: 1, status_code: 200 });
      expect(one.attempts[0].latency_ms).toBeGreaterThanOrEqual(0);
    }
  });
});
