import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { PostgresPool } from '../database/postgres-pool';
import { postgresJson } from '../database/postgres-text';
import {
  applyResults,
  emptyHealth,
  FAILURE_CLASSES,
  LATENCY_BOUNDS_MS,
  oldestKept,
  WINDOWS,
  type HealthBucket,
  type HealthState,
  type LastAttempt,
} from './health-buckets';
import type { WebhookHealthRecord } from './webhook-health.schema';

/** What a webhook's health is apart from its buckets: what the notices and the sweep look at. */
export type HealthSummary = Omit<HealthState, 'minutes' | 'hours'>;

/** A webhook's health before and after a batch. */
export interface HealthChange {
  customerId: string;
  webhookId: string;
  before: HealthSummary;
  after: HealthSummary;
}

/** A bucket as its row holds it: failures by class and latency by bin as arrays, in FAILURE_CLASSES and bin order. */
interface BucketRow {
  webhook_id: string;
  unit: 'minute' | 'hour';
  /** Start (epoch ms); a bigint, read back as a string. */
  t: number | string;
  attempts: number;
  successes: number;
  failures: number[];
  latency: number[];
}

const STATE_COLUMNS =
  'webhook_id, customer_id, last_success, last_failure, consecutive_failures, failing_since, streak, streak_overflow, breaker_open_at, last_attempt_at, applied_offsets';
/** What a list page shows (the last 24 h comes from the hour buckets): no offsets or streak times. */
const PAGE_COLUMNS = 'webhook_id, customer_id, last_success, last_failure, consecutive_failures, failing_since, breaker_open_at, last_attempt_at';
const BUCKET_COLUMNS = 'webhook_id, unit, t, attempts, successes, failures, latency';
const LATENCY_BINS = LATENCY_BOUNDS_MS.length + 1;
/**
 * A stored count array plus the batch's, element by element (a missing element counts as 0),
 * written out element by element: PostgreSQL has no array addition, and a subquery per row
 * (unnest, array_agg) took a third of the store's PostgreSQL CPU.
 */
const addCounts = (column: string, length: number) =>
  `ARRAY[${Array.from({ length }, (_, i) => `coalesce(b.${column}[${i + 1}], 0) + coalesce(excluded.${column}[${i + 1}], 0)`).join(', ')}]`;
/** Webhooks whose pruned minute is remembered (a webhook not remembered is pruned at its next write). */
const PRUNED_REMEMBERED = 100_000;

/**
 * Keeps the webhook_health rows and their buckets (webhook_health_buckets): per batch of
 * results, one transaction whatever its size: the batch's webhooks created if new, read and
 * locked in id order, then one statement that adds the batch's counts to the buckets they fall
 * in (the stored ones are never read here), drops the buckets past what is kept, and updates
 * the webhooks' rows. A result counts once: each row remembers the last offset it applied per
 * partition of the results topic, and a partition's records come in offset order, so a replay
 * (after a crash, before the commit) is recognised. The row locks serialise batches of other
 * partitions (and other instances) touching the same webhook, and its buckets with it.
 */
@Injectable()
export class WebhookHealthStore {
  /**
   * Webhook → the minute its buckets were last pruned at by this instance: what is kept only
   * moves on with the minute, so a webhook's buckets are pruned once a minute, not at every
   * batch (readers skip what is past the windows anyway).
   */
  private readonly prunedAt = new Map<string, number>();

  constructor(private readonly postgres: PostgresPool) {}

