/**
 * One trace from a raw leg to the customer's HTTP request. The test plays the telephony platform:
 * it sends a call's raw legs with a `traceparent` of its own, and collects what the four services
 * export over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT pointing at an in-memory collector here).
 * The webhook (Call:Ringing) gets a 500 on its first attempt and a 200 on its retry. The trace holds every hop's span,
 * each the child of the one before: enrich → match → render → deliver (attempt 1) and deliver
 * (attempt 2, linked to attempt 1) → delivery-log write; the receiver got that trace's
 * `traceparent` on both attempts, naming each attempt's span; and an API request that sends a
 * `traceparent` gets a server span in the caller's trace.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { simulateCall } from '@callhooks/call-simulator';
import { KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { eventually, freePort, ManagementClient, MONGO_URI, pipelineServices, RecordingReceiver, requireServers, ServiceProcess, startInTurn, testEnv, testKafkaSettings, uniqueDatabase, uniquePrefix } from '@callhooks/testing';

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  links: Array<{ traceId: string; spanId: string }>;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP (JSON) traces endpoint that keeps every span it is sent. */
class InMemoryCollector {
  readonly spans: ExportedSpan[] = [];
  private server?: Server;

  async start(): Promise<string> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const doc = JSON.parse(body) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: Array<Omit<ExportedSpan, 'service' | 'attributes'> & { attributes?: Array<{ key: string; value: Record<string, unknown> }> }> }>;
          }>;
        };
        for (const rs of doc.resourceSpans ?? []) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) {
              const attributes = Object.fromEntries((s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
              this.spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, links: s.links ?? [], attributes });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const OPERATOR_TOKEN = 'tracing-e2e-operator-token-0123456789';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('a trace from a raw leg to the customer’s HTTP request', () => {
  const prefix = uniquePrefix('tracing');
  const collector = new InMemoryCollector();
  const receiver = new RecordingReceiver();
  const traceId = hex(16);
  const platformSpanId = hex(8);
  let services: ServiceProcess[] = [];
  let api: ManagementClient;
  let hookPath: string;
  let callEvents: string[] = [];

  beforeAll(async () => {
    await requireServers();
    const endpoint = await collector.start();
    const receiverUrl = await receiver.start();
    const env = testEnv(prefix, {
      MONGODB_URI: `${MONGO_URI}/${uniqueDatabase('tracing')}`,
      MANAGEMENT_OPERATOR_TOKEN: OPERATOR_TOKEN,
      MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
      MANAGEMENT_RECONCILE_INTERVAL_MS: '500',
      DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
      DISPATCHER_RETRY_DELAYS_MS: '500,1000,2000,4000,8000',
      ENRICHER_HANGUP_SETTLE_MS: '200',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // the SDK's batch delay (standard variable): spans reach the collector within a fraction of a second
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    services = pipelineServices(env);
    await startInTurn(services);
    api = await ManagementClient.forNewCustomer(services[0].url, OPERATOR_TOKEN, 'trace-cust');
    await api.request('PUT', '/v1/environments/env-t', { name: 'Traced', timezone: 'UTC' });
    const hook = await api.request<{ id: string }>('POST', '/v1/webhooks', { event: 'Call:Ringing', method: 'POST', url: `${receiverUrl}/traced`, body: null });
    await api.request('PUT', '/v1/environments/env-t/webhooks', { webhook_ids: [hook.id] });
    hookPath = '/traced';
    receiver.script(hookPath, [{ kind: 'status', status: 500 }], { kind: 'status', status: 200 });
    await eventually(async () => {
      const m = await (await fetch(`${services[0].url}/metrics`)).text();
      if (!/^callhooks_config_unpublished(?:\{[^}]*\})? 0$/m.test(m)) throw new Error('config not yet published');
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500));

    // the platform's side: the call's legs carry its trace context
    const call = simulateCall('queue_answered', { seed: 4242, customerId: 'trace-cust', environmentId: 'env-t', environmentName: 'Traced' });
    callEvents = call.truth.events.filter((e) => !e.startsWith('Ivr:')).sort();
    const kafka = new KafkaContext({ service: 'tracing-e2e', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    await kafka.send('callLegs', call.legs.map((leg) => ({ key: leg.call_uuid, value: leg, headers: { traceparent: `00-${traceId}-${platformSpanId}-01` } })));
    await kafka.onApplicationShutdown();
  }, 300_000);

  afterAll(async () => {
    for (const s of [...services].reverse()) await s.stop();
    await receiver.stop();
    await collector.stop();
  });

  const ofTrace = () => collector.spans.filter((s) => s.traceId === traceId);
  const one = (name: string, where: (s: ExportedSpan) => boolean = () => true) => {
    const found = ofTrace().filter((s) => s.name === name && where(s));
    if (found.length !== 1) throw new Error(`${found.length} "${name}" spans in the trace: ${ofTrace().map((s) => `${s.service}:${s.name}`).join(', ')}`);
    return found[0];
  };

  it('joins every hop into the platform’s trace, each span the child of the one before, the retry linked to the first attempt', async () => {
    const requests = await eventually(() => {
      const got = receiver.to(hookPath);
      if (got.length < 2) throw new Error(`${got.length} requests so far`);
      return got;
    }, 60_000);
    await eventually(() => {
      const attempts = ofTrace().filter((s) => s.name === 'deliver POST');
      const writes = ofTrace().filter((s) => s.name === 'delivery-log write');
      const enriched = ofTrace().filter((s) => s.name === 'enrich');
      if (attempts.length < 2 || writes.length < 2 || enriched.length < callEvents.length) throw new Error(`spans so far: ${ofTrace().map((s) => `${s.service}:${s.name}`).join(', ')}`);
    }, 60_000);

    // every event of the call has its enrich span (timer-fired ones included); the webhook listens to Call:Ringing
    expect(ofTrace().filter((s) => s.name === 'enrich').map((s) => s.attributes['callhooks.event']).sort()).toEqual(callEvents);
    const enrich = one('enrich', (s) => s.attributes['callhooks.event'] === 'Call:Ringing');
    const match = one('match', (s) => s.parentSpanId === enrich.spanId);
    const render = one('render');
    const attempts = ofTrace()
      .filter((s) => s.name === 'deliver POST')
      .sort((a, b) => Number(a.attributes['callhooks.attempt']) - Number(b.attributes['callhooks.attempt']));
    expect(attempts).toHaveLength(2);
    expect({ service: enrich.service, parent: enrich.parentSpanId, event: enrich.attributes['callhooks.event'] }).toEqual({ service: 'enricher', parent: platformSpanId, event: 'Call:Ringing' });
    expect({ service: match.service, parent: match.parentSpanId }).toEqual({ service: 'matcher', parent: enrich.spanId });
    expect({ service: render.service, parent: render.parentSpanId }).toEqual({ service: 'matcher', parent: match.spanId });
    for (const a of attempts) expect({ service: a.service, parent: a.parentSpanId }).toEqual({ service: 'dispatcher', parent: render.spanId });
    expect(attempts.map((a) => a.attributes['http.response.status_code'])).toEqual([500, 200]);
    expect(attempts[0].links).toEqual([]);
    expect(attempts[1].links.map((l) => [l.traceId, l.spanId])).toEqual([[traceId, attempts[0].spanId]]);

    // the receiver joins the trace: each attempt's request names that attempt's span
    expect(requests.map((r) => r.headers.traceparent)).toEqual(attempts.map((a) => `00-${traceId}-${a.spanId}-01`));

    const writes = ofTrace().filter((s) => s.name === 'delivery-log write');
    expect(writes.every((w) => w.service === 'management-api')).toBe(true);
    expect(new Set(writes.map((w) => w.parentSpanId))).toEqual(new Set(attempts.map((a) => a.spanId)));
  }, 150_000);

  it('gives the API’s requests a server span in the caller’s trace', async () => {
    const callerSpan = hex(8);
    await api.request('GET', '/v1/webhooks', undefined, [200], { traceparent: `00-${traceId}-${callerSpan}-01` });
    const span = await eventually(() => one('GET /v1/webhooks'), 30_000);
    expect({ service: span.service, parent: span.parentSpanId, status: span.attributes['http.response.status_code'] }).toEqual({ service: 'management-api', parent: callerSpan, status: 200 });
  }, 60_000);
});
