import { ConflictError, NotFoundError } from '@callhooks/contracts';
import type { FilterQuery } from 'mongoose';
import type { ListQueryDto, PageMetaDto } from '../common/pagination';
import type { DocumentLocks } from '../database/document-locks';
import type { ConfigPublisher } from './config-publisher';
import { refKey, type ConfigEntityType, type EntityRef } from './config-store';
import type { PublishedDocument } from './published-document';

/** A published document as stored: its MongoDB `_id` and the customer that owns it. */
export interface StoredDocument extends PublishedDocument {
  _id: string;
  customer_id: string;
}

/** The fields the repository writes; a service never sets them. */
type Managed = '_id' | 'customer_id' | 'version' | 'published_version' | 'publish_pending' | 'deleted_at' | 'created_at' | 'updated_at';

/** The fields a service gives when it creates a document. */
export type OwnFields<T extends StoredDocument> = Omit<T, Managed>;

/** A change of a document's own fields (MongoDB update operators). */
export interface DocumentUpdate<T extends StoredDocument> {
  $set?: Partial<OwnFields<T>>;
  $push?: Partial<Record<keyof OwnFields<T>, unknown>>;
  $pull?: Partial<Record<keyof OwnFields<T>, unknown>>;
}

/** A service's update, or one of the repository's own that also sets managed fields (deletion, revival). */
type AnyUpdate<T extends StoredDocument> = DocumentUpdate<T> | { $set: Record<string, unknown> };

/** A write as the store applies it: the service's update plus the managed fields. */
export interface StoredUpdate {
  $set: Record<string, unknown>;
  $push?: Record<string, unknown>;
  $pull?: Record<string, unknown>;
  $inc: { version: 1 };
}

/** What a change did: the document read, the document now, and whether it was written. */
export interface Change<T> {
  before: T;
  after: T;
  changed: boolean;
}

/**
 * Where documents are kept: MongoDB (MongoDocumentStore), or memory in unit specs
 * (document-store.fake.ts). Filters are MongoDB's; the fake knows equality and `$in`.
 */
export interface DocumentStore<T extends StoredDocument> {
  /** The document under this `_id`, deleted or not, of any customer. */
  byKey(key: string): Promise<T | null>;
  where(filter: FilterQuery<T>): Promise<T[]>;
  page(filter: FilterQuery<T>, query: ListQueryDto): Promise<{ items: T[]; meta: PageMetaDto }>;
  /** Inserts; null when a document with this `_id` (or another unique key) exists. */
  insert(doc: Omit<T, 'created_at' | 'updated_at'>): Promise<T | null>;
  /** Applies the update only if the document is still at `version`; the document after, or null. */
  updateAt(key: string, version: number, update: StoredUpdate): Promise<T | null>;
}

/** How one collection's documents are named and published. */
export interface PublishedCollection<T extends StoredDocument> {
  /** The config record type they are published as (and their lock's name). */
  type: ConfigEntityType;
  /** In error messages: "webhook", "environment", ... */
  noun: string;
  /** Ids of the API that can name a document; others are not found without a query. */
  isId(id: string): boolean;
  /** The document's `_id` for a customer's id (environments: `<customer>:<environment>`). */
  key(customerId: string, id: string): string;
  /** The id of the API for a stored document. */
  idOf(doc: T): string;
}

/** Optimistic retries of a read-decide-write whose document another instance changed in between. */
export const WRITE_ATTEMPTS = 3;

/** The lock of a published document, shared with the publisher's acknowledgements (see DocumentLocks). */
export function publishedDocumentLock(ref: EntityRef): string {
  return refKey(ref);
}

/**
 * The one way a customer's versioned, published documents (webhooks, environments,
 * operational webhooks) are read and written. Every method takes the customer id: a document
 * of another customer, a deleted one and an id that cannot exist are all "not found".
 *
 * A write runs under the document's lock (this process's writes one at a time), reads the
 * live document, lets the caller decide the update, and writes it only if the document is
 * still at the version read, with version + 1 and `publish_pending`; if another instance
 * moved the version on meanwhile, it reads and decides again (WRITE_ATTEMPTS times, then 409).
 * After a write the publisher is asked to send the document as written (without waiting: a
 * Kafka outage does not fail the request, the reconciler finishes the job).
 */
export class PublishedDocuments<T extends StoredDocument> {
  constructor(
    private readonly store: DocumentStore<T>,
    private readonly publisher: Pick<ConfigPublisher, 'requestWritten'>,
    private readonly locks: DocumentLocks,
    private readonly collection: PublishedCollection<T>,
  ) {}

  /** The customer's live document, or null. */
  async find(customerId: string, id: string): Promise<T | null> {
    if (!this.collection.isId(id)) return null;
    const found = await this.store.byKey(this.collection.key(customerId, id));
    return found && found.customer_id === customerId && found.deleted_at === null ? found : null;
  }

  /** Whether the customer has or had (deleted ones too) a document under this id. */
  async known(customerId: string, id: string): Promise<boolean> {
    if (!this.collection.isId(id)) return false;
    return (await this.store.byKey(this.collection.key(customerId, id)))?.customer_id === customerId;
  }

  /** The customer's live document; 404 otherwise. */
  async get(customerId: string, id: string): Promise<T> {
    const found = await this.find(customerId, id);
    if (!found) throw this.notFound(id);
    return found;
  }

  /** The customer's live documents matching `filter`. */
  async where(customerId: string, filter: FilterQuery<T> = {}): Promise<T[]> {
    return this.store.where(this.live(customerId, filter));
  }

