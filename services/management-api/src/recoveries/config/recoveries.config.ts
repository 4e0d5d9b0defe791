import { z } from 'zod';
import { env, loadConfig } from '@callhooks/config';

/**
 * Bulk recoveries. Validated in a pass of their own when RecoveriesModule is built, after the rest of the
 * management API's environment: a bad key here is reported in a message of its own.
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

export function loadRecoveriesConfig(source: Record<string, string | undefined> = process.env): RecoveriesConfig {
  const e = loadConfig('management-api', recoveriesEnvSchema, source);
  return { window: e.MANAGEMENT_RECOVERY_WINDOW, tickMs: e.MANAGEMENT_RECOVERY_TICK_MS, leaseMs: e.MANAGEMENT_RECOVERY_LEASE_MS };
}
