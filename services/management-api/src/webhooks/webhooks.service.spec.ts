import { ConflictError, NotFoundError, ValidationError } from '@callhooks/contracts';
import type { ManagementApiConfig } from '../config/management-api.config';
import { inMemoryPublishedDocuments } from '../config-publishing/published-documents.fake';
import { EnvironmentsService } from '../environments/environments.service';
import type { CreateWebhookDto } from './dto/webhook.dto';
import { TemplatingBodyTemplates } from './templating-body-templates';
import type { WebhookList } from './webhook-list';
import { WebhooksService } from './webhooks.service';

const OVERLAP_MS = 60_000;

function setUp() {
  const docs = inMemoryPublishedDocuments();
  const config = { webhooks: { allowPrivateTargets: false, secretRotationOverlapMs: OVERLAP_MS } } as ManagementApiConfig;
  const environments = new EnvironmentsService(docs.environments, docs.webhooks);
  // the list is PostgreSQL's (webhook-list.int-spec.ts); nothing here reads it
  const unlisted = { page: () => Promise.reject(new Error('the webhook list is not part of these specs')) } as unknown as WebhookList;
  const webhooks = new WebhooksService(docs.webhooks, config, environments, new TemplatingBodyTemplates(), unlisted);
  return { docs, environments, webhooks };
}

const valid = (over: Partial<CreateWebhookDto> = {}): CreateWebhookDto => ({ event: 'Call:Hangup', url: 'https://crm.example.com/hooks', ...over }) as CreateWebhookDto;

