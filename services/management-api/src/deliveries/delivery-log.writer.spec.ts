import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { groupByDelivery } from './delivery-log.writer';

const result = (delivery: string, attempt: number, over: Partial<DeliveryAttemptResult> = {}): DeliveryAttemptResult => ({
  delivery_id: delivery,
  webhook_id: 'wh-1',
  customer_id: 'cust-a',
  environment_id: null,
  event_id: 'evt-1',
  event: 'Call:Hangup',
  call_uuid: null,
  origin: 'EVENT',
  attempt,
  outcome: 'RETRYING',
  status_code: 500,
  error_class: 'http_status',
  latency_ms: 10,
  response_snippet: null,
  method: 'POST',
  url: 'https://crm.example.com/hooks',
  request_body: '{}',
  attempted_at: 1_000 * attempt,
  next_attempt_at: null,
  ...over,
});

describe('groupByDelivery', () => {
  it('keeps one attempt per number, the last result read winning (a replay replaces itself)', () => {
    const grouped = groupByDelivery([result('d1', 1, { latency_ms: 1 }), result('d2', 1), result('d1', 1, { latency_ms: 2 })]);
    expect([...grouped.keys()]).toEqual(['d1', 'd2']);
    expect([...grouped.get('d1')!.fresh.values()].map((a) => [a.attempt, a.latency_ms])).toEqual([[1, 2]]);
  });

  it('creates a delivery from its lowest attempt of the batch (its time is created_at), whatever order they came in', () => {
    const grouped = groupByDelivery([result('d1', 3, { attempted_at: 3_000 }), result('d1', 2, { attempted_at: 2_000 })]);
    expect(grouped.get('d1')!.first).toMatchObject({ attempt: 2, attempted_at: 2_000 });
    expect([...grouped.get('d1')!.fresh.keys()].sort()).toEqual([2, 3]);
  });
});
