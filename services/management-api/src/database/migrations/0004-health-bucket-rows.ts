/**
 * The health buckets as rows of their own, added to in place: a batch of results adds its counts
 * to the buckets it touches (`attempts = attempts + excluded.attempts`), instead of reading and
 * rewriting each webhook's whole JSON series (some 230 buckets, tens of KB) per batch. Failures
 * by class and the latency histogram are arrays in a fixed order (webhook-health/health-buckets.ts:
 * FAILURE_CLASSES, LATENCY_BOUNDS_MS plus one bin above); the buckets of existing rows move over,
 * then their JSON columns go. The class and bin lists are written out here as they were when this
 * ran: an applied migration never changes.
 */
export const HEALTH_BUCKET_ROWS = `
CREATE TABLE webhook_health_buckets (
  webhook_id text COLLATE "C" NOT NULL,
  unit       text NOT NULL CHECK (unit IN ('minute', 'hour')),
  t          bigint NOT NULL,
  attempts   integer NOT NULL,
  successes  integer NOT NULL,
  failures   integer[] NOT NULL,
  latency    integer[] NOT NULL,
  PRIMARY KEY (webhook_id, unit, t)
);
INSERT INTO webhook_health_buckets (webhook_id, unit, t, attempts, successes, failures, latency)
SELECT h.webhook_id, s.unit, (b->>'t')::bigint, (b->>'attempts')::int, (b->>'successes')::int,
       ARRAY(SELECT coalesce((b->'failures'->>c)::int, 0) FROM unnest(ARRAY['http_4xx', 'http_5xx', 'http_3xx', 'timeout', 'connection', 'blocked', 'other']) WITH ORDINALITY AS f(c, n) ORDER BY n),
       ARRAY(SELECT coalesce((b->'latency'->>bin::text)::int, 0) FROM generate_series(0, 23) AS bin ORDER BY bin)
  FROM webhook_health h, LATERAL (VALUES ('minute', h.minutes), ('hour', h.hours)) AS s(unit, series), jsonb_array_elements(s.series) AS b;
ALTER TABLE webhook_health DROP COLUMN minutes, DROP COLUMN hours;
`;