  /** One page of the customer's live documents matching `filter`. */
  async page(customerId: string, filter: FilterQuery<T>, query: ListQueryDto): Promise<{ items: T[]; meta: PageMetaDto }> {
    return this.store.page(this.live(customerId, filter), query);
  }

  /** Which of these ids name live documents of the customer, in one query whatever their number. */
  async liveIds(customerId: string, ids: string[]): Promise<Set<string>> {
    const keys = ids.filter((id) => this.collection.isId(id)).map((id) => this.collection.key(customerId, id));
    if (keys.length === 0) return new Set();
    const found = await this.store.where(this.live(customerId, { _id: { $in: keys } } as FilterQuery<T>));
    return new Set(found.map((d) => this.collection.idOf(d)));
  }

  /** A new document at version 1; 409 if the id is taken. */
  async create(customerId: string, id: string, fields: OwnFields<T>): Promise<T> {
    const key = this.collection.key(customerId, id);
    const created = await this.locks.run(this.lock(key), () => this.store.insert(this.fresh(customerId, key, fields)));
    if (!created) throw new ConflictError(`${this.collection.noun} ${id} already exists`, { id });
    this.publish(created);
    return created;
  }

  /**
   * Create-or-update under the caller's id: a new document from `fields`; a deleted one comes
   * back from `fields` (its version line goes on); a live one gets `decide`'s update (null:
   * nothing to change). `created` is true for a new or revived document.
   */
  async put(
    customerId: string,
    id: string,
    fields: OwnFields<T>,
    decide: (current: T) => DocumentUpdate<T> | null,
  ): Promise<{ created: boolean; document: T }> {
    const key = this.collection.key(customerId, id);
    return this.locks.run(this.lock(key), async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const current = await this.store.byKey(key);
        if (current && current.customer_id !== customerId) throw new ConflictError(`${this.collection.noun} ${id} already exists`, { id });
        if (!current) {
          const created = await this.store.insert(this.fresh(customerId, key, fields));
          if (!created) continue; // created meanwhile by another instance: update it instead
          this.publish(created);
          return { created: true, document: created };
        }
        const revived = current.deleted_at !== null;
        const update = revived ? { $set: { ...fields, deleted_at: null } } : decide(current);
        if (!update) return { created: false, document: current };
        const written = await this.writeAt(current, update);
        if (written) return { created: revived, document: written };
      }
      throw this.keptChanging(id);
    });
  }

  /** Applies `decide`'s update to the customer's live document (null: nothing to change); 404 if there is none. */
  async change(customerId: string, id: string, decide: (current: T) => DocumentUpdate<T> | null): Promise<Change<T>> {
    const changed = await this.changeIfLive(customerId, id, decide);
    if (!changed) throw this.notFound(id);
    return changed;
  }

  /** As change(), but null when there is no live document (for changes the system decides on its own). */
  async changeIfLive(customerId: string, id: string, decide: (current: T) => DocumentUpdate<T> | null): Promise<Change<T> | null> {
    return this.changeLive(customerId, id, decide);
  }

  /**
   * Soft-deletes the customer's live document, setting `clear` too (e.g. secrets): it stays as
   * a tombstone, published as a deletion, so its version keeps growing; 404 if there is none.
   */
  async remove(customerId: string, id: string, clear: Partial<OwnFields<T>> = {}): Promise<void> {
    const removed = await this.changeLive(customerId, id, () => ({ $set: { ...clear, deleted_at: new Date() } }));
    if (!removed) throw this.notFound(id);
  }

  /** The write path of change(), changeIfLive() and remove() (which sets a managed field, deleted_at). */
  private async changeLive(customerId: string, id: string, decide: (current: T) => AnyUpdate<T> | null): Promise<Change<T> | null> {
    if (!this.collection.isId(id)) return null;
    return this.locks.run(this.lock(this.collection.key(customerId, id)), async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const current = await this.find(customerId, id);
        if (!current) return null;
        const update = decide(current);
        if (!update) return { before: current, after: current, changed: false };
        const after = await this.writeAt(current, update);
        if (after) return { before: current, after, changed: true };
      }
      throw this.keptChanging(id);
    });
  }

  private async writeAt(current: T, update: AnyUpdate<T>): Promise<T | null> {
    const stored: StoredUpdate = { ...(update as Omit<StoredUpdate, '$set' | '$inc'>), $set: { ...update.$set, publish_pending: true }, $inc: { version: 1 } };
    const written = await this.store.updateAt(current._id, current.version, stored);
    if (written) this.publish(written);
    return written;
  }

  private fresh(customerId: string, key: string, fields: OwnFields<T>): Omit<T, 'created_at' | 'updated_at'> {
    return { ...fields, _id: key, customer_id: customerId, version: 1, published_version: 0, publish_pending: true, deleted_at: null } as unknown as Omit<T, 'created_at' | 'updated_at'>;
  }

  private live(customerId: string, filter: FilterQuery<T>): FilterQuery<T> {
    return { ...filter, customer_id: customerId, deleted_at: null } as FilterQuery<T>;
  }

  private lock(key: string): string {
    return publishedDocumentLock({ type: this.collection.type, id: key });
  }

  /** Asks the publisher to send the document as just written (no read back). */
  private publish(written: T): void {
    this.publisher.requestWritten({ type: this.collection.type, id: written._id }, written);
  }

  private notFound(id: string): NotFoundError {
    return new NotFoundError(`${this.collection.noun} ${id} not found`, { id });
  }

  private keptChanging(id: string): ConflictError {
    return new ConflictError(`${this.collection.noun} ${id} kept changing while it was being saved; try again`);
  }
}
