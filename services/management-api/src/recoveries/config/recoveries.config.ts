import { z } from 'zod';
import { env } from '@callhooks/config';

/**
 * Bulk recoveries: a section of the management API's environment, validated in its one load
 * with every other key (config/management-api.config.ts).
 */
export const recoveriesEnvSchema = z.object({
  /** Resends of one recovery not yet over, at most: the recovery goes at the pace the target (its breaker, concurrency, rate limit) takes them. */
  MANAGEMENT_RECOVERY_WINDOW: env.int(1, 10_000).default(200),
  /** How often a running recovery checks its resends and sends more. */
  MANAGEMENT_RECOVERY_TICK_MS: env.int(50, 60_000).default(500),
  /** How long an instance holds a recovery without renewing before another instance (or itself after a restart) takes it over. */
  MANAGEMENT_RECOVERY_LEASE_MS: env.int(1000, 600_000).default(15_000),
});

export interface RecoveriesConfig {
  window: number;
  tickMs: number;
  leaseMs: number;
}

export const RECOVERIES_CONFIG = Symbol('RECOVERIES_CONFIG');

export function recoveriesSettings(e: z.infer<typeof recoveriesEnvSchema>): RecoveriesConfig {
  return { window: e.MANAGEMENT_RECOVERY_WINDOW, tickMs: e.MANAGEMENT_RECOVERY_TICK_MS, leaseMs: e.MANAGEMENT_RECOVERY_LEASE_MS };
}
