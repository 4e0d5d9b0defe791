import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { PostgresSettings } from '../config/management-api.config';
import { postgresError } from './postgres-errors';
import { postgresText } from './postgres-text';

/**
 * The management API's PostgreSQL connections (the delivery log lives there; the configuration
 * stays in MongoDB). Every connection works in the configured schema (its search_path), so
 * the SQL names tables unqualified and one database can hold several installations (or tests).
 */
export class PostgresPool {
  readonly pool: Pool;

  constructor(readonly settings: PostgresSettings) {
    this.pool = new Pool({
      connectionString: settings.url,
      max: settings.poolSize,
      // the schema is validated as an identifier (config), so it needs no quoting here
      options: `-c search_path=${settings.schema}`,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'callhooks-management-api',
    });
    // an idle connection the server closed: the pool drops it and opens another when needed
    this.pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      // a filter holding U+0000 matches nothing stored (nothing stored holds it) instead of failing
      return (await this.pool.query<R>(text, values.map(postgresText))).rows;
    } catch (err) {
      throw postgresError(err);
    }
  }

  /** Runs `work` in one transaction on one connection; rolled back when it throws. Errors of an unavailable database are RetryableErrors. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await withConnection(this.pool, async (client) => {
        await client.query('BEGIN');
        try {
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
    } catch (err) {
      throw postgresError(err);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Runs `work` on one connection of `pool`, then gives it back: the one way to hold a connection
 * for several statements. pg-pool hears a connection's errors only while it is idle in the pool;
 * a checked-out client whose connection breaks (the server gone, the network cut) emits 'error'
 * with no listener, an uncaught exception that ends the process. So it is heard here for as long
 * as `work` holds it: the statement in flight, or the next one, fails with the error anyway, and
 * the broken connection goes back with it, so the pool discards it instead of lending it again.
 */
export async function withConnection<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const hear = (err: Error) => (broken ??= err);
  client.on('error', hear);
  try {
    return await work(client);
  } finally {
    // a broken client keeps the listener: it is ended, and may still report its end
    if (!broken) client.removeListener('error', hear);
    client.release(broken);
  }
}
