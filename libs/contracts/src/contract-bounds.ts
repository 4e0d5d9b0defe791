import { loadSchema, type SchemaName } from './schemas';

/**
 * The bounds of the contracts beyond what Avro checks, shared by every consumer. A record
 * outside them goes to `<topic>.dlq` with the reason these checks give. Every check is total:
 * it takes `unknown` and returns a reason or null, never throws, whatever it is given.
 */
export interface ContractBounds {
  /** How far in the future a timestamp may be (clocks of producers drift): CONTRACT_MAX_CLOCK_SKEW_MS. */
  maxClockSkewMs: number;
  /** How far in the past an event timestamp may be: CONTRACT_MAX_RECORD_AGE_MS. */
  maxRecordAgeMs: number;
}

const DAY = 24 * 3_600_000;

/**
 * One hour ahead; five years back. The window catches the usual producer bugs (seconds or
 * microseconds written as milliseconds: 1970 or year 55000, a year 9999 placeholder) and
 * leaves room for a platform replaying an old backlog.
 */
export const DEFAULT_CONTRACT_BOUNDS: ContractBounds = { maxClockSkewMs: 3_600_000, maxRecordAgeMs: 5 * 365 * DAY };

/** Longest id (event, call, leg, customer, environment, webhook, delivery ids): UUIDs and platform ids are far shorter. */
export const MAX_ID_LENGTH = 256;

/** Why `value` is not an id (a non-empty string of at most MAX_ID_LENGTH characters, no control characters), or null. */
export function idProblem(field: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${field} is not a string`;
  if (value.trim() === '') return `${field} is empty`;
  if (value.length > MAX_ID_LENGTH) return `${field} is ${value.length} characters long, over the ${MAX_ID_LENGTH} of an id`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${field} holds a control character`;
  return null;
}

/** The first id problem of the named fields of a record, or null. */
export function idsProblem(record: unknown, fields: readonly string[]): string | null {
  if (!record || typeof record !== 'object') return 'the record is not an object';
  for (const field of fields) {
    const problem = idProblem(field, (record as Record<string, unknown>)[field]);
    if (problem) return problem;
  }
  return null;
}

/**
 * Why `value` is not an epoch in milliseconds within the bounds, or null. `past: false` bounds
 * only the future (a compacted topic keeps old records for ever).
 */
export function timestampProblem(field: string, value: unknown, bounds: ContractBounds, options: { past?: boolean; now?: number } = {}): string | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) return `${field} ${shown(value)} is not an epoch in milliseconds`;
  const now = options.now ?? Date.now();
  if (value > now + bounds.maxClockSkewMs) return `${field} ${describe(value)} is more than ${bounds.maxClockSkewMs} ms in the future`;
  if (options.past !== false && value < now - bounds.maxRecordAgeMs) return `${field} ${describe(value)} is more than ${bounds.maxRecordAgeMs} ms in the past`;
  return null;
}

/** Like timestampProblem, for a nullable field: null and undefined pass. */
export function optionalTimestampProblem(field: string, value: unknown, bounds: ContractBounds, options: { past?: boolean; now?: number } = {}): string | null {
  return value === null || value === undefined ? null : timestampProblem(field, value, bounds, options);
}

/**
 * A value as a reason shows it, whatever it is: String() and JSON.stringify throw on some values
 * a forged record can hold (an object whose toString is not a function, a BigInt, a cycle).
 */
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return String(JSON.stringify(value)).slice(0, 100);
  } catch {
    return `a value of type ${typeof value}`;
  }
}

function describe(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** By schema, then field path: two lookups, no key string built per check (enumProblem runs per consumed record). */
const symbolsCache = new Map<SchemaName, Map<string, readonly string[]>>();

/** The non-null branch of a nullable type, or the type. */
function nonNull(type: unknown): unknown {
  return Array.isArray(type) ? type.find((b) => b !== 'null') : type;
}

/**
 * The symbols of an enum field of a contract, read from its `.avsc` (the single source of
 * truth). `path` names the field, through nested records (`webhook.method`); fields may be
 * nullable (`["null", enum]`).
 */
export function enumSymbols(schema: SchemaName, path: string): readonly string[] {
  let ofSchema = symbolsCache.get(schema);
  if (!ofSchema) symbolsCache.set(schema, (ofSchema = new Map()));
  let symbols = ofSchema.get(path);
  if (!symbols) {
    let type: unknown = loadSchema(schema);
    for (const name of path.split('.')) {
      const fields = (nonNull(type) as { fields?: Array<{ name: string; type: unknown }> }).fields ?? [];
      type = fields.find((f) => f.name === name)?.type;
    }
    const enumType = nonNull(type) as { type?: unknown; symbols?: string[] } | undefined;
    if (!enumType || enumType.type !== 'enum' || !enumType.symbols) throw new Error(`${schema} ${path} is not an enum field`);
    symbols = Object.freeze([...enumType.symbols]);
    ofSchema.set(path, symbols);
  }
  return symbols;
}

/** Why `value` is not a symbol of the enum field at `path` (null passes when `nullable`), or null. */
export function enumProblem(schema: SchemaName, path: string, value: unknown, nullable = false): string | null {
  if (nullable && (value === null || value === undefined)) return null;
  const symbols = enumSymbols(schema, path);
  if (typeof value === 'string' && symbols.includes(value)) return null;
  return `${path} ${shown(value)} is not one of ${symbols.join(', ')}`;
}
