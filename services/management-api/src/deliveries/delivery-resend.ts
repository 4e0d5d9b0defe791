import { Injectable } from '@nestjs/common';
import { KafkaContext } from '@callhooks/kafka';
import { bind, type SqlFilter } from '../common/sql-pagination';
import { PostgresPool } from '../database/postgres-pool';
import { queueDeliveryJob, resendJob } from './delivery-jobs';
import { attemptsOf, DELIVERY_COLUMNS, type DeliverySummary } from './delivery.model';

/** Which failed deliveries a recovery covers. */
export interface ResendScope {
  customerId: string;
  webhookId: string | null;
  environmentId: string | null;
  since: Date;
  until: Date | null;
}

/** Where a scan of the window stopped (creation time, then id). */
export interface ScanCursor {
  created_at: Date;
  id: string;
}

/** Statuses after which a delivery's latest attempt is over. */
const FINAL = ['SUCCEEDED', 'FAILED', 'GONE', 'BLOCKED'];

/** The SQL of the next failed deliveries of a window after a cursor, oldest first (index (customer_id, status, created_at, id)). */
export function nextFailedSql(scope: ResendScope, cursor: ScanCursor | null, limit: number): { text: string; values: unknown[] } {
  const sql: SqlFilter = { where: [], values: [] };
  // test sends are not deliveries of events: an admin repeats them at will
  sql.where.push(`customer_id = ${bind(sql, scope.customerId)}`, `status = 'FAILED'`, `origin <> 'TEST'`);
  if (scope.webhookId) sql.where.push(`webhook_id = ${bind(sql, scope.webhookId)}`);
  if (scope.environmentId) sql.where.push(`environment_id = ${bind(sql, scope.environmentId)}`);
  sql.where.push(`created_at >= ${bind(sql, scope.since)}`);
  if (scope.until) sql.where.push(`created_at < ${bind(sql, scope.until)}`);
  if (cursor) sql.where.push(`(created_at, id) > (${bind(sql, cursor.created_at)}, ${bind(sql, cursor.id)})`);
  return {
    text: `SELECT id, created_at FROM deliveries WHERE ${sql.where.join(' AND ')} ORDER BY created_at, id LIMIT ${bind(sql, limit)}`,
    values: sql.values,
  };
}

/**
 * Bulk resending over the delivery log: scan a window for deliveries whose last status is
 * FAILED (dead-lettered: no attempt left), claim one (FAILED → PENDING, one conditional
 * UPDATE, so two recoveries never both send it, and a delivery delivered meanwhile is not
 * FAILED any more), send it with the next attempt number and the usual retries, and later
 * read where each one ended.
 */
@Injectable()
export class DeliveryResend {
  constructor(
    private readonly postgres: PostgresPool,
    private readonly kafka: KafkaContext,
  ) {}

  /** The next failed deliveries of the window after `cursor`, oldest first. */
  async nextFailed(scope: ResendScope, cursor: ScanCursor | null, limit: number): Promise<ScanCursor[]> {
    const sql = nextFailedSql(scope, cursor, limit);
    return this.postgres.query<ScanCursor>(sql.text, sql.values);
  }

  /** Claims a failed delivery and sends it again; the attempt number sent, or null if it is not FAILED any more. */
  async claimAndSend(id: string): Promise<number | null> {
    const [claimed] = await this.postgres.query<DeliverySummary & { last_attempt: number | null }>(
      `UPDATE deliveries SET status = 'PENDING', updated_at = now() WHERE id = $1 AND status = 'FAILED'
       RETURNING ${DELIVERY_COLUMNS}, (SELECT max(a.attempt) FROM ${attemptsOf('deliveries')}) AS last_attempt`,
      [id],
    );
    if (!claimed) return null;
    const attempt = (claimed.last_attempt ?? 0) + 1;
    await queueDeliveryJob(this.kafka, resendJob(claimed, attempt, true));
    return attempt;
  }

  /** Where each resent attempt stands: 'delivered', 'failed' (over, not delivered) or 'pending'. */
  async outcomes(sent: Array<{ id: string; attempt: number }>): Promise<Map<string, 'delivered' | 'failed' | 'pending'>> {
    const out = new Map<string, 'delivered' | 'failed' | 'pending'>();
    if (sent.length === 0) return out;
    const rows = await this.postgres.query<{ id: string; status: string; reached: number | null }>(
      `SELECT d.id, d.status, (SELECT max(a.attempt) FROM ${attemptsOf('d')} WHERE a.outcome <> 'BREAKER_OPEN') AS reached
         FROM deliveries d WHERE d.id = ANY($1::text[])`,
      [sent.map((s) => s.id)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const { id, attempt } of sent) {
      const row = byId.get(id);
      if (!row)
        out.set(id, 'failed'); // purged meanwhile
      else if (row.reached === null || row.reached < attempt || !FINAL.includes(row.status)) out.set(id, 'pending');
      else out.set(id, row.status === 'SUCCEEDED' ? 'delivered' : 'failed');
    }
    return out;
  }
}
