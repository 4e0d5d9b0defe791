import type { FilterQuery, Model, mongo } from 'mongoose';
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
    // the schema's casting, defaults and validation as create() applies them, then the driver's
    // insertOne: create()'s save machinery (hooks, change tracking; these schemas have no
    // middleware) was most of mongoose's CPU in a webhook creation
    const at = new Date();
    const built = new this.model({ ...doc, created_at: at, updated_at: at });
    await built.validate();
    const stored = built.toObject() as T;
    try {
      await (this.model.collection as unknown as mongo.Collection<StoredDocument>).insertOne(stored);
      return stored;
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  async updateAt(key: string, version: number, update: StoredUpdate): Promise<T | null> {
    return this.model.findOneAndUpdate({ _id: key, version } as FilterQuery<T>, update, { returnDocument: 'after' }).lean<T>().exec();
  }
}
