/**
 * PublishedDocuments over the real FerretDB (MongoDocumentStore): the behaviours the services'
 * unit specs take from the in-memory store, checked where they run in production.
 */
import { ConflictError, NotFoundError } from '@callhooks/contracts';
import { createConnection, type Connection, type Model } from 'mongoose';
import { requireServers, TEST_SERVERS, uniqueDatabase } from '@callhooks/testing';
import type { EntityRef } from '../src/config-publishing/config-store';
import { MongoDocumentStore } from '../src/config-publishing/mongo-document.store';
import { PublishedDocuments, WRITE_ATTEMPTS, type StoredUpdate } from '../src/config-publishing/published-documents';
import { DocumentLocks } from '../src/database/document-locks';
import { Environment, EnvironmentSchema, environmentCollection } from '../src/environments/environment.schema';

jest.setTimeout(60_000);

describe('PublishedDocuments over FerretDB', () => {
  let connection: Connection;
  let model: Model<Environment>;
  let store: MongoDocumentStore<Environment>;
  let repo: PublishedDocuments<Environment>;
  const requested: EntityRef[] = [];
  const fields = (id: string, name = `Env ${id}`) => ({ environment_id: id, name, timezone: 'UTC', webhook_ids: [] as string[] });

  beforeAll(async () => {
    await requireServers(['mongo']);
    connection = await createConnection(`${TEST_SERVERS.mongoUri}/${uniqueDatabase('pubdocs')}`).asPromise();
    model = connection.model(Environment.name, EnvironmentSchema);
    await model.init();
    store = new MongoDocumentStore(model);
    repo = new PublishedDocuments(store, { requestWritten: (ref) => requested.push(ref) }, new DocumentLocks(), environmentCollection);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  /** Another instance writes the document between our read and our write, `times` times. */
  const racedBy = (times: number) => {
    let left = times;
    return new PublishedDocuments(
      {
        byKey: (key) => store.byKey(key),
        where: (filter) => store.where(filter),
        page: (filter, query) => store.page(filter, query),
        insert: (doc) => store.insert(doc),
        updateAt: async (key: string, version: number, update: StoredUpdate) => {
          if (left-- > 0) await model.updateOne({ _id: key }, { $inc: { version: 1 } }).exec();
          return store.updateAt(key, version, update);
        },
      },
      { requestWritten: (ref) => requested.push(ref) },
      new DocumentLocks(),
      environmentCollection,
    );
  };

  it('creates at version 1 flagged for publishing, and 409s a second creation of the id', async () => {
    const created = await repo.create('cust-a', 'env-1', fields('env-1'));
    expect(created).toMatchObject({ _id: 'cust-a:env-1', customer_id: 'cust-a', version: 1, published_version: 0, publish_pending: true, deleted_at: null });
    expect(requested).toContainEqual({ type: 'ENVIRONMENT', id: 'cust-a:env-1' });
    await expect(repo.create('cust-a', 'env-1', fields('env-1'))).rejects.toThrow(ConflictError);
  });

  it('scopes reads and writes to the customer', async () => {
    await repo.create('cust-a', 'env-2', fields('env-2'));
    expect(await repo.find('cust-b', 'env-2')).toBeNull();
    await expect(repo.change('cust-b', 'env-2', () => ({ $set: { name: 'stolen' } }))).rejects.toThrow(NotFoundError);
    expect((await repo.where('cust-a', { environment_id: 'env-2' })).map((e) => e.name)).toEqual(['Env env-2']);
    expect(await repo.where('cust-b')).toEqual([]);
    expect([...(await repo.liveIds('cust-a', ['env-1', 'env-2', 'env-9']))].sort()).toEqual(['env-1', 'env-2']);
  });

  it('writes $set, $push and $pull at version + 1; a change deciding nothing writes nothing', async () => {
    await repo.create('cust-a', 'env-3', fields('env-3'));
    await repo.change('cust-a', 'env-3', () => ({ $push: { webhook_ids: 'w1' } }));
    await repo.change('cust-a', 'env-3', () => ({ $push: { webhook_ids: 'w2' } }));
    await repo.change('cust-a', 'env-3', () => ({ $pull: { webhook_ids: 'w1' } }));
    const renamed = await repo.change('cust-a', 'env-3', () => ({ $set: { name: 'Renamed' } }));
    expect(renamed.after).toMatchObject({ version: 5, webhook_ids: ['w2'], name: 'Renamed', publish_pending: true });
    const same = await repo.change('cust-a', 'env-3', () => null);
    expect(same).toMatchObject({ changed: false, after: { version: 5 } });
    expect((await model.findById('cust-a:env-3').lean().exec())?.version).toBe(5);
  });

  it('decides again after another instance’s write, and answers 409 when the document keeps changing', async () => {
    await repo.create('cust-a', 'env-4', fields('env-4'));
    const seen: number[] = [];
    const done = await racedBy(WRITE_ATTEMPTS - 1).change('cust-a', 'env-4', (current) => {
      seen.push(current.version);
      return { $set: { name: 'after races' } };
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(done.after).toMatchObject({ name: 'after races', version: 4 });
    await expect(racedBy(WRITE_ATTEMPTS).change('cust-a', 'env-4', () => ({ $set: { name: 'never' } }))).rejects.toThrow(ConflictError);
    expect((await repo.get('cust-a', 'env-4')).name).toBe('after races');
  });

  it('keeps every one of concurrent changes of one document (the lock, on FerretDB)', async () => {
    await repo.create('cust-a', 'env-5', fields('env-5'));
    const ids = Array.from({ length: 20 }, (_, i) => `w${i}`);
    await Promise.all(ids.map((id) => repo.change('cust-a', 'env-5', () => ({ $push: { webhook_ids: id } }))));
    const after = await repo.get('cust-a', 'env-5');
    expect([...after.webhook_ids].sort()).toEqual([...ids].sort());
    expect(after.version).toBe(1 + ids.length);
  });

  it('puts: a duplicate key from a concurrent creation turns into an update; a deleted document comes back', async () => {
    // another instance created it after our read found nothing: the insert meets the duplicate key
    let first = true;
    const late = new PublishedDocuments(
      {
        byKey: async (key) => {
          const found = await store.byKey(key);
          if (first) {
            first = false;
            await model.create({ _id: key, customer_id: 'cust-a', ...fields('env-6', 'theirs'), version: 1, published_version: 0, publish_pending: true, deleted_at: null });
          }
          return found;
        },
        where: (filter) => store.where(filter),
        page: (filter, query) => store.page(filter, query),
        insert: (doc) => store.insert(doc),
        updateAt: (key, version, update) => store.updateAt(key, version, update),
      },
      { requestWritten: () => undefined },
      new DocumentLocks(),
      environmentCollection,
    );
    const put = await late.put('cust-a', 'env-6', fields('env-6', 'ours'), (current) => (current.name === 'ours' ? null : { $set: { name: 'ours' } }));
    expect(put).toMatchObject({ created: false, document: { name: 'ours', version: 2 } });

    await repo.change('cust-a', 'env-6', () => ({ $push: { webhook_ids: 'w1' } }));
    await repo.remove('cust-a', 'env-6', { webhook_ids: [] });
    expect(await repo.known('cust-a', 'env-6')).toBe(true);
    const back = await repo.put('cust-a', 'env-6', fields('env-6', 'back'), () => null);
    expect(back).toMatchObject({ created: true, document: { name: 'back', webhook_ids: [], deleted_at: null, version: 5 } });
  });
});
