import { ConfigError } from '@callhooks/config';
import { loadManagementApiConfig } from './management-api.config';

const OPERATOR = { MANAGEMENT_OPERATOR_TOKEN: 'operator-token-0123456789abcdef' };

describe('loadManagementApiConfig', () => {
  it('reads every section in one load, each with its defaults', () => {
    const config = loadManagementApiConfig(OPERATOR);
    expect(config.deliveries.consumerGroup).toBe('callhooks-delivery-log');
    expect(config.webhookHealth.failingNoticeThreshold).toBe(10);
    expect(config.recoveries).toEqual({ window: 200, tickMs: 500, leaseMs: 15_000 });
    expect(config.publishing.reconcileIntervalMs).toBe(5000);
  });

  it('names every bad key in one error: common, the API’s own, delivery log, webhook health and recoveries alike', () => {
    const bad = {
      KAFKA_TOPIC_PARTITIONS: '0',
      MANAGEMENT_OPERATOR_TOKEN: 'short',
      MANAGEMENT_RECONCILE_INTERVAL_MS: '1',
      MANAGEMENT_DELIVERY_RETENTION_DAYS: '0',
      MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP: '  ',
      MANAGEMENT_FAILING_NOTICE_THRESHOLD: 'ten',
      MANAGEMENT_RECOVERY_WINDOW: '0',
    };
    let error: unknown;
    try {
      loadManagementApiConfig(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const named = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(Object.keys(bad).sort());
    // the secret is named, never shown
    expect((error as ConfigError).message).not.toContain('short');
  });
});
