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

/**
 * JSON for a PostgreSQL json(b) parameter (rows sent as one), its strings passed through
 * postgresText: JSON carries U+0000 and a lone surrogate as escapes (\u0000, \udXXX) that
 * PostgreSQL refuses as well. Written once; again string by string only when the JSON holds
 * such an escape (or a backslash before "u0000" or "ud8".."udf", which looks like one).
 * Statements take it as `$n::jsonb` and read it with jsonb_to_recordset: parsed once, where a
 * json parameter is parsed to be checked and again by json_to_recordset, and a jsonb value
 * inside (a delivery's attempts) is not re-parsed from its text: 9–10 ms instead of 12 for 1,000
 * delivery rows.
 */
export function postgresJson(value: unknown): string {
  const json = JSON.stringify(value);
  // a native search for any \u escape first: most batches have none, and the regular expression costs several times more
  return json.includes('\\u') && REFUSED_ESCAPE.test(json) ? JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? postgresText(v) : v)) : json;
}

/** JSON.stringify's escape of U+0000 or of a lone surrogate (it writes them in lower case). */
const REFUSED_ESCAPE = /\\u(?:0000|d[89a-f])/;
