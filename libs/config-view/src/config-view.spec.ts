import fc from 'fast-check';
import type { ConfigRecord } from '@callhooks/contracts';
import { ConfigView } from './config-view';

interface WebhookOptions {
  customer?: string;
  version?: number;
  enabled?: boolean;
  event?: string;
  deleted?: boolean;
  method?: 'GET' | 'POST';
}

function webhookRecord(id: string, o: WebhookOptions = {}): ConfigRecord {
  const deleted = o.deleted ?? false;
  return {
    entity_type: 'WEBHOOK',
    entity_id: id,
    customer_id: o.customer ?? 'c1',
    version: o.version ?? 1,
    deleted,
    published_at: 0,
    webhook: deleted
      ? null
      : {
          id,
          enabled: o.enabled ?? true,
          event: o.event ?? 'Call:Hangup',
          method: o.method ?? 'POST',
          url: `https://hooks.example.com/${id}`,
          body: null,
          headers: { 'x-id': id },
          secrets: [{ secret: `whsec_${id}`, expires_at: null }],
        },
    environment: null,
  };
}

function environmentRecord(id: string, webhookIds: string[], o: { customer?: string; version?: number; deleted?: boolean; timezone?: string } = {}): ConfigRecord {
  const deleted = o.deleted ?? false;
  return {
    entity_type: 'ENVIRONMENT',
    entity_id: id,
    customer_id: o.customer ?? 'c1',
    version: o.version ?? 1,
    deleted,
    published_at: 0,
    webhook: null,
    environment: deleted ? null : { id, name: `env ${id}`, timezone: o.timezone ?? 'Asia/Jerusalem', webhook_ids: webhookIds },
  };
}

function put(view: ConfigView, record: ConfigRecord) {
  const key = record.entity_type === 'WEBHOOK' ? `WEBHOOK:${record.entity_id}` : `ENVIRONMENT:${record.customer_id}:${record.entity_id}`;
  return view.apply(key, record);
}

const ids = (list: readonly { id: string }[]) => list.map((w) => w.id).sort();

