import { ValidationError } from '@callhooks/contracts';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, type ListQueryDto, type PageMetaDto, type SortOrder } from './pagination';

/** PostgreSQL's earliest timestamptz (4713 BC): a cursor may name an earlier instant, which no row is at, and PostgreSQL refuses. */
export const POSTGRES_MIN_MILLIS = Date.UTC(-4712, 0, 1);

/** Conditions of a SQL list: `where` holds `$n` placeholders numbered into `values`. */
export interface SqlFilter {
  where: string[];
  values: unknown[];
}

export interface SqlPage {
  /** The page: limit + 1 rows (one more tells whether there is a next page). */
  page: { text: string; values: unknown[] };
  /** Rows matching the filter, over all pages. */
  count: { text: string; values: unknown[] };
  limit: number;
  order: SortOrder;
}

/** Adds a condition with one value to a filter; returns the placeholder used. */
export function bind(filter: SqlFilter, value: unknown): string {
  filter.values.push(value);
  return `$${filter.values.length}`;
}

/**
 * The SQL of one page of a table, in (created_at, id) order, the same contract as the
 * MongoDB lists (findPage): the cursor names the last row seen, as a row comparison that an
 * index ending in (created_at, id) answers by seeking to it; `page` skips for tables that
 * jump to a page number.
 */
export function sqlPage(table: string, columns: string, filter: SqlFilter, query: ListQueryDto): SqlPage {
  if (query.cursor !== undefined && query.page !== undefined) {
    throw new ValidationError('cursor and page cannot be combined', [{ field: 'page', message: 'cannot be combined with cursor' }]);
  }
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const order: SortOrder = query.order ?? 'desc';
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const where = `WHERE ${filter.where.length > 0 ? filter.where.join(' AND ') : 'true'}`;
  const count = { text: `SELECT count(*)::bigint AS total FROM ${table} ${where}`, values: [...filter.values] };
  const paged: SqlFilter = { where: [...filter.where], values: [...filter.values] };
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor, order);
    const at = bind(paged, new Date(Math.max(c.t, POSTGRES_MIN_MILLIS)));
    const id = bind(paged, c.i);
    paged.where.push(`(created_at, id) ${order === 'asc' ? '>' : '<'} (${at}, ${id})`);
  }
  let text = `SELECT ${columns} FROM ${table} WHERE ${paged.where.length > 0 ? paged.where.join(' AND ') : 'true'} ORDER BY created_at ${dir}, id ${dir} LIMIT ${bind(paged, limit + 1)}`;
  if (query.page !== undefined) text += ` OFFSET ${bind(paged, (query.page - 1) * limit)}`;
  return { page: { text, values: paged.values }, count, limit, order };
}

/** The page's items and meta from the rows read (limit + 1 at most) and the count. */
export function pageOf<T extends { id: string; created_at: Date }>(
  rows: T[],
  total: number,
  sql: SqlPage,
  page: number | undefined,
): { items: T[]; meta: PageMetaDto } {
  const items = rows.slice(0, sql.limit);
  const last = items[items.length - 1];
  const next_cursor = rows.length > sql.limit && last ? encodeCursor({ t: last.created_at.getTime(), i: last.id, o: sql.order }) : null;
  return { items, meta: { limit: sql.limit, order: sql.order, total, page: page ?? null, next_cursor } };
}
