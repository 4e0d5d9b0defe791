import { DEFAULT_CONTRACT_BOUNDS, type ConfigRecord } from '@callhooks/contracts';
import { configRecordViolation } from './config-record.contract';

const webhook = (over: Partial<ConfigRecord> = {}): ConfigRecord => ({
  entity_type: 'WEBHOOK',
  entity_id: 'w1',
  customer_id: 'c1',
  version: 3,
  deleted: false,
  published_at: Date.now(),
  webhook: { id: 'w1', enabled: true, event: 'Call:Hangup', method: 'POST', url: 'https://crm.example.com/h', body: null, headers: {}, secrets: [{ secret: 'whsec_x', expires_at: null }] },
  environment: null,
  ...over,
});
const environment = (over: Partial<ConfigRecord> = {}): ConfigRecord => ({
  entity_type: 'ENVIRONMENT',
  entity_id: 'prod',
  customer_id: 'c1',
  version: 1,
  deleted: false,
  published_at: Date.now(),
  webhook: null,
  environment: { id: 'prod', name: 'Production', timezone: 'UTC', webhook_ids: ['w1'] },
  ...over,
});
const check = (r: ConfigRecord, key?: string) => configRecordViolation(r, key ?? (r.entity_type === 'WEBHOOK' ? `WEBHOOK:${r.entity_id}` : `ENVIRONMENT:${r.customer_id}:${r.entity_id}`), DEFAULT_CONTRACT_BOUNDS);

describe('configRecordViolation', () => {
  it('accepts webhooks, environments and deletions under their keys, however old', () => {
    expect(check(webhook())).toBeNull();
    expect(check(environment())).toBeNull();
    expect(check(webhook({ deleted: true, webhook: null }))).toBeNull();
    expect(check(webhook({ published_at: Date.UTC(2001, 0, 1) }))).toBeNull();
  });

  it.each<[string, ConfigRecord, string]>([
    ['a live webhook without content (applying it would delete the webhook)', webhook({ webhook: null }), 'has no webhook'],
    ['a live environment without content', environment({ environment: null }), 'has no environment'],
    ['an empty entity id', webhook({ entity_id: '' }), 'entity_id is empty'],
    ['an unknown entity type', webhook({ entity_type: 'ROUTE' as ConfigRecord['entity_type'] }), 'entity_type "ROUTE" is not one of WEBHOOK, ENVIRONMENT'],
    ['a negative version', webhook({ version: -1 }), 'version -1'],
    ['a year-9999 publication', webhook({ published_at: Date.UTC(9999, 0, 1) }), 'in the future'],
    ['content of another webhook', webhook({ webhook: { ...webhook().webhook!, id: 'w2' } }), 'webhook.id "w2" is not the entity_id'],
    ['a URL that is not http(s)', webhook({ webhook: { ...webhook().webhook!, url: 'file:///etc/passwd' } }), 'is not an http(s) URL'],
    ['an unknown method', webhook({ webhook: { ...webhook().webhook!, method: 'PUT' as 'GET' } }), 'webhook.method "PUT" is not one of GET, POST'],
    ['a non-string secret', webhook({ webhook: { ...webhook().webhook!, secrets: [{ secret: 5 as unknown as string, expires_at: null }] } }), 'empty secret'],
    ['a bad subscribed id', environment({ environment: { ...environment().environment!, webhook_ids: [''] } }), 'environment.webhook_ids[] is empty'],
  ])('refuses %s', (_label, record, reason) => {
    expect(check(record)).toContain(reason);
  });

  it('refuses a record under another key, and never throws on a value that is not a record', () => {
    expect(check(webhook(), 'WEBHOOK:w9')).toBe('record key "WEBHOOK:w9" is not "WEBHOOK:w1"');
    expect(check(environment(), 'ENVIRONMENT:prod')).toContain('is not "ENVIRONMENT:c1:prod"');
    expect(configRecordViolation(null as unknown as ConfigRecord, 'k', DEFAULT_CONTRACT_BOUNDS)).toBe('the record is not an object');
  });
});