describe('ConfigView', () => {
  it('answers which enabled webhooks of a customer listen to an event in an environment', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w-hangup'));
    put(view, webhookRecord('w-hangup-2'));
    put(view, webhookRecord('w-answer', { event: 'Call:Answer' }));
    put(view, webhookRecord('w-off', { enabled: false }));
    put(view, webhookRecord('w-elsewhere'));
    put(view, environmentRecord('prod', ['w-hangup', 'w-hangup-2', 'w-answer', 'w-off']));
    put(view, environmentRecord('dev', ['w-elsewhere']));

    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w-hangup', 'w-hangup-2']);
    expect(ids(view.subscribers('c1', 'prod', 'Call:Answer'))).toEqual(['w-answer']);
    expect(view.subscribers('c1', 'prod', 'Ivr:Start')).toEqual([]);
    expect(ids(view.subscribers('c1', 'dev', 'Call:Hangup'))).toEqual(['w-elsewhere']);
    expect(view.subscribers('c2', 'prod', 'Call:Hangup')).toEqual([]);
    expect(view.subscribers('c1', 'nowhere', 'Call:Hangup')).toEqual([]);
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')[0]).toMatchObject({
      customerId: 'c1',
      method: 'POST',
      url: 'https://hooks.example.com/w-hangup',
      headers: { 'x-id': 'w-hangup' },
      secrets: [{ secret: 'whsec_w-hangup', expires_at: null }],
    });
    expect(view.environment('c1', 'prod')).toMatchObject({ name: 'env prod', timezone: 'Asia/Jerusalem', version: 1 });
    expect(view.counts()).toEqual({ webhooks: 5, environments: 2 });
  });

  it('does not care whether the webhook or the environment arrives first', () => {
    const view = new ConfigView();
    put(view, environmentRecord('prod', ['w1']));
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    put(view, webhookRecord('w1'));
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w1']);
  });

  it('keeps the highest version per key: repeated and older records change nothing', () => {
    const view = new ConfigView();
    expect(put(view, webhookRecord('w1', { version: 3, event: 'Call:Answer' }))).toBe('applied');
    expect(put(view, webhookRecord('w1', { version: 2, event: 'Call:Hangup' }))).toBe('stale');
    expect(put(view, webhookRecord('w1', { version: 3, event: 'Call:Hangup' }))).toBe('stale');
    expect(view.webhook('w1')).toMatchObject({ version: 3, event: 'Call:Answer' });
    put(view, environmentRecord('prod', ['w1'], { version: 5 }));
    expect(put(view, environmentRecord('prod', [], { version: 4 }))).toBe('stale');
    expect(ids(view.subscribers('c1', 'prod', 'Call:Answer'))).toEqual(['w1']);
    expect(put(view, webhookRecord('w1', { version: 4, event: 'Call:Hangup' }))).toBe('applied');
    expect(view.subscribers('c1', 'prod', 'Call:Answer')).toEqual([]);
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w1']);
  });

  it('remembers a deletion with its version: an older record read late does not bring the webhook back', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w1', { version: 1 }));
    put(view, environmentRecord('prod', ['w1']));
    put(view, webhookRecord('w1', { version: 3, deleted: true }));
    expect(view.webhook('w1')).toBeUndefined();
    expect(view.isWebhookDeleted('w1')).toBe(true);
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    expect(put(view, webhookRecord('w1', { version: 2 }))).toBe('stale');
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    // re-created later (versions keep growing across a delete): back, and still subscribed
    expect(put(view, webhookRecord('w1', { version: 4 }))).toBe('applied');
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w1']);
    expect(view.isWebhookDeleted('w1')).toBe(false);
  });

  it('takes a deleted environment\'s subscriptions away, and a revived one brings its new list', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w1'));
    put(view, webhookRecord('w2'));
    put(view, environmentRecord('prod', ['w1'], { version: 1 }));
    put(view, environmentRecord('prod', [], { version: 2, deleted: true }));
    expect(view.environment('c1', 'prod')).toBeUndefined();
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    put(view, environmentRecord('prod', ['w2'], { version: 3 }));
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w2']);
  });

  it('follows disable, enable, unsubscribe and re-subscribe', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w1', { version: 1 }));
    put(view, environmentRecord('prod', ['w1'], { version: 1 }));
    put(view, webhookRecord('w1', { version: 2, enabled: false }));
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    expect(view.webhook('w1')?.enabled).toBe(false); // the dispatcher still sees it, disabled
    put(view, webhookRecord('w1', { version: 3, enabled: true }));
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w1']);
    put(view, environmentRecord('prod', [], { version: 2 }));
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    put(view, environmentRecord('prod', ['w1', 'w1'], { version: 3 }));
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w1']);
    expect(view.environment('c1', 'prod')?.webhookIds).toEqual(['w1']);
  });

  it('never lets an environment subscribe another customer\'s webhook', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w-of-c2', { customer: 'c2' }));
    put(view, environmentRecord('prod', ['w-of-c2'], { customer: 'c1' }));
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    expect(view.subscribers('c2', 'prod', 'Call:Hangup')).toEqual([]);
    // the same environment id under c2 is another environment
    put(view, environmentRecord('prod', ['w-of-c2'], { customer: 'c2' }));
    expect(ids(view.subscribers('c2', 'prod', 'Call:Hangup'))).toEqual(['w-of-c2']);
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toEqual([]);
    expect(view.environment('c1', 'prod')?.customerId).toBe('c1');
    expect(view.environment('c2', 'prod')?.customerId).toBe('c2');
  });

  it('keeps ids with separators apart', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w1', { customer: 'a|b' }));
    put(view, environmentRecord('c', ['w1'], { customer: 'a|b' }));
    expect(ids(view.subscribers('a|b', 'c', 'Call:Hangup'))).toEqual(['w1']);
    expect(view.subscribers('a', 'b|c', 'Call:Hangup')).toEqual([]);
  });

  it('applies Kafka tombstones by key, forgetting the entity', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w1', { version: 7 }));
    put(view, environmentRecord('env:with:colons', ['w1']));
    expect(ids(view.subscribers('c1', 'env:with:colons', 'Call:Hangup'))).toEqual(['w1']);
    expect(view.apply('ENVIRONMENT:c1:env:with:colons', null)).toBe('applied');
    expect(view.environment('c1', 'env:with:colons')).toBeUndefined();
    expect(view.subscribers('c1', 'env:with:colons', 'Call:Hangup')).toEqual([]);
    expect(view.apply('WEBHOOK:w1', null)).toBe('applied');
    expect(view.webhook('w1')).toBeUndefined();
    expect(view.isWebhookDeleted('w1')).toBe(false);
    expect(view.apply('WEBHOOK:never-seen', null)).toBe('stale');
    expect(view.apply('SOMETHING:else', null)).toBe('ignored');
    expect(put(view, { ...webhookRecord('w2'), entity_id: '' })).toBe('ignored');
  });

  it('returns the same frozen list until something changes', () => {
    const view = new ConfigView();
    put(view, webhookRecord('w1'));
    put(view, environmentRecord('prod', ['w1']));
    const first = view.subscribers('c1', 'prod', 'Call:Hangup');
    expect(view.subscribers('c1', 'prod', 'Call:Hangup')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    put(view, webhookRecord('w2'));
    put(view, environmentRecord('prod', ['w1', 'w2'], { version: 2 }));
    expect(ids(view.subscribers('c1', 'prod', 'Call:Hangup'))).toEqual(['w1', 'w2']);
    expect(ids(first)).toEqual(['w1']);
  });

  it('a random history read in any order (versions decide) gives the same view as the history in order', () => {
    // each entity gets a history of versions 1..n; the view must end as if only each entity's last version was applied
    const webhookState = fc.record({ enabled: fc.boolean(), event: fc.constantFrom('Call:Hangup', 'Call:Answer'), deleted: fc.boolean(), customer: fc.constantFrom('c1', 'c2') });
    const envState = fc.record({ webhookIds: fc.subarray(['w0', 'w1', 'w2', 'w3']), deleted: fc.boolean() });
    const history = fc.record({
      webhooks: fc.array(fc.array(webhookState, { minLength: 1, maxLength: 4 }), { minLength: 4, maxLength: 4 }),
      envs: fc.array(fc.array(envState, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 2 }),
      // an environment belongs to one customer (its key holds the customer id)
      envCustomers: fc.tuple(fc.constantFrom('c1', 'c2'), fc.constantFrom('c1', 'c2')),
    });
    fc.assert(
      fc.property(history, fc.infiniteStream(fc.nat()), ({ webhooks, envs, envCustomers }, randomness) => {
        const records: ConfigRecord[] = [];
        webhooks.forEach((states, i) => states.forEach((s, v) => records.push(webhookRecord(`w${i}`, { ...s, version: v + 1 }))));
        envs.forEach((states, i) => states.forEach((s, v) => records.push(environmentRecord(`e${i}`, s.webhookIds, { ...s, customer: envCustomers[i], version: v + 1 }))));
        const shuffled = [...records];
        const rand = randomness[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rand.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const latest = new ConfigView();
        webhooks.forEach((states, i) => put(latest, webhookRecord(`w${i}`, { ...states[states.length - 1], version: states.length })));
        envs.forEach((states, i) => {
          const s = states[states.length - 1];
          put(latest, environmentRecord(`e${i}`, s.webhookIds, { ...s, customer: envCustomers[i], version: states.length }));
        });
        const shuffledView = new ConfigView();
        for (const r of shuffled) put(shuffledView, r);
        // and the model, straight from the definition
        for (const customer of ['c1', 'c2']) {
          for (const env of ['e0', 'e1']) {
            for (const event of ['Call:Hangup', 'Call:Answer']) {
              const envHistory = envs[Number(env[1])];
              const e = envHistory[envHistory.length - 1];
              const expected =
                e.deleted || envCustomers[Number(env[1])] !== customer
                  ? []
                  : e.webhookIds.filter((id) => {
                      const states = webhooks[Number(id[1])];
                      const w = states[states.length - 1];
                      return !w.deleted && w.enabled && w.event === event && w.customer === customer;
                    });
              expect(ids(shuffledView.subscribers(customer, env, event))).toEqual([...expected].sort());
              expect(ids(latest.subscribers(customer, env, event))).toEqual([...expected].sort());
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
