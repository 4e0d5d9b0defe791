import type { INestApplicationContext } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { deadLetterTopicOf, type DeliveryAttemptResult, type DeliveryJob } from '@callhooks/contracts';
import { DLQ_HEADERS } from '@callhooks/kafka';
import { eventually, RecordingReceiver, requireServers, uniquePrefix } from '@callhooks/testing';
import { deliveryJob, DispatcherHarness, newSecret } from './dispatcher-harness';

jest.setTimeout(60_000);

/** Each failure scenario gets a receiver of its own: one origin, one breaker, so scenarios do not trip each other's. */
async function ownReceiver(receivers: RecordingReceiver[]): Promise<{ receiver: RecordingReceiver; base: string }> {
  const receiver = new RecordingReceiver();
  receivers.push(receiver);
  return { receiver, base: await receiver.start() };
}

describe('dispatcher: delivery against the real servers', () => {
  const extraReceivers: RecordingReceiver[] = [];
  const harness = new DispatcherHarness(uniquePrefix('dispatch'));
  const receiver = new RecordingReceiver();
  const secret = newSecret();
  const rotatedSecret = newSecret();
  let base: string;
  let app: INestApplicationContext;
  let results: Awaited<ReturnType<DispatcherHarness['results']>>;

  const resultsOf = (id: string): DeliveryAttemptResult[] => results.values().filter((r) => r.delivery_id === id);
  /** Waits for the first result of a delivery. */
  const firstResultOf = (id: string): Promise<DeliveryAttemptResult> =>
    eventually(() => {
      const [first] = resultsOf(id);
      if (!first) throw new Error('no result yet');
      return first;
    });

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    base = await receiver.start();
    await harness.provision();
    await harness.publishWebhook('wh-1', [secret, rotatedSecret], { headers: { 'x-configured': 'yes', 'x-tenant': 'from-config' } });
    await harness.publishWebhook('wh-off', [secret], { enabled: false });
    // created, then deleted: the later version wins in the config view
    await harness.publishWebhook('wh-gone', [secret], { version: 1 });
    await harness.publishWebhook('wh-gone', [], { version: 2, deleted: true });
    results = await harness.results();
    app = await harness.startInProcess();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await harness.stop();
    await receiver.stop();
    for (const r of extraReceivers) await r.stop();
  });

  it('POSTs a job with its JSON body, custom headers, user agent and a signature for each valid secret', async () => {
    const job = deliveryJob('wh-1', `${base}/post`, { headers: { 'x-tenant': 'acme' } });
    await harness.publishJobs([job]);
    const [req] = await eventually(() => {
      const got = receiver.to('/post');
      if (got.length === 0) throw new Error('not delivered yet');
      return got;
    }, 30_000);
    expect(req.method).toBe('POST');
    expect(req.body).toBe(job.body);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-tenant']).toBe('acme'); // the job's header wins over the webhook's
    expect(req.headers['x-configured']).toBe('yes'); // the webhook's current custom headers
    expect(req.headers['user-agent']).toMatch(/^callhooks\/\d+\.\d+\.\d+/);
    expect(req.headers['webhook-id']).toBe(job.delivery_id);
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    expect(new Webhook(secret).verify(req.body, headers)).toEqual(JSON.parse(job.body!));
    expect(() => new Webhook(rotatedSecret).verify(req.body, headers)).not.toThrow();
    const result = await firstResultOf(job.delivery_id);
    expect(result).toMatchObject({ outcome: 'SUCCEEDED', status_code: 200, attempt: 1, error_class: null, response_snippet: 'ok', webhook_id: 'wh-1' });
    expect(result.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('GETs a job with its query, signed over path and query', async () => {
    const job = deliveryJob('wh-1', `${base}/get?uuid=c-1&cause=answer&duration=60`, { method: 'GET', body: null });
    await harness.publishJobs([job]);
    const [req] = await eventually(() => {
      const got = receiver.to('/get');
      if (got.length === 0) throw new Error('not delivered yet');
      return got;
    }, 30_000);
    expect(req.method).toBe('GET');
    expect(req.query).toEqual({ uuid: 'c-1', cause: 'answer', duration: '60' });
    expect(req.body).toBe('');
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    expect(() => new Webhook(secret).verify('/get?uuid=c-1&cause=answer&duration=60', headers, { jsonParse: false })).not.toThrow();
  });

  it('delivers after retries when the receiver answers 500 then 200, with the same webhook-id', async () => {
    const { receiver, base } = await ownReceiver(extraReceivers);
    receiver.script('/flaky', [{ kind: 'status', status: 500, body: 'boom' }, { kind: 'status', status: 500 }]);
    const job = deliveryJob('wh-1', `${base}/flaky`);
    await harness.publishJobs([job]);
    const attempts = await eventually(() => {
      const r = resultsOf(job.delivery_id);
      if (!r.some((x) => x.outcome === 'SUCCEEDED')) throw new Error(`results so far: ${r.map((x) => x.outcome).join(',')}`);
      return r;
    }, 30_000);
    expect(attempts.map((r) => [r.attempt, r.outcome, r.status_code])).toEqual([
      [1, 'RETRYING', 500],
      [2, 'RETRYING', 500],
      [3, 'SUCCEEDED', 200],
    ]);
    expect(attempts[0].response_snippet).toBe('boom');
    expect(attempts[0].next_attempt_at).toBeGreaterThan(attempts[0].attempted_at);
    const requests = receiver.to('/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([job.delivery_id]));
    // the tier waits were honoured: 300 ms, then 600 ms
    expect(requests[1].receivedAt - requests[0].receivedAt).toBeGreaterThanOrEqual(290);
    expect(requests[2].receivedAt - requests[1].receivedAt).toBeGreaterThanOrEqual(590);
  });

  it('makes a single attempt of a REDELIVERY, not retried when it fails', async () => {
    const { receiver, base } = await ownReceiver(extraReceivers);
    receiver.script('/again', [], { kind: 'status', status: 500 });
    const job = deliveryJob('wh-1', `${base}/again`, { origin: 'REDELIVERY', attempt: 5 });
    await harness.publishJobs([job]);
    const result = await firstResultOf(job.delivery_id);
    expect(result).toMatchObject({ outcome: 'FAILED', attempt: 5, status_code: 500, origin: 'REDELIVERY' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.to('/again')).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    const { receiver, base } = await ownReceiver(extraReceivers);
    receiver.script('/busy', [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }]);
    const job = deliveryJob('wh-1', `${base}/busy`);
    await harness.publishJobs([job]);
    const attempts = await eventually(() => {
      const r = resultsOf(job.delivery_id);
      if (!r.some((x) => x.outcome === 'SUCCEEDED')) throw new Error('not yet');
      return r;
    }, 30_000);
    expect(attempts[0]).toMatchObject({ outcome: 'RETRYING', status_code: 429 });
    const [first, second] = receiver.to('/busy');
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it('dead-letters a job after its last attempt, with a FAILED result', async () => {
    const { receiver, base } = await ownReceiver(extraReceivers);
    receiver.script('/down', [], { kind: 'status', status: 502 });
    const dlq = await harness.collect<DeliveryJob>('deliveriesDlq');
    const job = deliveryJob('wh-1', `${base}/down`);
    await harness.publishJobs([job]);
    await dlq.until((records) => records.some((r) => r.value?.delivery_id === job.delivery_id), 40_000);
    const outcomes = resultsOf(job.delivery_id).map((r) => [r.attempt, r.outcome]);
    expect(outcomes).toEqual([
      [1, 'RETRYING'],
      [2, 'RETRYING'],
      [3, 'RETRYING'],
      [4, 'FAILED'],
    ]);
    expect(receiver.to('/down')).toHaveLength(4);
  }, 60_000);

  it('publishes GONE on a 410 and does not retry', async () => {
    const { receiver, base } = await ownReceiver(extraReceivers);
    receiver.script('/gone', [{ kind: 'status', status: 410 }]);
    const job = deliveryJob('wh-1', `${base}/gone`);
    await harness.publishJobs([job]);
    const result = await firstResultOf(job.delivery_id);
    expect(result).toMatchObject({ outcome: 'GONE', status_code: 410 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.to('/gone')).toHaveLength(1);
    expect(resultsOf(job.delivery_id)).toHaveLength(1);
  });

  it('blocks a metadata address (SSRF guard), without retry, to the DLQ', async () => {
    const dlq = await harness.collect<DeliveryJob>('deliveriesDlq');
    const job = deliveryJob('wh-1', 'http://169.254.169.254/latest/meta-data/');
    await harness.publishJobs([job]);
    await dlq.until((records) => records.some((r) => r.value?.delivery_id === job.delivery_id), 30_000);
    expect(resultsOf(job.delivery_id)).toEqual([expect.objectContaining({ outcome: 'BLOCKED', error_class: 'blocked_address', status_code: null })]);
  });

  it('drops the jobs of a disabled webhook with a FAILED webhook_disabled result', async () => {
    const job = deliveryJob('wh-off', `${base}/off`);
    await harness.publishJobs([job]);
    const result = await firstResultOf(job.delivery_id);
    expect(result).toMatchObject({ outcome: 'FAILED', error_class: 'webhook_disabled' });
    expect(receiver.to('/off')).toHaveLength(0);
  });

  it('drops the jobs of a deleted webhook at once with a FAILED webhook_deleted result', async () => {
    const job = deliveryJob('wh-gone', `${base}/gone`);
    await harness.publishJobs([job]);
    const result = await firstResultOf(job.delivery_id);
    expect(result).toMatchObject({ outcome: 'FAILED', error_class: 'webhook_deleted' });
    expect(receiver.to('/gone')).toHaveLength(0);
  });

  it('sends malformed jobs to the deliveries dead-letter topic with the reason', async () => {
    const dlq = await harness.collect<unknown>(deadLetterTopicOf(harness.kafka.topicName('deliveries')), false);
    const bad = deliveryJob('wh-1', 'ftp://files.example.com/hook');
    await harness.publishJobs([bad]);
    const producer = harness.kafka.kafka.producer();
    await producer.connect();
    await producer.send({ topic: harness.kafka.topicName('deliveries'), messages: [{ key: 'x', value: Buffer.from('not avro at all') }] });
    await producer.disconnect();
    const records = await dlq.until((r) => r.length >= 2, 30_000);
    const reasons = records.map((r) => String(r.headers[DLQ_HEADERS.errorClass]));
    expect(reasons.sort()).toEqual(['contract_violation', 'decode_error']);
    const violation = records.find((r) => String(r.headers[DLQ_HEADERS.errorClass]) === 'contract_violation')!;
    expect(String(violation.headers[DLQ_HEADERS.reason])).toContain('http or https');
    expect(resultsOf(bad.delivery_id)).toHaveLength(0);
  });
});
