import { ConfigError } from '@callhooks/config';
import { loadManagementApiConfig } from '../../config/management-api.config';

/** The webhook health settings, as the management API's one load reads them. */
const loadWebhookHealthConfig = (env: Record<string, string>) => loadManagementApiConfig({ MANAGEMENT_OPERATOR_TOKEN: 'operator-token-0123456789abcdef', ...env }).webhookHealth;

describe('the webhook health settings', () => {
  it('disables after 5 days of failures by default', () => {
    expect(loadWebhookHealthConfig({})).toEqual({ autoDisableAfterMs: 5 * 24 * 3_600_000, autoDisableCheckIntervalMs: 60_000, failingNoticeThreshold: 10 });
  });

  it('reads a shorter period, and 0 turns the auto-disable off', () => {
    expect(loadWebhookHealthConfig({ MANAGEMENT_AUTO_DISABLE_AFTER_MS: '5000' }).autoDisableAfterMs).toBe(5000);
    expect(loadWebhookHealthConfig({ MANAGEMENT_AUTO_DISABLE_AFTER_MS: '0' }).autoDisableAfterMs).toBe(0);
  });

  it('names every bad key', () => {
    const load = () => loadWebhookHealthConfig({ MANAGEMENT_AUTO_DISABLE_AFTER_MS: '-1', MANAGEMENT_FAILING_NOTICE_THRESHOLD: 'ten' });
    expect(load).toThrow(ConfigError);
    for (const key of ['MANAGEMENT_AUTO_DISABLE_AFTER_MS', 'MANAGEMENT_FAILING_NOTICE_THRESHOLD']) expect(load).toThrow(key);
  });
});
