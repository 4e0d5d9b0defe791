import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@callhooks/contracts';
import type { ListQueryDto, Page } from '../common/pagination';
import { bind, pageOf, sqlPage, type SqlFilter } from '../common/sql-pagination';
import { PostgresPool } from '../database/postgres-pool';
import { attemptFromStore, DELIVERY_COLUMNS, type DeliveryDetail, type DeliveryStatus, type DeliverySummary, type StoredAttempt } from './delivery.model';

export interface DeliveryFilter {
  webhook_id?: string;
  environment_id?: string;
  event?: string;
  call_uuid?: string;
  status?: DeliveryStatus;
  from?: Date;
  to?: Date;
}

/** The conditions of a customer's list: each equality filter has an index (customer_id, field, created_at, id). */
export function deliveryListFilter(customerId: string, filter: DeliveryFilter): SqlFilter {
  const sql: SqlFilter = { where: [], values: [] };
  sql.where.push(`customer_id = ${bind(sql, customerId)}`);
  for (const key of ['webhook_id', 'environment_id', 'event', 'call_uuid', 'status'] as const) {
    if (filter[key] !== undefined) sql.where.push(`${key} = ${bind(sql, filter[key])}`);
  }
  if (filter.from) sql.where.push(`created_at >= ${bind(sql, filter.from)}`);
  if (filter.to) sql.where.push(`created_at < ${bind(sql, filter.to)}`);
  return sql;
}

/** The customer-facing reads of the delivery log: the list (filtered, paged) and one delivery with its attempts. */
@Injectable()
export class DeliveryQueries {
  constructor(private readonly postgres: PostgresPool) {}

  async list(customerId: string, filter: DeliveryFilter, query: ListQueryDto): Promise<Page<DeliverySummary>> {
    const sql = sqlPage('deliveries', DELIVERY_COLUMNS, deliveryListFilter(customerId, filter), query);
    const [rows, [{ total }]] = await Promise.all([
      this.postgres.query<DeliverySummary>(sql.page.text, sql.page.values),
      this.postgres.query<{ total: string }>(sql.count.text, sql.count.values),
    ]);
    const { items, meta } = pageOf(rows, Number(total), sql, query.page);
    return { data: items, page: meta };
  }

  async get(customerId: string, id: string): Promise<DeliveryDetail> {
    const found = await this.find(customerId, id);
    if (!found) throw new NotFoundError(`delivery ${id} not found`, { id });
    return found;
  }

  /** A delivery of this customer with its attempts in order, or null (another customer's is not found either). */
  async find(customerId: string, id: string): Promise<DeliveryDetail | null> {
    const [found] = await this.postgres.query<DeliverySummary & { attempts: StoredAttempt[] }>(
      `SELECT ${DELIVERY_COLUMNS}, attempts FROM deliveries WHERE id = $1 AND customer_id = $2`,
      [id, customerId],
    );
    return found ? { ...found, attempts: found.attempts.map(attemptFromStore) } : null;
  }
}
