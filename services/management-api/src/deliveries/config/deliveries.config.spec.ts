import { ConfigError } from '@callhooks/config';
import { loadManagementApiConfig } from '../../config/management-api.config';

/** The delivery log's settings, as the management API's one load reads them. */
const loadDeliveriesConfig = (env: Record<string, string>) => loadManagementApiConfig({ MANAGEMENT_OPERATOR_TOKEN: 'operator-token-0123456789abcdef', ...env }).deliveries;

describe('the delivery log settings', () => {
  it('has defaults for every delivery log key', () => {
    expect(loadDeliveriesConfig({})).toEqual({
      consumerGroup: 'callhooks-delivery-log',
      retentionDays: 30,
      purgeIntervalMs: 3_600_000,
      testSendWaitMs: 15_000,
      fetchLingerMs: 1000,
    });
  });

  it('reads the fetch linger (0 turns it off)', () => {
    expect(loadDeliveriesConfig({ MANAGEMENT_DELIVERY_LOG_FETCH_LINGER_MS: '0' }).fetchLingerMs).toBe(0);
  });

  it('reads the consumer group and refuses a blank one', () => {
    expect(loadDeliveriesConfig({ MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP: 'delivery-log-blue' }).consumerGroup).toBe('delivery-log-blue');
    expect(() => loadDeliveriesConfig({ MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP: '  ' })).toThrow('MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP');
  });

  it('names every bad key', () => {
    const load = () => loadDeliveriesConfig({ MANAGEMENT_DELIVERY_LOG_FETCH_LINGER_MS: '6000', MANAGEMENT_DELIVERY_RETENTION_DAYS: '0' });
    expect(load).toThrow(ConfigError);
    for (const key of ['MANAGEMENT_DELIVERY_LOG_FETCH_LINGER_MS', 'MANAGEMENT_DELIVERY_RETENTION_DAYS']) expect(load).toThrow(key);
  });
});
