// The delivery results the ingest benches write: the producer process of api.bench
// (delivery-results.producer.ts) and the writer alone (delivery-log-writer.bench.ts) make the
// same ones, so their figures compare.
import { randomUUID } from 'node:crypto';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { testDeliveryResult } from '@callhooks/testing';

/** Share of deliveries whose first attempt fails and is followed by a second result (the log's update path). */
export const RETRIED_SHARE = 0.05;

/** A rendered body of the size a CRM webhook carries. */
const BODY = JSON.stringify({ call: randomUUID(), from: '+972501234567', to: '+97231234567', state: 'HANGUP', summary: 'inbound call, 00:01:05' });

/** One result of the benches' shape: a delivery of `webhook_id` to the same URL with the same body. */
export function ingestResult(over: Partial<DeliveryAttemptResult>): DeliveryAttemptResult {
  return testDeliveryResult({
    customer_id: 'bench-ingest',
    environment_id: 'env-1',
    latency_ms: 42,
    response_snippet: '{"ok":true}',
    url: 'https://crm.example.com/hooks/calls',
    request_body: BODY,
    ...over,
  });
}

/**
 * The benches' deliveries, numbered: three to a call, over the webhooks in turn; RETRIED_SHARE of
 * them fail their first attempt (503) and succeed a second later.
 */
export class IngestDeliveries {
  private callUuid = randomUUID();

  constructor(
    private readonly webhooks: string[],
    private readonly customerId = 'bench-ingest',
    /** The delivery id of the i-th delivery made at `now` (random UUIDs by default). */
    private readonly deliveryId: (i: number, now: number) => string = () => `ingest-${randomUUID()}`,
  ) {}

  /** The i-th delivery's first result, and its second when the first failed. */
  make(i: number): { first: DeliveryAttemptResult; second: DeliveryAttemptResult | null } {
    if (i % 3 === 0) this.callUuid = randomUUID();
    const retried = Math.random() < RETRIED_SHARE;
    const now = Date.now();
    const first = ingestResult({
      delivery_id: this.deliveryId(i, now),
      webhook_id: this.webhooks[i % this.webhooks.length],
      customer_id: this.customerId,
      call_uuid: this.callUuid,
      attempted_at: now,
      ...(retried ? { outcome: 'RETRYING', status_code: 503, error_class: 'http_status', response_snippet: 'Service Unavailable', next_attempt_at: now + 1000 } : {}),
    });
    const second = retried ? { ...first, attempt: 2, outcome: 'SUCCEEDED' as const, status_code: 200, error_class: null, response_snippet: '{"ok":true}', attempted_at: now + 1000, next_attempt_at: null } : null;
    return { first, second };
  }
}
