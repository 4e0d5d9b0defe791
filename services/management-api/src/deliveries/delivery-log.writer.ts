import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { PostgresPool } from '../database/postgres-pool';
import { copyRows, type CopyColumn } from '../database/postgres-copy';
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
 * The columns a batch's deliveries are copied with (DELIVERY_COLUMNS and the attempts), typed
 * for the binary COPY: times as epoch milliseconds, as the results carry them.
 */
const COPIED: readonly CopyColumn[] = [
  ...DELIVERY_COLUMNS.split(', ').map((name): CopyColumn => [name, name === 'attempt_count' ? 'int4' : name.endsWith('_at') ? 'timestamptz' : 'text']),
  ['attempts', 'jsonb'],
];
const COPIED_NAMES = COPIED.map(([name]) => name).join(', ');

/**
 * Writes the delivery log from batches of delivery results: per batch, one transaction whatever
 * its size. The batch's deliveries, each as its batch alone shows it, are copied (binary COPY)
 * into a temporary table and inserted from there, those already in the log left alone; a new
 * one (the common case) is then complete. The others are locked, their stored attempts merged
 * with the batch's and their status updated (rows sent as one JSON parameter: a few per batch).
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
    const byDelivery = groupByDelivery(results);
    // sorted: two writers of overlapping batches (a rebalance) lock rows in the same order
    const ids = [...byDelivery.keys()].sort();
    await this.postgres.transaction(async (client) => {
      // 1. every delivery as its batch alone shows it, through a table of this transaction (gone
      // at its end, so any connection of a pooler will do)
      const now = Date.now();
      await client.query(`CREATE TEMPORARY TABLE delivery_batch (LIKE deliveries) ON COMMIT DROP`);
      await copyRows(
        client,
        'delivery_batch',
        COPIED,
        ids.map((id) => {
          const row = deliveryRow(id, byDelivery.get(id)!, [], now);
          return COPIED.map(([name]) => row[name as keyof typeof row]);
        }),
      );
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO deliveries (${COPIED_NAMES}) SELECT ${COPIED_NAMES} FROM delivery_batch ORDER BY id ON CONFLICT (id) DO NOTHING RETURNING id`,
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
      // a receiver's response, a request body or a URL may hold U+0000, which PostgreSQL's text cannot: postgresJson replaces it
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