describe('WebhooksService (over PublishedDocuments in memory)', () => {
  it('creates a webhook with one signing secret and asks for it to be published', async () => {
    const { webhooks, docs } = setUp();
    const created = await webhooks.create('cust-a', valid({ headers: { 'X-Tenant': 'acme' } }));
    expect(created).toMatchObject({ enabled: true, method: 'POST', body: null, headers: { 'X-Tenant': 'acme' }, version: 1, disabled_at: null });
    expect(docs.published).toEqual([{ type: 'WEBHOOK', id: created.id }]);
    expect((await webhooks.secret('cust-a', created.id)).secret).toMatch(/^whsec_/);
  });

  it('refuses a private target, a bad header and a bad template at once, writing nothing', async () => {
    const { webhooks, docs } = setUp();
    const refused = webhooks.create('cust-a', valid({ url: 'http://127.0.0.1/hook', headers: { 'Content-Length': '1' }, body: '{"a": "{{nope}}"}' }));
    const error = await refused.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as ValidationError).fields.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['url', 'body']));
    expect(fields.some((f) => f.startsWith('headers'))).toBe(true);
    expect(docs.stores.webhooks.docs.size).toBe(0);
    expect(docs.published).toEqual([]);
  });

  it('updates only what is given, checks the merged webhook, and stamps enabling and disabling', async () => {
    const { webhooks, docs } = setUp();
    const { id } = await webhooks.create('cust-a', valid({ description: 'to the CRM' }));
    const disabled = await webhooks.update('cust-a', id, { enabled: false });
    expect(disabled).toMatchObject({ enabled: false, description: 'to the CRM', url: 'https://crm.example.com/hooks', version: 2 });
    expect(disabled.disabled_at).not.toBeNull();
    const enabled = await webhooks.update('cust-a', id, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabled_at: null, version: 3 });
    expect(docs.stores.webhooks.docs.get(id)!.enabled_at).not.toBeNull();
    await expect(webhooks.update('cust-a', id, { method: 'GET', body: '[1, 2]' })).rejects.toThrow(ValidationError);
    expect((await webhooks.get('cust-a', id)).version).toBe(3);
    expect(docs.published).toHaveLength(3);
  });

  it('answers 404 to another customer, for reads and every write', async () => {
    const { webhooks } = setUp();
    const { id } = await webhooks.create('cust-a', valid());
    await expect(webhooks.get('cust-b', id)).rejects.toThrow(NotFoundError);
    await expect(webhooks.update('cust-b', id, { enabled: false })).rejects.toThrow(NotFoundError);
    await expect(webhooks.rotateSecret('cust-b', id)).rejects.toThrow(NotFoundError);
    await expect(webhooks.remove('cust-b', id)).rejects.toThrow(NotFoundError);
    await expect(webhooks.get('cust-a', 'not-a-uuid')).rejects.toThrow(NotFoundError);
    expect((await webhooks.get('cust-a', id)).enabled).toBe(true);
  });

  it('rotates the secret, the previous one expiring after the overlap', async () => {
    const { webhooks } = setUp();
    const { id } = await webhooks.create('cust-a', valid());
    const before = await webhooks.secret('cust-a', id);
    const startedAt = Date.now();
    const rotated = await webhooks.rotateSecret('cust-a', id);
    expect(rotated.secret).not.toBe(before.secret);
    expect(rotated.previous).toHaveLength(1);
    expect(rotated.previous[0].secret).toBe(before.secret);
    expect(Date.parse(rotated.previous[0].expires_at!)).toBeGreaterThanOrEqual(startedAt + OVERLAP_MS);
  });

  it('deletes: unsubscribes it from every environment of the customer first, then leaves a tombstone without secrets', async () => {
    const { webhooks, environments, docs } = setUp();
    const { id } = await webhooks.create('cust-a', valid());
    const other = await webhooks.create('cust-a', valid());
    await environments.put('cust-a', 'env-1', { name: 'One', timezone: 'UTC' });
    await environments.put('cust-a', 'env-2', { name: 'Two', timezone: 'UTC' });
    await environments.replaceSubscriptions('cust-a', 'env-1', [id, other.id]);
    await environments.subscribe('cust-a', 'env-2', id);
    await webhooks.remove('cust-a', id);
    expect((await environments.get('cust-a', 'env-1')).webhook_ids).toEqual([other.id]);
    expect((await environments.get('cust-a', 'env-2')).webhook_ids).toEqual([]);
    expect(docs.stores.webhooks.docs.get(id)).toMatchObject({ deleted_at: expect.any(Date), secrets: [], publish_pending: true, version: 2 });
    await expect(webhooks.get('cust-a', id)).rejects.toThrow(NotFoundError);
  });

  it('disables on the system’s decision once: a second call, a deleted webhook and one no longer due are left alone', async () => {
    const { webhooks, docs } = setUp();
    const { id } = await webhooks.create('cust-a', valid());
    const first = await webhooks.disableGone('cust-a', id, 'the receiver answered 410 Gone');
    expect(first).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone', version: 2 });
    expect(await webhooks.disableGone('cust-a', id, 'again')).toBeNull();
    expect(await webhooks.disableGone('cust-b', id, 'not theirs')).toBeNull();

    const due = await webhooks.create('cust-a', valid());
    expect(await webhooks.disableBySystem('cust-a', due.id, 'failing', () => false)).toBeNull();
    expect((await webhooks.get('cust-a', due.id)).enabled).toBe(true);
    await webhooks.remove('cust-a', due.id);
    expect(await webhooks.disableBySystem('cust-a', due.id, 'failing', () => true)).toBeNull();
    expect(docs.stores.webhooks.writes.filter((w) => w.update.$set.enabled === false)).toHaveLength(1);
  });

  it('retries an update another instance raced, and answers 409 when it keeps changing', async () => {
    const { webhooks, docs } = setUp();
    const { id } = await webhooks.create('cust-a', valid());
    const store = docs.stores.webhooks;
    const updateAt = store.updateAt.bind(store);
    let races = 1;
    store.updateAt = async (key, version, update) => {
      if (races-- > 0) store.bumpVersion(key);
      return updateAt(key, version, update);
    };
    expect(await webhooks.update('cust-a', id, { description: 'after one race' })).toMatchObject({ description: 'after one race', version: 3 });
    races = Infinity;
    await expect(webhooks.update('cust-a', id, { description: 'never' })).rejects.toThrow(ConflictError);
  });
});
