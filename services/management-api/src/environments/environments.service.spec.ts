import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, type DomainError } from '@callhooks/contracts';
import { inMemoryPublishedDocuments } from '../config-publishing/published-documents.fake';
import { MAX_SUBSCRIPTIONS } from './dto/environment.dto';
import { EnvironmentsService } from './environments.service';

function setUp() {
  const docs = inMemoryPublishedDocuments();
  const environments = new EnvironmentsService(docs.environments, docs.webhooks);
  /** A live webhook of the customer, stored as the webhooks service would. */
  const webhook = async (customerId: string) =>
    (
      await docs.webhooks.create(customerId, randomUUID(), {
        enabled: true,
        event: 'Call:Hangup',
        method: 'POST',
        url: 'https://crm.example.com/hooks',
        body: null,
        headers: [],
        description: null,
        rate_limit: null,
        disabled_reason: null,
        disabled_at: null,
        enabled_at: new Date(),
        secrets: [],
      })
    )._id;
  return { docs, environments, webhook };
}

async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: DomainError) => err,
  );
}

describe('EnvironmentsService (over PublishedDocuments in memory)', () => {
  it('puts: creates, leaves an unchanged environment alone, updates a changed one, with the time zone made canonical', async () => {
    const { environments, docs } = setUp();
    expect(await environments.put('cust-a', 'env-1', { name: 'Prod', timezone: 'europe/london' })).toMatchObject({ created: true, environment: { id: 'env-1', timezone: 'Europe/London', version: 1 } });
    expect(await environments.put('cust-a', 'env-1', { name: 'Prod', timezone: 'Europe/London' })).toMatchObject({ created: false, environment: { version: 1 } });
    expect(await environments.put('cust-a', 'env-1', { name: 'Production', timezone: 'Europe/London' })).toMatchObject({ created: false, environment: { name: 'Production', version: 2 } });
    expect(docs.published).toEqual([
      { type: 'ENVIRONMENT', id: 'cust-a:env-1' },
      { type: 'ENVIRONMENT', id: 'cust-a:env-1' },
    ]);
  });

  it('refuses a bad id and a bad time zone in one error, writing nothing', async () => {
    const { environments, docs } = setUp();
    const error = await errorOf(environments.put('cust-a', 'env:1', { name: 'x', timezone: 'Mars/Olympus' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields.map((f) => f.field)).toEqual(['id', 'timezone']);
    expect(docs.stores.environments.docs.size).toBe(0);
  });

  it('keeps customers apart: the same platform id is two environments, and one customer cannot see the other’s', async () => {
    const { environments } = setUp();
    await environments.put('cust-a', 'env-1', { name: 'A', timezone: 'UTC' });
    await environments.put('cust-b', 'env-1', { name: 'B', timezone: 'UTC' });
    expect((await environments.get('cust-a', 'env-1')).name).toBe('A');
    expect((await environments.get('cust-b', 'env-1')).name).toBe('B');
    await environments.remove('cust-b', 'env-1');
    expect((await environments.get('cust-a', 'env-1')).name).toBe('A');
    await expect(environments.get('cust-b', 'env-1')).rejects.toThrow(NotFoundError);
    expect((await environments.list('cust-a', {})).data.map((e) => e.name)).toEqual(['A']);
  });

  it('subscribes only the customer’s own live webhooks, naming every other id', async () => {
    const { environments, webhook } = setUp();
    const own = await webhook('cust-a');
    const theirs = await webhook('cust-b');
    await environments.put('cust-a', 'env-1', { name: 'A', timezone: 'UTC' });
    const error = await errorOf(environments.replaceSubscriptions('cust-a', 'env-1', [own, theirs, 'nope']));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.details.fields).toEqual([
      { field: 'webhook_ids[1]', message: `no webhook ${theirs}` },
      { field: 'webhook_ids[2]', message: 'no webhook nope' },
    ]);
    expect((await environments.get('cust-a', 'env-1')).webhook_ids).toEqual([]);
    await expect(environments.subscribe('cust-a', 'env-1', theirs)).rejects.toThrow(NotFoundError);
  });

  it('subscribes once, lists in subscription order, unsubscribes, and 404s an id not subscribed', async () => {
    const { environments, webhook } = setUp();
    const [w1, w2] = [await webhook('cust-a'), await webhook('cust-a')];
    await environments.put('cust-a', 'env-1', { name: 'A', timezone: 'UTC' });
    expect((await environments.subscribe('cust-a', 'env-1', w2)).added).toBe(true);
    expect((await environments.subscribe('cust-a', 'env-1', w1)).added).toBe(true);
    const again = await environments.subscribe('cust-a', 'env-1', w2);
    expect(again.added).toBe(false);
    expect(again.subscriptions.data.map((w) => w.id)).toEqual([w2, w1]);
    expect((await environments.get('cust-a', 'env-1')).version).toBe(3);
    await environments.unsubscribe('cust-a', 'env-1', w2);
    expect((await environments.subscriptions('cust-a', 'env-1')).data.map((w) => w.id)).toEqual([w1]);
    await expect(environments.unsubscribe('cust-a', 'env-1', w2)).rejects.toThrow(NotFoundError);
  });

  it('holds at most MAX_SUBSCRIPTIONS webhooks', async () => {
    const { environments, webhook, docs } = setUp();
    await environments.put('cust-a', 'env-1', { name: 'A', timezone: 'UTC' });
    const full = Array.from({ length: MAX_SUBSCRIPTIONS }, () => randomUUID());
    await docs.environments.change('cust-a', 'env-1', () => ({ $set: { webhook_ids: full } }));
    const error = await errorOf(environments.subscribe('cust-a', 'env-1', await webhook('cust-a')));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields.map((f) => f.field)).toEqual(['webhook_id']);
  });

  it('brings a deleted environment back without its subscriptions, its version going on', async () => {
    const { environments, webhook } = setUp();
    await environments.put('cust-a', 'env-1', { name: 'A', timezone: 'UTC' });
    await environments.subscribe('cust-a', 'env-1', await webhook('cust-a'));
    await environments.remove('cust-a', 'env-1');
    const back = await environments.put('cust-a', 'env-1', { name: 'A', timezone: 'UTC' });
    expect(back).toMatchObject({ created: true, environment: { webhook_ids: [], version: 4 } });
  });
});
