import { Logger } from '@nestjs/common';
import type { FilterQuery } from 'mongoose';
import type { ListQueryDto, PageMetaDto } from '../common/pagination';
import type { DocumentStore, StoredDocument, StoredUpdate } from './published-documents';

/** A list kept outside the store (webhooks/webhook-list.ts): it takes each document as written. */
export interface DocumentList<T> {
  put(docs: T[]): Promise<void>;
}

/**
 * A DocumentStore whose writes also reach a list kept elsewhere, right after the store's write,
 * so a customer lists what it has just written. A failed copy fails no request: the document
 * is written and flagged for publishing, and publishing copies it again (MongoConfigStore).
 */
export class ListedDocumentStore<T extends StoredDocument> implements DocumentStore<T> {
  private readonly logger = new Logger(ListedDocumentStore.name);

  constructor(
    private readonly store: DocumentStore<T>,
    private readonly list: DocumentList<T>,
  ) {}

  byKey(key: string): Promise<T | null> {
    return this.store.byKey(key);
  }

  where(filter: FilterQuery<T>): Promise<T[]> {
    return this.store.where(filter);
  }

  page(filter: FilterQuery<T>, query: ListQueryDto): Promise<{ items: T[]; meta: PageMetaDto }> {
    return this.store.page(filter, query);
  }

  async insert(doc: Omit<T, 'created_at' | 'updated_at'>): Promise<T | null> {
    return this.listed(await this.store.insert(doc));
  }

  async updateAt(key: string, version: number, update: StoredUpdate): Promise<T | null> {
    return this.listed(await this.store.updateAt(key, version, update));
  }

  private async listed(written: T | null): Promise<T | null> {
    if (written) {
      try {
        await this.list.put([written]);
      } catch (err) {
        this.logger.warn({ err, id: written._id, version: written.version }, 'could not copy a document to its list; publishing will copy it');
      }
    }
    return written;
  }
}
