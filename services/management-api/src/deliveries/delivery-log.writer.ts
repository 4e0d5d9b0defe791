import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { PostgresPool } from '../database/postgres-pool';
import { postgresJson } from '../database/postgres-text';
import { attemptOf, DELIVERY_COLUMNS, summarize, type StoredAttempt } from './delivery.model';

/** What a batch writes for one delivery: the row as first seen, and its attempts after the batch. */
export interface DeliveryWrite {
  first: DeliveryAttemptResult;
  /** The attempts of this batch, one per number (the last result read wins), as the row stores them. */
  fresh: Map<number, StoredAttempt>;
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
 * inserted with their attempts (new ones are complete: the common case), then those already in
 * the log locked, their stored attempts merged with the batch's and their status updated.
 * Idempotent: an attempt is keyed by its number within its delivery, so a result read again
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
        `INSERT INTO deliveries (${DELIVERY_COLUMNS}, attempts)
         SELECT u.id, u.customer_id, u.webhook_id, u.environment_id, u.event, u.event_id, u.call_uuid, u.origin, u.method, u.url, u.request_body, u.status, u.attempt_count,
                to_timestamp(u.last_attempt_at / 1000.0), to_timestamp(u.next_attempt_at / 1000.0), to_timestamp(u.created_at / 1000.0), to_timestamp(u.updated_at / 1000.0), u.attempts
           FROM jsonb_to_recordset($1::jsonb) AS u(id text, customer_id text, webhook_id text, environment_id text, event text, event_id text, call_uuid text, origin text, method text,
             url text, request_body text, status text, attempt_count int, last_attempt_at float8, next_attempt_at float8, created_at float8, updated_at float8, attempts jsonb)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [postgresJson(ids.map((id) => deliveryRow(id, byDelivery.get(id)!, [], now)))],
      );
      if (inserted.rows.length === ids.length) return;
      // 2. the others were in the log already: locked (in id order), so a concurrent writer of the
      // same delivery waits and then merges with what this one stored; one purged meanwhile is not
      // found and stays purged
      const written = new Set(inserted.rows.map((r) => r.id));
      const stored = await client.query<{ id: string; attempts: StoredAttempt[] }>(
        'SELECT id, attempts FROM deliveries WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
        [ids.filter((id) => !written.has(id))],
      );
      if (stored.rows.length === 0) return;
      await client.query(
        `UPDATE deliveries d SET status = u.status, attempt_count = u.attempt_count, last_attempt_at = to_timestamp(u.last_attempt_at / 1000.0),
           next_attempt_at = to_timestamp(u.next_attempt_at / 1000.0), updated_at = to_timestamp(u.updated_at / 1000.0), attempts = u.attempts
         FROM jsonb_to_recordset($1::jsonb) AS u(id text, status text, attempt_count int, last_attempt_at float8, next_attempt_at float8, updated_at float8, attempts jsonb)
         WHERE d.id = u.id`,
        [postgresJson(stored.rows.map((r) => deliveryRow(r.id, byDelivery.get(r.id)!, r.attempts, now)))],
      );
    });
  }
}

/**
 * A delivery's row: what it is about from its first result; its attempts, the stored ones with
 * the batch's (which replace a stored one of the same number), in order; its status from them.
 */
function deliveryRow(id: string, write: DeliveryWrite, stored: StoredAttempt[], now: number) {
  const { first, fresh } = write;
  // times stay epoch milliseconds throughout: as the results carry them and the row stores them
  let attempts: StoredAttempt[];
  if (stored.length === 0 && fresh.size === 1) attempts = [...fresh.values()];
  else {
    const all = new Map<number, StoredAttempt>(stored.map((a) => [a.attempt, a]));
    for (const [n, a] of fresh) all.set(n, a);
    attempts = [...all.values()].sort((a, b) => a.attempt - b.attempt);
  }
  const s = summarize(attempts);
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
    last_attempt_at: s.last_attempt_at,
    next_attempt_at: s.next_attempt_at,
    created_at: first.attempted_at,
    updated_at: now,
    attempts,
  };
}
