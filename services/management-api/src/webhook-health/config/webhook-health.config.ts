import { z } from 'zod';
import { env } from '@callhooks/config';

const DAY = 24 * 3_600_000;

/**
 * Webhook health, auto-disable and failing notices: a section of the management API's
 * environment, validated in its one load with every other key (config/management-api.config.ts).
 */
export const webhookHealthEnvSchema = z.object({
  /** A webhook whose every attempt failed for this long is disabled (Svix's default: 5 days). 0 = never. */
  MANAGEMENT_AUTO_DISABLE_AFTER_MS: env.int(0, 365 * DAY).default(5 * DAY),
  /** How often the failing webhooks are looked for. */
  MANAGEMENT_AUTO_DISABLE_CHECK_INTERVAL_MS: env.int(100, DAY).default(60_000),
  /** Failures in a row after which a `webhook.failing` notice goes to the operational webhooks. */
  MANAGEMENT_FAILING_NOTICE_THRESHOLD: env.int(1, 1_000_000).default(10),
});

export interface WebhookHealthConfig {
  autoDisableAfterMs: number;
  autoDisableCheckIntervalMs: number;
  failingNoticeThreshold: number;
}

export const WEBHOOK_HEALTH_CONFIG = Symbol('WEBHOOK_HEALTH_CONFIG');

export function webhookHealthSettings(e: z.infer<typeof webhookHealthEnvSchema>): WebhookHealthConfig {
  return {
    autoDisableAfterMs: e.MANAGEMENT_AUTO_DISABLE_AFTER_MS,
    autoDisableCheckIntervalMs: e.MANAGEMENT_AUTO_DISABLE_CHECK_INTERVAL_MS,
    failingNoticeThreshold: e.MANAGEMENT_FAILING_NOTICE_THRESHOLD,
  };
}
