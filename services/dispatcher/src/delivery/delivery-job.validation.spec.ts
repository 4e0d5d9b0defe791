import type { DeliveryJob } from '@callhooks/contracts';
import { targetOrigin } from '@callhooks/contracts';
import { deliveryJobProblem } from './delivery-job.validation';

const job = (over: Partial<DeliveryJob> = {}): DeliveryJob => ({
  delivery_id: 'd1',
  webhook_id: 'w1',
  customer_id: 'c1',
  environment_id: null,
  event_id: 'e1',
  event: 'Call:Hangup',
  call_uuid: null,
  origin: 'EVENT',
  method: 'POST',
  url: 'https://crm.example.com/hook',
  body: '{}',
  headers: { 'x-api-key': 'abc' },
  attempt: 1,
  created_at: Date.now(),
  not_before: null,
  ...over,
});

describe('deliveryJobProblem', () => {
  it('accepts a well-formed job', () => {
    expect(deliveryJobProblem(job())).toBeNull();
    expect(deliveryJobProblem(job({ method: 'GET', body: null, url: 'http://crm.example.com:8080/h?x=1' }))).toBeNull();
  });

  it.each<[Partial<DeliveryJob>, string]>([
    [{ delivery_id: '' }, 'delivery_id is empty'],
    [{ url: 'not a url' }, 'not a valid URL'],
    [{ url: 'ftp://x.example.com/' }, 'http or https'],
    [{ body: null }, 'needs a body'],
    [{ attempt: 0 }, 'attempt must be at least 1'],
    [{ headers: { 'bad name': 'v' } }, 'not a valid HTTP token'],
    [{ headers: { 'x-a': 'v\r\nx-injected: 1' } }, 'line break'],
    [{ headers: { 'Webhook-Signature': 'v1,forged' } }, 'set by the dispatcher'],
    [{ webhook_id: 'w'.repeat(300) }, 'webhook_id is 300 characters long'],
    [{ url: 42 as unknown as string }, 'url is not a valid URL: "42"'],
    [{ method: 'PUT' as DeliveryJob['method'] }, 'method "PUT" is not one of GET, POST'],
    [{ created_at: Date.UTC(9999, 0, 1) }, 'created_at 9999-01-01T00:00:00.000Z is more than 3600000 ms in the future'],
    [{ not_before: -5 }, 'not_before -5 is not an epoch'],
    [{ headers: { 'x-a': 7 as unknown as string } }, 'header x-a has no text value'],
  ])('refuses %j', (over, reason) => {
    expect(deliveryJobProblem(job(over))).toContain(reason);
  });
});

describe('targetOrigin', () => {
  it('names scheme, host and port, with the default port made explicit', () => {
    expect(targetOrigin('https://CRM.example.com/a?b=1')).toBe('https://crm.example.com:443');
    expect(targetOrigin('http://crm.example.com/a')).toBe('http://crm.example.com:80');
    expect(targetOrigin('http://127.0.0.1:8080/a')).toBe('http://127.0.0.1:8080');
  });
});
