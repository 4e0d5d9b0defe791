import type { FilterQuery } from 'mongoose';
import type { ListQueryDto, PageMetaDto } from '../common/pagination';
import type { DocumentStore, StoredDocument, StoredUpdate } from './published-documents';

/**
 * DocumentStore in memory, for unit specs of the services over PublishedDocuments. Filters:
 * equality (an array field matches a value it holds) and `$in`; anything else throws, so a
 * spec never passes on a filter the fake ignored. `page` takes `limit` only.
 */
export class InMemoryDocumentStore<T extends StoredDocument> implements DocumentStore<T> {
  readonly docs = new Map<string, T>();
  /** Writes applied, in order (for specs that count them). */
  readonly writes: Array<{ key: string; update: StoredUpdate }> = [];
  private clock = 0;

  async byKey(key: string): Promise<T | null> {
    const found = this.docs.get(key);
    return found ? clone(found) : null;
  }

  async where(filter: FilterQuery<T>): Promise<T[]> {
    return [...this.docs.values()].filter((d) => matches(d, filter)).map((d) => clone(d));
  }

  async page(filter: FilterQuery<T>, query: ListQueryDto): Promise<{ items: T[]; meta: PageMetaDto }> {
    if (query.cursor !== undefined || query.page !== undefined || query.order !== undefined) throw new Error('InMemoryDocumentStore.page takes limit only');
    const all = (await this.where(filter)).sort((a, b) => b.created_at.getTime() - a.created_at.getTime());
    const limit = query.limit ?? 50;
    return { items: all.slice(0, limit), meta: { limit, order: 'desc', total: all.length, page: null, next_cursor: null } };
  }

  async insert(doc: Omit<T, 'created_at' | 'updated_at'>): Promise<T | null> {
    if (this.docs.has(doc._id)) return null;
    const at = this.now();
    const stored = { ...clone(doc), created_at: at, updated_at: at } as T;
    this.docs.set(doc._id, stored);
    return clone(stored);
  }

  async updateAt(key: string, version: number, update: StoredUpdate): Promise<T | null> {
    const current = this.docs.get(key);
    if (!current || current.version !== version) return null;
    const next = clone(current) as unknown as Record<string, unknown>;
    Object.assign(next, clone(update.$set));
    for (const [field, value] of Object.entries(update.$push ?? {})) next[field] = [...(next[field] as unknown[]), value];
    for (const [field, value] of Object.entries(update.$pull ?? {})) next[field] = (next[field] as unknown[]).filter((v) => v !== value);
    next.version = current.version + 1;
    next.updated_at = this.now();
    this.docs.set(key, next as unknown as T);
    this.writes.push({ key, update });
    return clone(next as unknown as T);
  }

  /** Another instance's write between our read and our write: moves the version on. */
  bumpVersion(key: string): void {
    const current = this.docs.get(key);
    if (current) this.docs.set(key, { ...current, version: current.version + 1 });
  }

  /** Strictly increasing times, so creation order is sort order. */
  private now(): Date {
    this.clock = Math.max(this.clock + 1, Date.now());
    return new Date(this.clock);
  }
}

function matches(doc: object, filter: object): boolean {
  return Object.entries(filter).every(([field, wanted]) => {
    if (field.startsWith('$')) throw new Error(`InMemoryDocumentStore: unsupported operator ${field}`);
    const value = (doc as Record<string, unknown>)[field];
    if (wanted !== null && typeof wanted === 'object' && !(wanted instanceof Date)) {
      const ops = Object.keys(wanted);
      if (ops.length !== 1 || ops[0] !== '$in') throw new Error(`InMemoryDocumentStore: unsupported filter on ${field}: ${ops.join(', ')}`);
      return ((wanted as { $in: unknown[] }).$in).some((w) => same(value, w));
    }
    return same(value, wanted);
  });
}

function same(value: unknown, wanted: unknown): boolean {
  if (Array.isArray(value)) return value.includes(wanted);
  if (value instanceof Date && wanted instanceof Date) return value.getTime() === wanted.getTime();
  return value === wanted;
}

/** A deep copy (what a database round trip gives), with Dates of this realm (structuredClone's are not, under jest). */
function clone<V>(value: V): V {
  if (value instanceof Date) return new Date(value.getTime()) as V;
  if (Array.isArray(value)) return value.map(clone) as V;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as V;
  return value;
}
