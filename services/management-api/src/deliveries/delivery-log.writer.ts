import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
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
 * The columns of a delivery's row (DELIVERY_COLUMNS and the attempts), typed for the binary COPY:
 * times as epoch milliseconds, as the results carry them.
 */
const COPIED: readonly CopyColumn[] = [
  ...DELIVERY_COLUMNS.split(', ').map((name): CopyColumn => [name, name === 'attempt_count' ? 'int4' : name.endsWith('_at') ? 'timestamptz' : 'text']),
  ['attempts', 'jsonb'],
];
const COPIED_NAMES = COPIED.map(([name]) => name).join(', ');
/** The same columns read from rows sent as one JSON parameter (jsonb_to_recordset), times as epoch milliseconds. */
const RECORDSET_TYPES = COPIED.map(([name, type]) => `${name} ${type === 'timestamptz' ? 'float8' : type === 'int4' ? 'int' : type}`).join(', ');
const FROM_RECORDSET = COPIED.map(([name, type]) => (type === 'timestamptz' ? `to_timestamp(${name} / 1000.0)` : name)).join(', ');

/** PostgreSQL's unique_violation: a COPY met a delivery already in the log. */
const UNIQUE_VIOLATION = '23505';

/**
 * Writes the delivery log from batches of delivery results: per batch, one transaction whatever
 * its size.
 * 1. A delivery whose first attempt is in the batch is new (a delivery's results come in order,
 *    in one partition, and its attempts count from 1): the batch's new deliveries, the common
 *    case, are copied straight into the log (binary COPY), complete. If one is there already (a
 *    batch read again after a crash, or by two consumers during a rebalance), the copy is undone
 *    (a savepoint) and they all take the second way.
 * 2. The others (a later attempt, ~5% of results) are inserted as their batch alone shows them,
 *    those in the log already left alone; those are then locked, their stored attempts merged
 *    with the batch's and their status updated (rows sent as one JSON parameter).
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
    // sorted: two writers of overlapping batches (a rebalance) take each way's rows in the same
    // order. Across the two ways they may not (one copies X, then merges W < X): PostgreSQL then
    // detects the deadlock and rolls one batch back, a transient error, so that batch is retried.
    const ids = [...byDelivery.keys()].sort();
    const now = Date.now();
    const fresh: string[] = [];
    const later: string[] = [];
    for (const id of ids) (byDelivery.get(id)!.first.attempt === 1 ? fresh : later).push(id);
    await this.postgres.transaction(async (client) => {
      const copied = fresh.length > 0 && (await copyNew(client, fresh, byDelivery, now));
      const rest = copied ? later : ids;
      if (rest.length > 0) await merge(client, rest, byDelivery, now);
    });
  }
}

/** Copies deliveries into the log; false (and nothing copied) when one of them is there already. */
async function copyNew(client: PoolClient, ids: string[], byDelivery: Map<string, DeliveryWrite>, now: number): Promise<boolean> {
  await client.query('SAVEPOINT copy_new');
  try {
    await copyRows(
      client,
      'deliveries',
      COPIED,
      ids.map((id) => rowValues(deliveryRow(id, byDelivery.get(id)!, [], now))),
    );
  } catch (err) {
    if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
    await client.query('ROLLBACK TO SAVEPOINT copy_new');
    return false;
  }
  await client.query('RELEASE SAVEPOINT copy_new');
  return true;
}

/**
 * Inserts the deliveries not in the log yet, then locks the others (in id order, so a concurrent
 * writer of the same delivery waits and then merges with what this one stored) and merges the
 * batch's attempts into theirs. One purged meanwhile is not found and stays purged.
 */
async function merge(client: PoolClient, ids: string[], byDelivery: Map<string, DeliveryWrite>, now: number): Promise<void> {
  // a receiver's response, a request body or a URL may hold U+0000, which PostgreSQL's text cannot: postgresJson replaces it
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO deliveries (${COPIED_NAMES}) SELECT ${FROM_RECORDSET} FROM jsonb_to_recordset($1::jsonb) AS u(${RECORDSET_TYPES})
     ORDER BY id ON CONFLICT (id) DO NOTHING RETURNING id`,
    [postgresJson(ids.map((id) => deliveryRow(id, byDelivery.get(id)!, [], now)))],
  );
  if (inserted.rows.length === ids.length) return;
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
}

type DeliveryRow = ReturnType<typeof deliveryRow>;

/** A row's values in the order of COPIED. */
function rowValues(row: DeliveryRow): unknown[] {
  return COPIED.map(([name]) => row[name as keyof DeliveryRow]);
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
