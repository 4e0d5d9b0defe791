import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { PostgresPool } from '../database/postgres-pool';
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
 * Writes the delivery log from batches of delivery results: per batch, one transaction of three
 * statements whatever its size (the stored attempts of its deliveries, then multi-row upserts of
 * the deliveries and of the attempts). Idempotent: an attempt is keyed by (delivery, number),
 * so a result read again replaces itself; the first result of a delivery creates its row
 * (created_at and what it is about never change after), later ones update its status, which
 * follows its highest attempt whatever order the results come in (summarize).
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
      const stored = await client.query<DeliveryAttempt & { delivery_id: string }>(
        `SELECT delivery_id, ${ATTEMPT_COLUMNS} FROM delivery_attempts WHERE delivery_id = ANY($1::text[])`,
        [ids],
      );
      const attempts = new Map<string, Map<number, DeliveryAttempt>>();
      for (const { delivery_id, ...a } of stored.rows) {
        const known = attempts.get(delivery_id) ?? new Map<number, DeliveryAttempt>();
        attempts.set(delivery_id, known.set(a.attempt, a));
      }
      const d = new Columns(17);
      const a = new Columns(9);
      const now = new Date();
      for (const id of ids) {
        const { first, fresh } = byDelivery.get(id)!;
        const all = new Map([...(attempts.get(id) ?? []), ...fresh]);
        const s = summarize([...all.values()]);
        d.push([
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
          s.last_attempt_at,
          s.next_attempt_at,
          new Date(first.attempted_at),
          now,
        ]);
        for (const at of fresh.values())
          a.push([id, at.attempt, at.outcome, at.status_code, at.error_class, at.latency_ms, at.response_snippet, at.attempted_at, at.next_attempt_at]);
      }
      await client.query(
        `INSERT INTO deliveries (id, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at, created_at, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, attempt_count = EXCLUDED.attempt_count, last_attempt_at = EXCLUDED.last_attempt_at,
           next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at`,
        d.columns,
      );
      await client.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, outcome, status_code, error_class, latency_ms, response_snippet, attempted_at, next_attempt_at)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[])
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET outcome = EXCLUDED.outcome, status_code = EXCLUDED.status_code, error_class = EXCLUDED.error_class,
           latency_ms = EXCLUDED.latency_ms, response_snippet = EXCLUDED.response_snippet, attempted_at = EXCLUDED.attempted_at, next_attempt_at = EXCLUDED.next_attempt_at`,
        a.columns,
      );
    });
  }
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
