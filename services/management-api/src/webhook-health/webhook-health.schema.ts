import type { HealthBucket, LastAttempt } from './health-buckets';

/**
 * The rolling health aggregates of one webhook: a row of the PostgreSQL table webhook_health
 * with its buckets, rows of webhook_health_buckets (database/migrations/0002, 0004), kept by
 * the delivery-log consumer from the delivery results (their only writer: WebhookHealthStore),
 * read by the stats endpoints and the failing-webhooks sweep (without buckets). A list page
 * reads it with the last 24 h of hour buckets, without minute buckets and offsets.
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
