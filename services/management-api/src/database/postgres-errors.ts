import { RetryableError } from '@callhooks/contracts';

/**
 * SQLSTATE classes of errors that say nothing about the statement: the server or the
 * connection (08), a transaction rolled back by a deadlock or a serialization failure (40),
 * insufficient resources (53), the server shutting down or restarting (57P), a lock not
 * available (55P03).
 */
const TRANSIENT = [/^08/, /^40/, /^53/, /^57P/, /^55P03$/];

/** Whether an error of pg is about the database being unavailable, not about the statement. */
export function isTransientPostgresError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT.some((c) => c.test(code));
  // no SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET, ...) or the pool's own timeout
  return /^E[A-Z]+$/.test(code) || /timeout|Connection terminated|connect/i.test(String(e.message ?? ''));
}

/** The error as thrown to callers: a RetryableError (HTTP 503, a consumer batch retried) when transient. */
export function postgresError(err: unknown): unknown {
  if (err instanceof RetryableError || !isTransientPostgresError(err)) return err;
  return new RetryableError(`PostgreSQL: ${(err as Error).message}`);
}
