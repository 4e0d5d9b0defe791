import type { FilterQuery, Model } from 'mongoose';
import { findPage, type ListQueryDto, type PageMetaDto } from '../common/pagination';
import { isDuplicateKey } from '../database/duplicate-key';
import type { DocumentStore, StoredDocument, StoredUpdate } from './published-documents';

/** PublishedDocuments' store over one MongoDB collection. */
export class MongoDocumentStore<T extends StoredDocument> implements DocumentStore<T> {
  constructor(private readonly model: Model<T>) {}

  async byKey(key: string): Promise<T | null> {
    // by a bare `_id`: the one lookup FerretDB v1 serves from an index
    return this.model.findById(key).lean<T>().exec();
  }

  async where(filter: FilterQuery<T>): Promise<T[]> {
    return this.model.find(filter).lean<T[]>().exec();
  }

  async page(filter: FilterQuery<T>, query: ListQueryDto): Promise<{ items: T[]; meta: PageMetaDto }> {
    return findPage(this.model, filter, query);
  }

  async insert(doc: Omit<T, 'created_at' | 'updated_at'>): Promise<T | null> {
    try {
      return (await this.model.create(doc)).toObject() as T;
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  async updateAt(key: string, version: number, update: StoredUpdate): Promise<T | null> {
    return this.model.findOneAndUpdate({ _id: key, version } as FilterQuery<T>, update, { returnDocument: 'after' }).lean<T>().exec();
  }
}
