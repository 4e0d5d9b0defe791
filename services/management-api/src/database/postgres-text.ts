/**
 * PostgreSQL's text (and jsonb) cannot hold U+0000, and a string holding it fails the whole
 * statement ("invalid byte sequence for encoding UTF8: 0x00"). What reaches the delivery log
 * is partly written by others (a receiver's response body, a rendered request body, a URL), so
 * every string bound for PostgreSQL passes here: U+0000 becomes U+FFFD, the replacement
 * character, and everything else is kept as it was.
 */
export function postgresText<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return (value.some(holdsNul) ? value.map(postgresText) : value) as T;
  return value;
}

/** A copy of a record whose string fields hold no U+0000 (the record itself when none does). */
export function postgresTextFields<T extends object>(record: T): T {
  let copy: T | null = null;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string' && value.includes('\u0000')) {
      copy ??= { ...record };
      (copy as Record<string, unknown>)[key] = postgresText(value);
    }
  }
  return copy ?? record;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  return Array.isArray(value) && value.some(holdsNul);
}