  /**
   * Applies a batch; `beforeWrite` sees each webhook's change before it is stored, so what it
   * sends (notices) is sent again if the write is lost, never skipped.
   */
  async apply(records: Array<ConsumedRecord<DeliveryAttemptResult>>, beforeWrite?: (change: HealthChange) => Promise<void>): Promise<HealthChange[]> {
    if (records.length === 0) return [];
    const byWebhook = new Map<string, Array<ConsumedRecord<DeliveryAttemptResult>>>();
    for (const r of records) {
      const list = byWebhook.get(r.value.webhook_id);
      if (list) list.push(r);
      else byWebhook.set(r.value.webhook_id, [r]);
    }
    const ids = [...byWebhook.keys()].sort();
    return this.postgres.transaction(async (client) => {
      await client.query(
        'INSERT INTO webhook_health (webhook_id, customer_id) SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1 ON CONFLICT (webhook_id) DO NOTHING',
        [ids, ids.map((id) => byWebhook.get(id)![0].value.customer_id)],
      );
      const { rows } = await client.query<WebhookHealthRecord>(
        `SELECT ${STATE_COLUMNS} FROM webhook_health WHERE webhook_id = ANY($1::text[]) ORDER BY webhook_id FOR UPDATE`,
        [ids],
      );
      const changes: HealthChange[] = [];
      const updates: unknown[] = [];
      const buckets: BucketRow[] = [];
      const now = Date.now();
      for (const row of rows) {
        const applied = { ...(row.applied_offsets ?? {}) };
        const fresh = byWebhook.get(row.webhook_id)!.filter((r) => Number(r.offset) > (applied[String(r.partition)] ?? -1));
        if (fresh.length === 0) continue;
        for (const r of fresh) applied[String(r.partition)] = Math.max(applied[String(r.partition)] ?? -1, Number(r.offset));
        const before = stateOf(row);
        // from no buckets: what it leaves in them is this batch's counts, added to the stored ones below
        const after = applyResults(structuredClone(before), fresh.map((r) => r.value), now);
        const { minutes, hours, ...summary } = after;
        const change: HealthChange = { customerId: row.customer_id, webhookId: row.webhook_id, before: withoutBuckets(before), after: summary };
        await beforeWrite?.(change);
        changes.push(change);
        for (const b of minutes) buckets.push(bucketRow(row.webhook_id, 'minute', b));
        for (const b of hours) buckets.push(bucketRow(row.webhook_id, 'hour', b));
        updates.push({ ...summary, webhook_id: row.webhook_id, applied_offsets: applied });
      }
      if (changes.length > 0) {
        const kept = oldestKept(now);
        const prune = changes.map((c) => c.webhookId).filter((id) => this.prunedAt.get(id) !== kept.minute);
        // rows as JSON: one text parameter each, which pg sends as it is (it escapes array parameters element by element)
        await client.query(
          `WITH added AS (
             INSERT INTO webhook_health_buckets AS b (${BUCKET_COLUMNS})
             SELECT ${BUCKET_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS u(webhook_id text, unit text, t bigint, attempts int, successes int, failures int[], latency int[])
             ON CONFLICT (webhook_id, unit, t) DO UPDATE SET attempts = b.attempts + excluded.attempts, successes = b.successes + excluded.successes,
               failures = ${addCounts('failures', FAILURE_CLASSES.length)}, latency = ${addCounts('latency', LATENCY_BINS)}
           ), dropped AS (
             DELETE FROM webhook_health_buckets WHERE webhook_id = ANY($2::text[]) AND ((unit = 'minute' AND t < $3) OR (unit = 'hour' AND t < $4))
           )
           UPDATE webhook_health h SET last_success = u.last_success, last_failure = u.last_failure, consecutive_failures = u.consecutive_failures,
             failing_since = u.failing_since, streak = u.streak, streak_overflow = u.streak_overflow, breaker_open_at = u.breaker_open_at,
             last_attempt_at = u.last_attempt_at, applied_offsets = u.applied_offsets, updated_at = now()
           FROM jsonb_to_recordset($5::jsonb) AS u(webhook_id text, last_success jsonb, last_failure jsonb, consecutive_failures int, failing_since timestamptz,
             streak jsonb, streak_overflow int, breaker_open_at timestamptz, last_attempt_at timestamptz, applied_offsets jsonb)
           WHERE h.webhook_id = u.webhook_id`,
          [postgresJson(buckets), prune, kept.minute, kept.hour, postgresJson(updates)],
        );
        // a batch rolled back after this leaves them a minute longer: readers skip them anyway
        for (const id of prune) this.rememberPruned(id, kept.minute);
      }
      return changes;
    });
  }

  private rememberPruned(webhookId: string, minute: number): void {
    this.prunedAt.delete(webhookId);
    if (this.prunedAt.size >= PRUNED_REMEMBERED) this.prunedAt.delete(this.prunedAt.keys().next().value!);
    this.prunedAt.set(webhookId, minute);
  }

