import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { PostgresPool } from '../database/postgres-pool';
import { postgresTextFields } from '../database/postgres-text';
import { ATTEMPT_COLUMNS, attemptOf, summarize, type DeliveryAttempt } from './delivery.model';

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
 * multi-row statements whatever its size: the deliveries inserted (new ones are complete: the
 * common case), then, for those already in the log, their stored attempts read and their
 * status updated, then the attempts upserted. Idempotent: an attempt is keyed by (delivery, number),
 * so a result read again replaces itself; the first result of a delivery creates its row
 * (created_at and what it is about never change after), later ones update its status, which
 * follows its highest attempt whatever order the results come in (summarize).
 */
@Injectable()
export class DeliveryLogWriter {
  constructor(private readonly postgres: PostgresPool) {}

  async write(results: DeliveryAttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    // a receiver's response, a request body or a URL may hold U+0000, which PostgreSQL's text cannot
    const byDelivery = groupByDelivery(results.map(postgresTextFields));
    // sorted: two writers of overlapping batches (a rebalance) lock rows in the same order
    const ids = [...byDelivery.keys()].sort();
    await this.postgres.transaction(async (client) => {
      // 1. every delivery as its batch alone shows it; a new one (the common case) is then complete
      const d = new Columns(17);
      const now = Date.now();
      for (const id of ids) d.push(deliveryRow(id, byDelivery.get(id)!, new Map(), now));
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO deliveries (id, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at, created_at, updated_at)
         SELECT u.id, u.customer_id, u.webhook_id, u.environment_id, u.event, u.event_id, u.call_uuid, u.origin, u.method, u.url, u.request_body, u.status, u.attempt_count,
                to_timestamp(u.last_attempt_at / 1000.0), to_timestamp(u.next_attempt_at / 1000.0), to_timestamp(u.created_at / 1000.0), to_timestamp(u.updated_at / 1000.0)
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::float8[], $15::float8[], $16::float8[], $17::float8[])
             AS u(id, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at, created_at, updated_at)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        d.columns,
      );
      // 2. the others were in the log already: their status follows all their attempts, stored and new
      const created = new Set(inserted.rows.map((r) => r.id));
      const existing = ids.filter((id) => !created.has(id));
      if (existing.length > 0) {
        const stored = await client.query<DeliveryAttempt & { delivery_id: string }>(
          `SELECT delivery_id, ${ATTEMPT_COLUMNS} FROM delivery_attempts WHERE delivery_id = ANY($1::text[])`,
          [existing],
        );
        const attempts = new Map<string, Map<number, DeliveryAttempt>>();
        for (const { delivery_id, ...a } of stored.rows)
          attempts.set(delivery_id, (attempts.get(delivery_id) ?? new Map<number, DeliveryAttempt>()).set(a.attempt, a));
        const u = new Columns(17);
        for (const id of existing) u.push(deliveryRow(id, byDelivery.get(id)!, attempts.get(id) ?? new Map(), now));
        const [id, , , , , , , , , , , status, count, last, next, , updated] = u.columns;
        await client.query(
          `UPDATE deliveries d SET status = u.status, attempt_count = u.attempt_count, last_attempt_at = to_timestamp(u.last_attempt_at / 1000.0),
             next_attempt_at = to_timestamp(u.next_attempt_at / 1000.0), updated_at = to_timestamp(u.updated_at / 1000.0)
           FROM unnest($1::text[], $2::text[], $3::int[], $4::float8[], $5::float8[], $6::float8[]) AS u(id, status, attempt_count, last_attempt_at, next_attempt_at, updated_at)
           WHERE d.id = u.id`,
          [id, status, count, last, next, updated],
        );
      }
      // 3. the attempts of the batch, each replacing itself if read before
      const a = new Columns(9);
      for (const id of ids) {
        for (const at of byDelivery.get(id)!.fresh.values())
          a.push([
            id,
            at.attempt,
            at.outcome,
            at.status_code,
            at.error_class,
            at.latency_ms,
            at.response_snippet,
            at.attempted_at.getTime(),
            millis(at.next_attempt_at),
          ]);
      }
      await client.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, outcome, status_code, error_class, latency_ms, response_snippet, attempted_at, next_attempt_at)
         SELECT u.delivery_id, u.attempt, u.outcome, u.status_code, u.error_class, u.latency_ms, u.response_snippet, to_timestamp(u.attempted_at / 1000.0), to_timestamp(u.next_attempt_at / 1000.0)
           FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[], $8::float8[], $9::float8[])
             AS u(delivery_id, attempt, outcome, status_code, error_class, latency_ms, response_snippet, attempted_at, next_attempt_at)
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET outcome = EXCLUDED.outcome, status_code = EXCLUDED.status_code, error_class = EXCLUDED.error_class,
           latency_ms = EXCLUDED.latency_ms, response_snippet = EXCLUDED.response_snippet, attempted_at = EXCLUDED.attempted_at, next_attempt_at = EXCLUDED.next_attempt_at`,
        a.columns,
      );
    });
  }
}

/** Times go to PostgreSQL as epoch milliseconds (to_timestamp): numbers cost pg far less to send than Dates. */
function millis(at: Date | null): number | null {
  return at === null ? null : at.getTime();
}

/** A delivery's row: what it is about from its first result, its status from its stored attempts and the batch's. */
function deliveryRow(id: string, write: DeliveryWrite, stored: Map<number, DeliveryAttempt>, now: number): unknown[] {
  const { first, fresh } = write;
  const s = summarize([...new Map([...stored, ...fresh]).values()]);
  return [
    id,
    first.customer_id,
    first.webhook_id,
    first.environment_id,
    first.event,
    first.event_id,
    first.call_uuid,
    first.origin,
    first.method,
    first.url,
    first.request_body,
    s.status,
    s.attempt_count,
    millis(s.last_attempt_at),
    millis(s.next_attempt_at),
    first.attempted_at,
    now,
  ];
}

/** Rows turned into one array per column: unnest() makes them rows again, one parameter per column whatever the batch size. */
class Columns {
  readonly columns: unknown[][];
  constructor(width: number) {
    this.columns = Array.from({ length: width }, () => []);
  }
  push(row: unknown[]): void {
    row.forEach((v, i) => this.columns[i].push(v));
  }
}
