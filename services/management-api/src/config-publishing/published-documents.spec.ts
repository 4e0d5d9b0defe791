import { ConflictError, NotFoundError } from '@callhooks/contracts';
import { DocumentLocks } from '../database/document-locks';
import { Environment, environmentCollection } from '../environments/environment.schema';
import type { EntityRef } from './config-store';
import { InMemoryDocumentStore } from './document-store.fake';
import { PublishedDocuments, WRITE_ATTEMPTS, type StoredUpdate } from './published-documents';

function setUp() {
  const store = new InMemoryDocumentStore<Environment>();
  const requested: EntityRef[] = [];
  /** The document each request carried, as the publisher will send it. */
  const written: unknown[] = [];
  const locks = new DocumentLocks();
  const publisher = {
    requestWritten: (ref: EntityRef, document: unknown) => {
      requested.push(ref);
      written.push(document);
    },
  };
  const repo = new PublishedDocuments(store, publisher, locks, environmentCollection);
  const fields = (id: string) => ({ environment_id: id, name: `Env ${id}`, timezone: 'UTC', webhook_ids: [] as string[] });
  return { store, requested, written, locks, repo, fields };
}

/** Another instance writes the document between our read and our write, `times` times. */
function racedBy(store: InMemoryDocumentStore<Environment>, times: number): void {
  const updateAt = store.updateAt.bind(store);
  let left = times;
  store.updateAt = async (key: string, version: number, update: StoredUpdate) => {
    if (left-- > 0) store.bumpVersion(key);
    return updateAt(key, version, update);
  };
}

