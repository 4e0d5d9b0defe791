/** MongoDB's (and FerretDB's) answer to an insert whose unique key is taken. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
