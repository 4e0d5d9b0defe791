import type { Pool } from 'pg';
import type { Migration } from './migrations';
import { withConnection } from './postgres-pool';

/** The advisory lock key of a schema's migrations: one per schema, so installations sharing a database do not wait on each other. */
const LOCK_KEY = 'callhooks-migrations:';

/**
 * Brings the schema up to the last migration: creates the schema if missing, then applies, in
 * order and each in a transaction of its own, the migrations `schema_migrations` does not list.
 * Under a session advisory lock, so API instances starting together apply each once: the
 * others wait, then find them applied. Returns the versions this call applied.
 */
export async function migrate(pool: Pool, schema: string, migrations: Migration[]): Promise<number[]> {
  return withConnection(pool, async (client) => {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY + schema]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = new Set((await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)).rows.map((r) => r.version));
      const done: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(`SET LOCAL search_path TO ${schema}`);
          await client.query(m.sql);
          await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        done.push(m.version);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY + schema]).catch(() => undefined);
    }
  });
}
