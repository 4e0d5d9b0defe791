/**
 * PostgreSQL's text (and jsonb) cannot hold U+0000, and a string holding it fails the whole
 * statement ("invalid byte sequence for encoding UTF8: 0x00"). What reaches the delivery log
 * is partly written by others (a receiver's response body, a rendered request body, a URL), so
 * every string bound for PostgreSQL passes here: U+0000 becomes U+FFFD, the replacement
 * character, and everything else is kept as it was. So does a lone surrogate (not UTF-16 text):
 * sent as text it would become U+FFFD anyway, but rows sent as JSON carry it as an escape
 * that PostgreSQL refuses.
 */
export function postgresText<T>(value: T): T {
  if (typeof value === 'string') return (isPostgresText(value) ? value : value.replaceAll('\u0000', '\uFFFD').toWellFormed()) as T;
  if (Array.isArray(value)) return (value.some(notPostgresText) ? value.map(postgresText) : value) as T;
  return value;
}

/** A copy of a record whose string fields hold no U+0000 (the record itself when none does). */
export function postgresTextFields<T extends object>(record: T): T {
  let copy: T | null = null;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string' && !isPostgresText(value)) {
      copy ??= { ...record };
      (copy as Record<string, unknown>)[key] = postgresText(value);
    }
  }
  return copy ?? record;
}

// ES2024, in Node 20 already, not yet in the TypeScript lib this project compiles against
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

function isPostgresText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

function notPostgresText(value: unknown): boolean {
  if (typeof value === 'string') return !isPostgresText(value);
  return Array.isArray(value) && value.some(notPostgresText);
}

/** JSON for a PostgreSQL json(b) parameter, its strings passed through postgresText (JSON would carry U+0000 as an escape that PostgreSQL refuses too). */
export function postgresJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? postgresText(v) : v));
}