describe('PublishedDocuments', () => {
  it('creates at version 1, flagged for publishing, under the key of the customer, and asks the publisher to send it', async () => {
    const { repo, requested, written, store } = setUp();
    const created = await repo.create('cust-a', 'env-1', setUp().fields('env-1'));
    expect(created).toMatchObject({ _id: 'cust-a:env-1', customer_id: 'cust-a', version: 1, published_version: 0, publish_pending: true, deleted_at: null });
    expect(requested).toEqual([{ type: 'ENVIRONMENT', id: 'cust-a:env-1' }]);
    expect(store.docs.size).toBe(1);
    // the document as written goes with the request: publishing does not read it back
    expect(written).toEqual([created]);
  });

  it('hands the publisher each write’s document at its new version', async () => {
    const { repo, fields, written, store } = setUp();
    await repo.create('cust-a', 'env-1', fields('env-1'));
    const { after } = await repo.change('cust-a', 'env-1', () => ({ $set: { name: 'Renamed' } }));
    await repo.remove('cust-a', 'env-1');
    expect(written).toHaveLength(3);
    expect(written[1]).toEqual(after);
    expect(written[1]).toMatchObject({ version: 2, name: 'Renamed' });
    expect(written[2]).toEqual(store.docs.get('cust-a:env-1'));
    expect(written[2]).toMatchObject({ version: 3 });
    expect((written[2] as Environment).deleted_at).toBeInstanceOf(Date);
  });

  it('refuses a second creation under the same id with 409', async () => {
    const { repo, fields } = setUp();
    await repo.create('cust-a', 'env-1', fields('env-1'));
    await expect(repo.create('cust-a', 'env-1', fields('env-1'))).rejects.toThrow(ConflictError);
  });

  it('scopes every read to the customer: another customer’s, a deleted and an impossible id are all not found', async () => {
    const { repo, fields, store } = setUp();
    await repo.create('cust-a', 'env-1', fields('env-1'));
    await repo.create('cust-a', 'env-2', fields('env-2'));
    await repo.remove('cust-a', 'env-2');
    expect(await repo.find('cust-a', 'env-1')).not.toBeNull();
    expect(await repo.find('cust-b', 'env-1')).toBeNull();
    expect(await repo.find('cust-a', 'env-2')).toBeNull();
    expect(await repo.find('cust-a', 'not:an:id')).toBeNull();
    await expect(repo.get('cust-b', 'env-1')).rejects.toThrow(NotFoundError);
    expect((await repo.where('cust-a')).map((e) => e.environment_id)).toEqual(['env-1']);
    expect(await repo.where('cust-b')).toEqual([]);
    expect([...(await repo.liveIds('cust-a', ['env-1', 'env-2', 'env-9', 'bad id']))]).toEqual(['env-1']);
    expect((await repo.page('cust-a', {}, {})).items.map((e) => e.environment_id)).toEqual(['env-1']);
    // a tombstone stays: known, version moved on, still flagged for publishing
    expect(await repo.known('cust-a', 'env-2')).toBe(true);
    expect(await repo.known('cust-b', 'env-2')).toBe(false);
    expect(store.docs.get('cust-a:env-2')).toMatchObject({ version: 2, publish_pending: true });
    await expect(repo.change('cust-b', 'env-1', () => ({ $set: { name: 'stolen' } }))).rejects.toThrow(NotFoundError);
    await expect(repo.remove('cust-b', 'env-1')).rejects.toThrow(NotFoundError);
  });

  it('writes a change at version + 1 with publish_pending, and a change that decides nothing writes and publishes nothing', async () => {
    const { repo, fields, requested, store } = setUp();
    await repo.create('cust-a', 'env-1', fields('env-1'));
    await repo.change('cust-a', 'env-1', () => ({ $push: { webhook_ids: 'w1' } }));
    const pushed = await repo.change('cust-a', 'env-1', () => ({ $push: { webhook_ids: 'w2' } }));
    expect(pushed).toMatchObject({ changed: true, before: { version: 2 }, after: { version: 3, webhook_ids: ['w1', 'w2'], publish_pending: true } });
    const same = await repo.change('cust-a', 'env-1', () => null);
    expect(same.changed).toBe(false);
    expect(same.after.version).toBe(3);
    expect(store.writes).toHaveLength(2);
    expect(requested).toHaveLength(3);
  });

  it('decides again on the fresh document when another instance wrote in between, and gives up with 409 after WRITE_ATTEMPTS', async () => {
    const { repo, fields, store, requested } = setUp();
    await repo.create('cust-a', 'env-1', fields('env-1'));
    racedBy(store, WRITE_ATTEMPTS - 1);
    const seen: number[] = [];
    const done = await repo.change('cust-a', 'env-1', (current) => {
      seen.push(current.version);
      return { $set: { name: 'renamed' } };
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(done.after).toMatchObject({ name: 'renamed', version: 4 });
    expect(requested).toHaveLength(2);

    racedBy(store, WRITE_ATTEMPTS);
    await expect(repo.change('cust-a', 'env-1', () => ({ $set: { name: 'again' } }))).rejects.toThrow(ConflictError);
    expect(store.docs.get('cust-a:env-1')!.name).toBe('renamed');
  });

  it('runs the changes of one document one at a time, so none is lost', async () => {
    const { repo, fields, locks } = setUp();
    await repo.create('cust-a', 'env-1', fields('env-1'));
    const ids = ['w1', 'w2', 'w3', 'w4', 'w5'];
    await Promise.all(ids.map((id) => repo.change('cust-a', 'env-1', () => ({ $push: { webhook_ids: id } }))));
    const after = await repo.get('cust-a', 'env-1');
    expect([...after.webhook_ids].sort()).toEqual(ids);
    expect(after.version).toBe(1 + ids.length);
    expect(locks.size()).toBe(0);
  });

  it('changeIfLive answers null instead of 404', async () => {
    const { repo } = setUp();
    expect(await repo.changeIfLive('cust-a', 'env-1', () => ({ $set: { name: 'x' } }))).toBeNull();
  });

  describe('put', () => {
    it('creates, leaves an unchanged document alone, updates a changed one', async () => {
      const { repo, fields, requested } = setUp();
      const decide = (name: string) => (current: Environment) => (current.name === name ? null : { $set: { name } });
      expect(await repo.put('cust-a', 'env-1', fields('env-1'), decide('Env env-1'))).toMatchObject({ created: true, document: { version: 1 } });
      expect(await repo.put('cust-a', 'env-1', fields('env-1'), decide('Env env-1'))).toMatchObject({ created: false, document: { version: 1 } });
      expect(await repo.put('cust-a', 'env-1', fields('env-1'), decide('Renamed'))).toMatchObject({ created: false, document: { version: 2, name: 'Renamed' } });
      expect(requested).toHaveLength(2);
    });

    it('brings a deleted document back from the fields given, its version line going on', async () => {
      const { repo, fields } = setUp();
      await repo.create('cust-a', 'env-1', fields('env-1'));
      await repo.change('cust-a', 'env-1', () => ({ $push: { webhook_ids: 'w1' } }));
      await repo.remove('cust-a', 'env-1');
      const back = await repo.put('cust-a', 'env-1', fields('env-1'), () => {
        throw new Error('not asked for a deleted document');
      });
      expect(back).toMatchObject({ created: true, document: { version: 4, deleted_at: null, webhook_ids: [], publish_pending: true } });
    });

    it('updates a document another instance created between our read and our insert', async () => {
      const { repo, fields, store } = setUp();
      const byKey = store.byKey.bind(store);
      let first = true;
      store.byKey = async (key: string) => {
        const found = await byKey(key);
        if (first) {
          first = false;
          await store.insert({ ...fields('env-1'), name: 'theirs', _id: key, customer_id: 'cust-a', version: 1, published_version: 0, publish_pending: true, deleted_at: null });
        }
        return found;
      };
      const put = await repo.put('cust-a', 'env-1', { ...fields('env-1'), name: 'ours' }, (current) => (current.name === 'ours' ? null : { $set: { name: 'ours' } }));
      expect(put).toMatchObject({ created: false, document: { name: 'ours', version: 2 } });
    });
  });
});
