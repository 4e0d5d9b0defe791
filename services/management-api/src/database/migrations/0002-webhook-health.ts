/**
 * The rolling health aggregates of each webhook (webhook-health/health-buckets.ts): one row per
 * webhook, its buckets as JSON (read and written whole, a few KB), the fields the sweep and the
 * list read as columns. `applied_offsets` (results partition → last offset applied) makes a
 * result read again after a crash count once.
 */
export const WEBHOOK_HEALTH = `
CREATE TABLE webhook_health (
  webhook_id           text COLLATE "C" PRIMARY KEY,
  customer_id          text COLLATE "C" NOT NULL,
  minutes              jsonb NOT NULL DEFAULT '[]',
  hours                jsonb NOT NULL DEFAULT '[]',
  last_success         jsonb,
  last_failure         jsonb,
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since        timestamptz,
  streak               jsonb NOT NULL DEFAULT '[]',
  streak_overflow      integer NOT NULL DEFAULT 0,
  breaker_open_at      timestamptz,
  last_attempt_at      timestamptz,
  applied_offsets      jsonb NOT NULL DEFAULT '{}',
  updated_at           timestamptz NOT NULL DEFAULT now()
);
-- the failing-webhooks sweep: webhooks failing since before a cutoff
CREATE INDEX webhook_health_failing_since ON webhook_health (failing_since) WHERE failing_since IS NOT NULL;
`;
