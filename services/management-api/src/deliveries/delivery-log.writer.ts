import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { PostgresPool } from '../database/postgres-pool';
import { postgresJson } from '../database/postgres-text';
import { ATTEMPT_COLUMNS, attemptOf, DELIVERY_COLUMNS, summarize, type DeliveryAttempt } from './delivery.model';

/** What a batch writes for one delivery: the row as first seen, and its attempts after the batch. */
export interface DeliveryWrite {
  first: DeliveryAttemptResult;
  /** The attempts of this batch, one per number (the last result read wins). */
  fresh: Map<number, DeliveryAttempt>;
}

/** A batch's results grouped by delivery, in the order they were read. */
export function groupByDelivery(results: DeliveryAttemptResult[]): Map<string, DeliveryWrite> {
  const byDelivery = new Map<string, DeliveryWrite>();
  for (const result of results) {
    const write = byDelivery.get(result.delivery_id);
    if (!write) byDelivery.set(result.delivery_id, { first: result, fresh: new Map([[result.attempt, attemptOf(result)]]) });
    else {
      // the row is created from the lowest attempt of the batch (its time is created_at)
      if (result.attempt < write.first.attempt) write.first = result;
      write.fresh.set(result.attempt, attemptOf(result));
    }
  }
  return byDelivery;
}

/**
 * Writes the delivery log from batches of delivery results: per batch, one transaction of
 * multi-row statements whatever its size, rows sent as one JSON parameter each: the deliveries
 * inserted (new ones are complete: the common case), then, for those already in the log,
 * their stored attempts read and their status updated, then the attempts upserted, only of
 * deliveries this transaction inserted or locked (attempts have no foreign key: migration
 * 0005). Idempotent: an attempt is keyed by (delivery, number), so a result read again
 * replaces itself; the first result of a delivery creates its row (created_at and what it is
 * about never change after), later ones update its status, which follows its highest attempt
 * whatever order the results come in (summarize).
 */
@Injectable()
export class DeliveryLogWriter {
  constructor(private readonly postgres: PostgresPool) {}

