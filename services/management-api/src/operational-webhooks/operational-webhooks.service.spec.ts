import { NotFoundError, ValidationError } from '@callhooks/contracts';
import type { ManagementApiConfig } from '../config/management-api.config';
import { inMemoryPublishedDocuments } from '../config-publishing/published-documents.fake';
import { OperationalWebhooksService } from './operational-webhooks.service';

function setUp() {
  const docs = inMemoryPublishedDocuments();
  const config = { webhooks: { allowPrivateTargets: false, secretRotationOverlapMs: 0 } } as ManagementApiConfig;
  return { docs, operational: new OperationalWebhooksService(docs.operational, config) };
}

describe('OperationalWebhooksService (over PublishedDocuments in memory)', () => {
  it('creates with a secret, published as an OPERATIONAL_WEBHOOK, and refuses a private URL writing nothing', async () => {
    const { operational, docs } = setUp();
    const created = await operational.create('cust-a', { url: 'https://ops.example.com/notices', notice_types: ['webhook.disabled'] });
    expect(created).toMatchObject({ url: 'https://ops.example.com/notices', notice_types: ['webhook.disabled'], enabled: true, description: null, version: 1 });
    expect(docs.published).toEqual([{ type: 'OPERATIONAL_WEBHOOK', id: created.id }]);
    expect((await operational.secret('cust-a', created.id)).secret).toMatch(/^whsec_/);
    await expect(operational.create('cust-a', { url: 'http://10.0.0.1/notices' })).rejects.toThrow(ValidationError);
    expect(docs.stores.operational.docs.size).toBe(1);
  });

  it('updates only what is given, and 404s another customer', async () => {
    const { operational } = setUp();
    const { id } = await operational.create('cust-a', { url: 'https://ops.example.com/notices', description: 'on-call' });
    expect(await operational.update('cust-a', id, { enabled: false })).toMatchObject({ enabled: false, description: 'on-call', version: 2 });
    await expect(operational.update('cust-b', id, { enabled: true })).rejects.toThrow(NotFoundError);
    await expect(operational.get('cust-b', id)).rejects.toThrow(NotFoundError);
  });

  it('sends each notice type to the enabled receivers that take it (no types: every type)', async () => {
    const { operational } = setUp();
    const all = await operational.create('cust-a', { url: 'https://ops.example.com/all' });
    const disabledOnly = await operational.create('cust-a', { url: 'https://ops.example.com/disabled', notice_types: ['webhook.disabled'] });
    const off = await operational.create('cust-a', { url: 'https://ops.example.com/off', enabled: false });
    await operational.create('cust-b', { url: 'https://ops.example.com/other-customer' });
    const ids = async (type: Parameters<OperationalWebhooksService['receiversOf']>[1]) => (await operational.receiversOf('cust-a', type)).map((o) => o._id).sort();
    expect(await ids('webhook.disabled')).toEqual([all.id, disabledOnly.id].sort());
    expect(await ids('webhook.failing')).toEqual([all.id]);
    expect(await ids('webhook.failing')).not.toContain(off.id);
  });

  it('a deleted one is gone from the API and the receivers, but still known as operational (its own deliveries get no notices)', async () => {
    const { operational, docs } = setUp();
    const { id } = await operational.create('cust-a', { url: 'https://ops.example.com/notices' });
    await operational.remove('cust-a', id);
    await expect(operational.get('cust-a', id)).rejects.toThrow(NotFoundError);
    expect(await operational.receiversOf('cust-a', 'webhook.disabled')).toEqual([]);
    expect(await operational.isOperational('cust-a', id)).toBe(true);
    expect(await operational.isOperational('cust-b', id)).toBe(false);
    expect(docs.stores.operational.docs.get(id)).toMatchObject({ secrets: [], publish_pending: true, version: 2 });
  });
});
