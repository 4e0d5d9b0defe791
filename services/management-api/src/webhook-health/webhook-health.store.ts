import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { PostgresPool } from '../database/postgres-pool';
import { applyResults, emptyHealth, type HealthState, type LastAttempt } from './health-buckets';
import type { WebhookHealthRecord } from './webhook-health.schema';

/** A webhook's health before and after a batch: what the notices and the sweep look at. */
export interface HealthChange {
  customerId: string;
  webhookId: string;
  before: HealthState;
  after: HealthState;
}

const ALL_COLUMNS =
  'webhook_id, customer_id, minutes, hours, last_success, last_failure, consecutive_failures, failing_since, streak, streak_overflow, breaker_open_at, last_attempt_at, applied_offsets';
/** What a list page shows: the last 24 h from the hour buckets (no minute buckets, offsets or streak times). */
const PAGE_COLUMNS = 'webhook_id, customer_id, hours, last_success, last_failure, consecutive_failures, failing_since, breaker_open_at, last_attempt_at';

/**
 * Keeps the webhook_health rows: per batch of results, one transaction whatever its size (the
 * batch's webhooks created if new, read and locked in id order, then one multi-row update). A
 * result counts once: each row remembers the last offset it applied per partition of the
 * results topic, and a partition's records come in offset order, so a replay (after a crash,
 * before the commit) is recognised. The row locks serialise batches of other partitions (and
 * other instances) touching the same webhook.
 */
@Injectable()
export class WebhookHealthStore {
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
        `SELECT ${ALL_COLUMNS} FROM webhook_health WHERE webhook_id = ANY($1::text[]) ORDER BY webhook_id FOR UPDATE`,
        [ids],
      );
      const changes: HealthChange[] = [];
      const updates: unknown[][] = Array.from({ length: 12 }, () => []);
      const now = Date.now();
      for (const row of rows) {
        const applied = { ...(row.applied_offsets ?? {}) };
        const fresh = byWebhook.get(row.webhook_id)!.filter((r) => Number(r.offset) > (applied[String(r.partition)] ?? -1));
        if (fresh.length === 0) continue;
        for (const r of fresh) applied[String(r.partition)] = Math.max(applied[String(r.partition)] ?? -1, Number(r.offset));
        const before = stateOf(row);
        const after = applyResults(
          structuredClone(before),
          fresh.map((r) => r.value),
          now,
        );
        const change: HealthChange = { customerId: row.customer_id, webhookId: row.webhook_id, before, after };
        await beforeWrite?.(change);
        changes.push(change);
        const values = [
          row.webhook_id,
          JSON.stringify(after.minutes),
          JSON.stringify(after.hours),
          after.last_success && JSON.stringify(after.last_success),
          after.last_failure && JSON.stringify(after.last_failure),
          after.consecutive_failures,
          after.failing_since,
          JSON.stringify(after.streak),
          after.streak_overflow,
          after.breaker_open_at,
          after.last_attempt_at,
          JSON.stringify(applied),
        ];
        values.forEach((v, i) => updates[i].push(v));
      }
      if (changes.length > 0) {
        await client.query(
          `UPDATE webhook_health h SET minutes = u.minutes::jsonb, hours = u.hours::jsonb, last_success = u.last_success::jsonb, last_failure = u.last_failure::jsonb,
             consecutive_failures = u.consecutive_failures, failing_since = u.failing_since, streak = u.streak::jsonb, streak_overflow = u.streak_overflow,
             breaker_open_at = u.breaker_open_at, last_attempt_at = u.last_attempt_at, applied_offsets = u.applied_offsets::jsonb, updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::text[], $9::int[], $10::timestamptz[], $11::timestamptz[], $12::text[])
             AS u(webhook_id, minutes, hours, last_success, last_failure, consecutive_failures, failing_since, streak, streak_overflow, breaker_open_at, last_attempt_at, applied_offsets)
           WHERE h.webhook_id = u.webhook_id`,
          updates,
        );
      }
      return changes;
    });
  }

  async get(webhookId: string): Promise<WebhookHealthRecord | null> {
    const [row] = await this.postgres.query<WebhookHealthRecord>(`SELECT ${ALL_COLUMNS} FROM webhook_health WHERE webhook_id = $1`, [webhookId]);
    return row ?? null;
  }

  /** The rows of these webhooks (a page of the list), in one query, with what the list shows. */
  async getMany(webhookIds: string[]): Promise<Map<string, WebhookHealthRecord>> {
    if (webhookIds.length === 0) return new Map();
    const rows = await this.postgres.query<WebhookHealthRecord>(`SELECT ${PAGE_COLUMNS} FROM webhook_health WHERE webhook_id = ANY($1::text[])`, [webhookIds]);
    return new Map(rows.map((r) => [r.webhook_id, r]));
  }

  /** Webhooks whose every attempt failed since before `cutoff`. */
  async failingSince(cutoff: Date): Promise<WebhookHealthRecord[]> {
    return this.postgres.query<WebhookHealthRecord>(`SELECT ${ALL_COLUMNS} FROM webhook_health WHERE failing_since <= $1`, [cutoff]);
  }
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