  async write(results: DeliveryAttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    // a receiver's response, a request body or a URL may hold U+0000, which PostgreSQL's text cannot: postgresJson replaces it
    const byDelivery = groupByDelivery(results);
    // sorted: two writers of overlapping batches (a rebalance) lock rows in the same order
    const ids = [...byDelivery.keys()].sort();
    await this.postgres.transaction(async (client) => {
      // 1. every delivery as its batch alone shows it; a new one (the common case) is then complete
      const now = Date.now();
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO deliveries (${DELIVERY_COLUMNS})
         SELECT u.id, u.customer_id, u.webhook_id, u.environment_id, u.event, u.event_id, u.call_uuid, u.origin, u.method, u.url, u.request_body, u.status, u.attempt_count,
                to_timestamp(u.last_attempt_at / 1000.0), to_timestamp(u.next_attempt_at / 1000.0), to_timestamp(u.created_at / 1000.0), to_timestamp(u.updated_at / 1000.0)
           FROM json_to_recordset($1::json) AS u(id text, customer_id text, webhook_id text, environment_id text, event text, event_id text, call_uuid text, origin text, method text,
             url text, request_body text, status text, attempt_count int, last_attempt_at float8, next_attempt_at float8, created_at float8, updated_at float8)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [postgresJson(ids.map((id) => deliveryRow(id, byDelivery.get(id)!, new Map(), now)))],
      );
      // 2. the others were in the log already: their status follows all their attempts, stored and new
      const written = new Set(inserted.rows.map((r) => r.id));
      const existing = ids.filter((id) => !written.has(id));
      if (existing.length > 0) {
        const stored = await client.query<DeliveryAttempt & { delivery_id: string }>(
          `SELECT delivery_id, ${ATTEMPT_COLUMNS} FROM delivery_attempts WHERE delivery_id = ANY($1::text[])`,
          [existing],
        );
        const attempts = new Map<string, Map<number, DeliveryAttempt>>();
        for (const { delivery_id, ...a } of stored.rows)
          attempts.set(delivery_id, (attempts.get(delivery_id) ?? new Map<number, DeliveryAttempt>()).set(a.attempt, a));
        // the update locks them, so a purge waits for this batch; one purged meanwhile is not found, and its attempts not kept
        const updated = await client.query<{ id: string }>(
          `UPDATE deliveries d SET status = u.status, attempt_count = u.attempt_count, last_attempt_at = to_timestamp(u.last_attempt_at / 1000.0),
             next_attempt_at = to_timestamp(u.next_attempt_at / 1000.0), updated_at = to_timestamp(u.updated_at / 1000.0)
           FROM json_to_recordset($1::json) AS u(id text, status text, attempt_count int, last_attempt_at float8, next_attempt_at float8, updated_at float8)
           WHERE d.id = u.id RETURNING d.id`,
          [postgresJson(existing.map((id) => deliveryRow(id, byDelivery.get(id)!, attempts.get(id) ?? new Map(), now)))],
        );
        for (const { id } of updated.rows) written.add(id);
      }
      // 3. the attempts of the batch's deliveries, each replacing itself if read before
      const rows: AttemptRow[] = [];
      for (const id of ids.filter((i) => written.has(i))) for (const at of byDelivery.get(id)!.fresh.values()) rows.push({ ...at, delivery_id: id, attempted_at: at.attempted_at.getTime(), next_attempt_at: millis(at.next_attempt_at) });
      await client.query(
        `INSERT INTO delivery_attempts (delivery_id, ${ATTEMPT_COLUMNS})
         SELECT u.delivery_id, u.attempt, u.outcome, u.status_code, u.error_class, u.latency_ms, u.response_snippet, to_timestamp(u.attempted_at / 1000.0), to_timestamp(u.next_attempt_at / 1000.0)
           FROM json_to_recordset($1::json) AS u(delivery_id text, attempt int, outcome text, status_code int, error_class text, latency_ms int, response_snippet text, attempted_at float8, next_attempt_at float8)
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET outcome = EXCLUDED.outcome, status_code = EXCLUDED.status_code, error_class = EXCLUDED.error_class,
           latency_ms = EXCLUDED.latency_ms, response_snippet = EXCLUDED.response_snippet, attempted_at = EXCLUDED.attempted_at, next_attempt_at = EXCLUDED.next_attempt_at`,
        [postgresJson(rows)],
      );
    });
  }
}

/** An attempt as the writer sends it: times as epoch milliseconds. */
type AttemptRow = Omit<DeliveryAttempt, 'attempted_at' | 'next_attempt_at'> & { delivery_id: string; attempted_at: number; next_attempt_at: number | null };

/** Times go to PostgreSQL as epoch milliseconds (to_timestamp): numbers cost far less to send than Dates. */
function millis(at: Date | null): number | null {
  return at === null ? null : at.getTime();
}

/** A delivery's row: what it is about from its first result, its status from its stored attempts and the batch's; times as epoch milliseconds. */
function deliveryRow(id: string, write: DeliveryWrite, stored: Map<number, DeliveryAttempt>, now: number) {
  const { first, fresh } = write;
  const s = summarize([...new Map([...stored, ...fresh]).values()]);
  return {
    id,
    customer_id: first.customer_id,
    webhook_id: first.webhook_id,
    environment_id: first.environment_id,
    event: first.event,
    event_id: first.event_id,
    call_uuid: first.call_uuid,
    origin: first.origin,
    method: first.method,
    url: first.url,
    request_body: first.request_body,
    status: s.status,
    attempt_count: s.attempt_count,
    last_attempt_at: millis(s.last_attempt_at),
    next_attempt_at: millis(s.next_attempt_at),
    created_at: first.attempted_at,
    updated_at: now,
  };
}
