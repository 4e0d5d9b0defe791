import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { requireServers, testDeliveryResult, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { windowStats } from '../src/webhook-health/health-buckets';
import { stateOf, WebhookHealthStore } from '../src/webhook-health/webhook-health.store';
import { startManagementApi, type RunningApi } from './management-api.harness';

function record(partition: number, offset: number, over: Partial<DeliveryAttemptResult>): ConsumedRecord<DeliveryAttemptResult> {
  return {
    topic: 'results',
    partition,
    offset: String(offset),
    key: null,
    headers: {},
    timestamp: Date.now(),
    value: testDeliveryResult({ delivery_id: `d-${partition}-${offset}`, webhook_id: 'wh-replay', customer_id: 'cust-replay', event_id: 'e', latency_ms: 30, attempted_at: Date.now() - 1000, ...over }),
  };
}

describe('webhook health store (real FerretDB)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    api = await startManagementApi({ database: uniqueDatabase('mgmt_health'), prefix: uniquePrefix('mgmt-health') });
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('counts a result once when its batch is read again, and batches of two partitions at once both', async () => {
    const store = api.app.get(WebhookHealthStore);
    const p0 = [record(0, 10, {}), record(0, 11, { outcome: 'RETRYING', status_code: 500, error_class: 'http_status' })];
    const p1 = [record(1, 4, {}), record(1, 5, {})];
    await Promise.all([store.apply(p0), store.apply(p1)]);
    // a replay after a crash: the same records, plus one new one of partition 0
    await store.apply([...p0, record(0, 12, {})]);
    await store.apply(p1);
    const doc = await store.get('wh-replay');
    expect(doc).not.toBeNull();
    expect(doc!.applied_offsets).toEqual({ '0': 12, '1': 5 });
    expect(windowStats(stateOf(doc!), '1h', Date.now())).toMatchObject({ attempts: 5, successes: 4, failures: { total: 1, http_5xx: 1 } });
  });
});
