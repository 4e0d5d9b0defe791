import { LISTED_DATES, listedWebhook, listRow } from './webhook-list';
import { WebhookSchema, type Webhook } from './webhook.schema';

const stored: Webhook = {
  _id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  customer_id: 'cust-a',
  version: 4,
  published_version: 3,
  publish_pending: true,
  deleted_at: null,
  enabled: false,
  event: 'Call:Hangup',
  method: 'POST',
  url: 'https://CRM.example.com/Hooks',
  body: '{"call": "{{uuid}}", "when": "2026-12-05T12:00:00.000Z"}',
  headers: [{ name: 'X-Tenant', value: 'acme' }],
  description: '2026-12-05T12:00:00.000Z',
  rate_limit: 2.5,
  disabled_reason: 'gone',
  disabled_at: new Date('2026-12-05T11:00:00.001Z'),
  enabled_at: new Date('2026-12-01T00:00:00.000Z'),
  secrets: [{ secret: 'whsec_c2VjcmV0', created_at: new Date(), expires_at: null }],
  created_at: new Date('2026-11-30T23:59:59.999Z'),
  updated_at: new Date('2026-12-05T11:00:00.001Z'),
};

describe('the webhook list rows', () => {
  it('turns every Date field of the schema (secrets aside) back into a Date', () => {
    const datePaths: string[] = [];
    WebhookSchema.eachPath((path, type) => {
      if (type.instance === 'Date' && !path.includes('.')) datePaths.push(path);
    });
    expect([...LISTED_DATES].sort()).toEqual(datePaths.sort());
  });

  it('gives back the stored webhook without its signing secrets, dates as Dates and date-like text as text', () => {
    const row = listRow(stored);
    const { secrets: _secrets, ...listed } = stored;
    const back = listedWebhook(row.document);
    expect(back).toEqual(listed);
    expect(back.description).toBe('2026-12-05T12:00:00.000Z');
    expect(row.document).not.toContain('whsec_');
    expect(row).toEqual({
      id: stored._id,
      customer_id: 'cust-a',
      version: 4,
      live: true,
      created_at: stored.created_at.getTime(),
      enabled: false,
      event: 'Call:Hangup',
      url: stored.url,
      url_folded: 'https://crm.example.com/hooks',
      document: row.document,
    });
  });

  it('marks a deleted webhook as not live', () => {
    expect(listRow({ ...stored, deleted_at: new Date() }).live).toBe(false);
  });
});
