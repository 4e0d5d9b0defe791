import type { HealthBucket, LastAttempt } from './health-buckets';

/**
 * The rolling health aggregates of one webhook: a row of the PostgreSQL table webhook_health
 * (database/migrations/0002-webhook-health.ts), kept by the delivery-log consumer from the
 * delivery results (its only writer: WebhookHealthStore), read by the stats endpoints and the
 * failing-webhooks sweep. A list page reads it without the minute buckets and offsets.
 */
export interface WebhookHealthRecord {
  webhook_id: string;
  customer_id: string;
  minutes?: HealthBucket[];
  hours: HealthBucket[];
  last_success: LastAttempt | null;
  last_failure: LastAttempt | null;
  consecutive_failures: number;
  failing_since: Date | null;
  streak?: number[];
  streak_overflow?: number;
  breaker_open_at: Date | null;
  last_attempt_at: Date | null;
  /** Results partition → the last offset applied (a replayed result counts once). */
  applied_offsets?: Record<string, number>;
  updated_at?: Date;
}
