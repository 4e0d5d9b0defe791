import { ValidationError } from '@callhooks/contracts';
import { encodeCursor } from './pagination';
import { bind, pageOf, POSTGRES_MIN_MILLIS, sqlPage, type SqlFilter } from './sql-pagination';

const filter = (): SqlFilter => {
  const f: SqlFilter = { where: [], values: [] };
  f.where.push(`customer_id = ${bind(f, 'cust-a')}`);
  return f;
};

describe('sqlPage', () => {
  it('reads a page newest first by default, one row more than the limit, and counts with the filter alone', () => {
    const sql = sqlPage('deliveries', 'id, created_at', filter(), {});
    expect(sql.page.text).toBe('SELECT id, created_at FROM deliveries WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2');
    expect(sql.page.values).toEqual(['cust-a', 51]);
    expect(sql.count).toEqual({ text: 'SELECT count(*)::bigint AS total FROM deliveries WHERE customer_id = $1', values: ['cust-a'] });
    expect(sql).toMatchObject({ limit: 50, order: 'desc' });
  });

  it('continues after the cursor with a row comparison in the order asked, the count unchanged', () => {
    const cursor = encodeCursor({ t: 1_733_173_480_701, i: 'dlv-9', o: 'asc' });
    const sql = sqlPage('deliveries', 'id', filter(), { cursor, order: 'asc', limit: 10 });
    expect(sql.page.text).toBe('SELECT id FROM deliveries WHERE customer_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at ASC, id ASC LIMIT $4');
    expect(sql.page.values).toEqual(['cust-a', new Date(1_733_173_480_701), 'dlv-9', 11]);
    expect(sql.count.values).toEqual(['cust-a']);
  });

  it('skips to a page number', () => {
    const sql = sqlPage('deliveries', 'id', filter(), { page: 3, limit: 20 });
    expect(sql.page.text).toMatch(/LIMIT \$2 OFFSET \$3$/);
    expect(sql.page.values).toEqual(['cust-a', 21, 40]);
  });

  it('brings a cursor from before PostgreSQL’s earliest time to that time (no row is earlier; PostgreSQL would refuse it)', () => {
    const cursor = encodeCursor({ t: -8e15, i: 'x', o: 'desc' });
    expect(sqlPage('deliveries', 'id', filter(), { cursor }).page.values[1]).toEqual(new Date(POSTGRES_MIN_MILLIS));
  });

  it('refuses a cursor with a page number, and a cursor of the other order, as 400s', () => {
    expect(() => sqlPage('deliveries', 'id', filter(), { cursor: encodeCursor({ t: 1, i: 'x', o: 'desc' }), page: 2 })).toThrow(ValidationError);
    expect(() => sqlPage('deliveries', 'id', filter(), { cursor: encodeCursor({ t: 1, i: 'x', o: 'desc' }), order: 'asc' })).toThrow(
      'cursor and order disagree',
    );
  });
});

describe('pageOf', () => {
  const row = (i: number) => ({ id: `d-${i}`, created_at: new Date(1000 * i) });

  it('gives a cursor naming the last item when a row more than the limit was read', () => {
    const sql = sqlPage('deliveries', 'id', filter(), { limit: 2 });
    const { items, meta } = pageOf([row(3), row(2), row(1)], 7, sql, undefined);
    expect(items.map((r) => r.id)).toEqual(['d-3', 'd-2']);
    expect(meta).toEqual({ limit: 2, order: 'desc', total: 7, page: null, next_cursor: encodeCursor({ t: 2000, i: 'd-2', o: 'desc' }) });
  });

  it('gives no cursor on the last page', () => {
    const sql = sqlPage('deliveries', 'id', filter(), { limit: 2 });
    expect(pageOf([row(1)], 1, sql, 1).meta).toMatchObject({ next_cursor: null, page: 1, total: 1 });
  });
});
