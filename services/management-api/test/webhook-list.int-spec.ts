/**
 * The webhook list on the real PostgreSQL, fed by the webhooks' repository over the real
 * FerretDB: what a write puts in, what a page returns, the first fill from MongoDB, and a copy
 * that failed repaired by publishing.
 */
import { createConnection, type Connection, type Model } from 'mongoose';
import { dropTestPostgresSchema, requireServers, TEST_SERVERS, testPostgresSchema, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import type { ListQueryDto } from '../src/common/pagination';
import type { EntityRef } from '../src/config-publishing/config-store';
import { ListedDocumentStore } from '../src/config-publishing/listed-document.store';
import { MongoConfigStore } from '../src/config-publishing/mongo-config.store';
import { MongoDocumentStore } from '../src/config-publishing/mongo-document.store';
import { PublishedDocuments, type OwnFields } from '../src/config-publishing/published-documents';
import { DocumentLocks } from '../src/database/document-locks';
import { MIGRATIONS } from '../src/database/migrations';
import { migrate } from '../src/database/postgres-migrations';
import { PostgresPool } from '../src/database/postgres-pool';
import { Environment, EnvironmentSchema } from '../src/environments/environment.schema';
import { OperationalWebhook, OperationalWebhookSchema } from '../src/operational-webhooks/operational-webhook.schema';
import { WebhookList } from '../src/webhooks/webhook-list';
import { Webhook, WebhookSchema, webhookCollection } from '../src/webhooks/webhook.schema';

jest.setTimeout(60_000);

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function fields(over: Partial<OwnFields<Webhook>> = {}): OwnFields<Webhook> {
  return {
    enabled: true,
    event: 'Call:Hangup',
    method: 'POST',
    url: 'https://crm.example.com/hooks',
    body: null,
    headers: [{ name: 'X-Tenant', value: 'acme' }],
    description: null,
    rate_limit: null,
    disabled_reason: null,
    disabled_at: null,
    enabled_at: new Date(),
    secrets: [{ secret: 'whsec_c2VjcmV0', created_at: new Date(), expires_at: null }],
    ...over,
  };
}

describe('the webhook list (integration, real PostgreSQL and FerretDB)', () => {
  const prefix = uniquePrefix('wh-list');
  const schema = testPostgresSchema(prefix);
  let connection: Connection;
  let model: Model<Webhook>;
  let postgres: PostgresPool;
  let list: WebhookList;
  let repo: PublishedDocuments<Webhook>;
  const requested: EntityRef[] = [];
  /** What the config publisher loads webhooks through (and repairs the list with). */
  const publisherStore = () =>
    new MongoConfigStore(model, connection.model(Environment.name, EnvironmentSchema), connection.model(OperationalWebhook.name, OperationalWebhookSchema), new DocumentLocks(), list);
  const page = (customerId: string, filter: Parameters<WebhookList['page']>[1] = {}, query: ListQueryDto = {}) => list.page(customerId, filter, query);

  beforeAll(async () => {
    await requireServers(['mongo', 'postgres']);
    connection = await createConnection(`${TEST_SERVERS.mongoUri}/${uniqueDatabase('whlist')}`).asPromise();
    model = connection.model(Webhook.name, WebhookSchema);
    await model.init();
    postgres = new PostgresPool({ url: TEST_SERVERS.postgresUrl, schema, poolSize: 4 });
    await migrate(postgres.pool, schema, MIGRATIONS);
    list = new WebhookList(postgres, model);
    repo = new PublishedDocuments(new ListedDocumentStore(new MongoDocumentStore(model), list), { requestWritten: (ref) => requested.push(ref) }, new DocumentLocks(), webhookCollection);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
    await postgres?.close();
    await dropTestPostgresSchema(prefix);
  });

  it('lists what the repository wrote, newest first, with the stored fields and no signing secret', async () => {
    const a = await repo.create('cust-order', uuid(1), fields({ description: 'first', rate_limit: 2.5 }));
    const b = await repo.create('cust-order', uuid(2), fields({ description: 'second' }));
    const { items, meta } = await page('cust-order');
    expect(items.map((w) => w._id)).toEqual([b._id, a._id]);
    expect(meta).toEqual({ limit: 50, order: 'desc', total: 2, page: null, next_cursor: null });
    const listed = items[1];
    expect(listed).toMatchObject({ customer_id: 'cust-order', version: 1, description: 'first', rate_limit: 2.5, headers: [{ name: 'X-Tenant', value: 'acme' }] });
    expect(listed.created_at).toBeInstanceOf(Date);
    expect(listed.created_at.getTime()).toBe(a.created_at.getTime());
    expect(listed.updated_at.getTime()).toBe(a.updated_at.getTime());
    expect(listed.enabled_at).toBeInstanceOf(Date);
    expect(listed).not.toHaveProperty('secrets');
    const [row] = await postgres.query<{ document: string }>('SELECT document FROM webhook_list WHERE id = $1', [a._id]);
    expect(row.document).not.toContain('whsec_');
  });

  it('shows changes and drops deleted webhooks; another customer sees none of them', async () => {
    const w = await repo.create('cust-change', uuid(10), fields());
    await repo.change('cust-change', w._id, () => ({ $set: { url: 'https://billing.example.com/in', enabled: false } }));
    expect((await page('cust-change')).items).toEqual([expect.objectContaining({ _id: w._id, version: 2, url: 'https://billing.example.com/in', enabled: false })]);
    expect((await page('cust-other')).meta.total).toBe(0);
    await repo.remove('cust-change', w._id);
    expect(await page('cust-change')).toEqual({ items: [], meta: expect.objectContaining({ total: 0 }) });
  });

  it('filters by event, enabled, URL text (case-insensitive) and URL prefix (case-sensitive), counting the matches', async () => {
    const c = 'cust-filter';
    await repo.create(c, uuid(20), fields({ url: 'https://CRM.example.com/a', event: 'Call:Ringing' }));
    await repo.create(c, uuid(21), fields({ url: 'https://crm.example.com/b', enabled: false }));
    await repo.create(c, uuid(22), fields({ url: 'https://billing.example.org/c' }));
    const ids = async (filter: Parameters<WebhookList['page']>[1]) => {
      const { items, meta } = await page(c, filter);
      expect(meta.total).toBe(items.length);
      return items.map((w) => w._id).sort();
    };
    expect(await ids({ event: 'Call:Ringing' })).toEqual([uuid(20)]);
    expect(await ids({ enabled: false })).toEqual([uuid(21)]);
    expect(await ids({ enabled: true })).toEqual([uuid(20), uuid(22)]);
    expect(await ids({ url: 'crm.EXAMPLE' })).toEqual([uuid(20), uuid(21)]);
    // no pattern language: % and _ are plain text
    expect(await ids({ url: '%' })).toEqual([]);
    expect(await ids({ url: 'crm_example' })).toEqual([]);
    expect(await ids({ url_prefix: 'https://crm.' })).toEqual([uuid(21)]);
    expect(await ids({ url_prefix: 'https://' })).toEqual([uuid(20), uuid(21), uuid(22)]);
    expect(await ids({ url: 'crm', enabled: true, event: 'Call:Ringing' })).toEqual([uuid(20)]);
    expect(await ids({ url: 'nul\u0000l' })).toEqual([]);
  });

  it('pages by cursor in both orders without overlap or gap, and by page number', async () => {
    const c = 'cust-pages';
    for (let i = 0; i < 7; i++) await repo.create(c, uuid(100 + i), fields());
    const all = (await page(c, {}, { limit: 200, order: 'asc' })).items.map((w) => w._id);
    expect(all).toHaveLength(7);
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const { items, meta } = await page(c, {}, { limit: 3, order, cursor });
        seen.push(...items.map((w) => w._id));
        expect(meta.total).toBe(7);
        if (!meta.next_cursor) break;
        cursor = meta.next_cursor;
      }
      expect(seen).toEqual(order === 'asc' ? all : [...all].reverse());
    }
    expect((await page(c, {}, { limit: 3, page: 3, order: 'asc' })).items.map((w) => w._id)).toEqual(all.slice(6));
  });

  it('never lets an older version replace a newer one', async () => {
    const w = await repo.create('cust-versions', uuid(30), fields());
    const v2 = (await repo.change('cust-versions', w._id, () => ({ $set: { description: 'v2' } }))).after;
    await list.put([w]);
    await list.put([v2, w]);
    expect((await page('cust-versions')).items).toEqual([expect.objectContaining({ version: 2, description: 'v2' })]);
  });

  it('fills itself once from MongoDB, and publishing repairs a copy that failed after a write', async () => {
    // webhooks stored before the list existed, or whose copy failed: in MongoDB only
    const now = new Date();
    await model.collection.insertMany([
      { _id: uuid(40), customer_id: 'cust-fill', version: 3, published_version: 3, publish_pending: false, deleted_at: null, created_at: now, updated_at: now, ...fields() },
      { _id: uuid(41), customer_id: 'cust-fill', version: 1, published_version: 1, publish_pending: false, deleted_at: now, created_at: now, updated_at: now, ...fields() },
    ] as never[]);
    // a fresh schema: nothing filled yet, so the first start copies every webhook of the database
    expect(await list.fill()).toBeGreaterThanOrEqual(2);
    expect(await list.fill()).toBeNull();
    expect((await page('cust-fill')).items).toEqual([expect.objectContaining({ _id: uuid(40), version: 3 })]);

    await model.collection.insertOne({ _id: uuid(42), customer_id: 'cust-fill', version: 1, published_version: 0, publish_pending: true, deleted_at: null, created_at: now, updated_at: now, ...fields() } as never);
    expect((await page('cust-fill')).meta.total).toBe(1);
    const configStore = publisherStore();
    await configStore.load([{ type: 'WEBHOOK', id: uuid(42) }]);
    expect((await page('cust-fill')).items.map((w) => w._id).sort()).toEqual([uuid(40), uuid(42)]);
  });

  it('publishing copies only what this process did not copy at the same version when it wrote it', async () => {
    const configStore = publisherStore();
    const w = await repo.create('cust-repair', uuid(60), fields({ description: 'written here' }));
    // a row that publishing would bring back if it copied again
    await postgres.query('DELETE FROM webhook_list WHERE id = $1', [w._id]);
    await configStore.load([{ type: 'WEBHOOK', id: w._id }]);
    expect((await page('cust-repair')).meta.total).toBe(0);
    // another instance's write (a version this process never copied) is copied by publishing
    await model.collection.updateOne({ _id: w._id } as never, { $set: { description: 'written elsewhere' }, $inc: { version: 1 } });
    await configStore.load([{ type: 'WEBHOOK', id: w._id }]);
    expect((await page('cust-repair')).items).toEqual([expect.objectContaining({ _id: w._id, version: 2, description: 'written elsewhere' })]);
  });

  it('fails no write when the list cannot be reached: the document is written and still to be published', async () => {
    const broken = new PostgresPool({ url: 'postgres://postgres@127.0.0.1:1/none', schema, poolSize: 1 });
    const unreachable = new PublishedDocuments(
      new ListedDocumentStore(new MongoDocumentStore(model), new WebhookList(broken, model)),
      { requestWritten: (ref) => requested.push(ref) },
      new DocumentLocks(),
      webhookCollection,
    );
    try {
      const w = await unreachable.create('cust-down', uuid(50), fields());
      expect(await model.findById(w._id).lean().exec()).toMatchObject({ publish_pending: true });
      expect(requested).toContainEqual({ type: 'WEBHOOK', id: w._id });
      expect((await page('cust-down')).meta.total).toBe(0);
    } finally {
      await broken.close();
    }
  });
});
