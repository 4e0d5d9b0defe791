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

  it('reads the delivery log’s PostgreSQL: the local server by default, the URL, schema and pool size given', () => {
    expect(loadManagementApiConfig(OPERATOR).postgres).toEqual({ url: 'postgres://postgres@127.0.0.1:55432/callhooks', schema: 'callhooks', poolSize: 10 });
    const given = loadManagementApiConfig({
      ...OPERATOR,
      MANAGEMENT_POSTGRES_URL: 'postgresql://callhooks:secret@db.internal:5432/log',
      MANAGEMENT_POSTGRES_SCHEMA: 'tenant_7',
      MANAGEMENT_POSTGRES_POOL_SIZE: '25',
    });
    expect(given.postgres).toEqual({ url: 'postgresql://callhooks:secret@db.internal:5432/log', schema: 'tenant_7', poolSize: 25 });
  });

  it('refuses a PostgreSQL URL without a database, a schema that is no plain identifier and a pool of 0, naming each', () => {
    const bad = { MANAGEMENT_POSTGRES_URL: 'postgres://db.internal:5432', MANAGEMENT_POSTGRES_SCHEMA: 'log; DROP TABLE x', MANAGEMENT_POSTGRES_POOL_SIZE: '0' };
    let error: unknown;
    try {
      loadManagementApiConfig({ ...OPERATOR, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(Object.keys(bad).sort());
  });
});