  /** A webhook's row with the buckets still kept. */
  async get(webhookId: string): Promise<WebhookHealthRecord | null> {
    const [row] = await this.postgres.query<WebhookHealthRecord>(`SELECT ${STATE_COLUMNS} FROM webhook_health WHERE webhook_id = $1`, [webhookId]);
    if (!row) return null;
    const kept = oldestKept(Date.now());
    const buckets = await this.postgres.query<BucketRow>(
      `SELECT ${BUCKET_COLUMNS} FROM webhook_health_buckets WHERE webhook_id = $1 AND ((unit = 'minute' AND t >= $2) OR (unit = 'hour' AND t >= $3)) ORDER BY unit, t`,
      [webhookId, kept.minute, kept.hour],
    );
    return { ...row, minutes: buckets.filter((b) => b.unit === 'minute').map(bucketOf), hours: buckets.filter((b) => b.unit === 'hour').map(bucketOf) };
  }

  /** The rows of these webhooks (a page of the list), with what the list shows: the hour buckets of the last 24 h. */
  async getMany(webhookIds: string[]): Promise<Map<string, WebhookHealthRecord>> {
    if (webhookIds.length === 0) return new Map();
    const [rows, buckets] = await Promise.all([
      this.postgres.query<WebhookHealthRecord>(`SELECT ${PAGE_COLUMNS} FROM webhook_health WHERE webhook_id = ANY($1::text[])`, [webhookIds]),
      // an hour more than the window: the page's "now" is read a little later than this one
      this.postgres.query<BucketRow>(`SELECT ${BUCKET_COLUMNS} FROM webhook_health_buckets WHERE webhook_id = ANY($1::text[]) AND unit = 'hour' AND t >= $2 ORDER BY t`, [
        webhookIds,
        Date.now() - WINDOWS['24h'].ms - 3_600_000,
      ]),
    ]);
    const page = new Map(rows.map((r) => [r.webhook_id, { ...r, hours: [] as HealthBucket[] }]));
    for (const b of buckets) page.get(b.webhook_id)?.hours.push(bucketOf(b));
    return page;
  }

  /** Webhooks whose every attempt failed since before `cutoff` (their rows without buckets). */
  async failingSince(cutoff: Date): Promise<WebhookHealthRecord[]> {
    return this.postgres.query<WebhookHealthRecord>(`SELECT ${STATE_COLUMNS} FROM webhook_health WHERE failing_since <= $1`, [cutoff]);
  }
}

function bucketRow(webhookId: string, unit: BucketRow['unit'], b: HealthBucket): BucketRow {
  const latency = new Array<number>(LATENCY_BINS).fill(0);
  for (const [bin, n] of Object.entries(b.latency)) latency[Number(bin)] = n;
  return { webhook_id: webhookId, unit, t: b.t, attempts: b.attempts, successes: b.successes, failures: FAILURE_CLASSES.map((c) => b.failures[c] ?? 0), latency };
}

/** A bucket as health-buckets.ts has it: classes and bins without a count left out. */
function bucketOf(row: BucketRow): HealthBucket {
  const failures: HealthBucket['failures'] = {};
  FAILURE_CLASSES.forEach((c, i) => {
    if (row.failures[i]) failures[c] = row.failures[i];
  });
  const latency: HealthBucket['latency'] = {};
  row.latency.forEach((n, bin) => {
    if (n) latency[String(bin)] = n;
  });
  return { t: Number(row.t), attempts: row.attempts, successes: row.successes, failures, latency };
}

function withoutBuckets(state: HealthState): HealthSummary {
  const { minutes: _minutes, hours: _hours, ...summary } = state;
  return summary;
}

/** A last attempt read back from JSON (its time was written as an ISO string). */
function lastAttemptOf(value: LastAttempt | null | undefined): LastAttempt | null {
  return value ? { ...value, at: new Date(value.at) } : null;
}

export function stateOf(row: WebhookHealthRecord): HealthState {
  return {
    ...emptyHealth(),
    minutes: row.minutes ?? [],
    hours: row.hours ?? [],
    last_success: lastAttemptOf(row.last_success),
    last_failure: lastAttemptOf(row.last_failure),
    consecutive_failures: row.consecutive_failures ?? 0,
    failing_since: row.failing_since ?? null,
    streak: row.streak ?? [],
    streak_overflow: row.streak_overflow ?? 0,
    breaker_open_at: row.breaker_open_at ?? null,
    last_attempt_at: row.last_attempt_at ?? null,
  };
}
