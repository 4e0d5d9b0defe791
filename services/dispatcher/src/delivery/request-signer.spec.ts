import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signatureHeaders, signedContent, validSecrets } from './request-signer';

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('Standard Webhooks signing', () => {
  it('produces headers that the standardwebhooks package verifies', () => {
    const s = secret();
    const body = JSON.stringify({ uuid: 'c1', cause: 'answer' });
    const headers = signatureHeaders('dlv_1', new Date(), body, [s]);
    expect(headers['webhook-id']).toBe('dlv_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(s).verify(body, headers)).toEqual({ uuid: 'c1', cause: 'answer' });
  });

  it('signs with every secret during a rotation, each verifying on its own', () => {
    const [newer, older] = [secret(), secret()];
    const headers = signatureHeaders('dlv_2', new Date(), '{}', [newer, older]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(newer).verify('{}', headers)).not.toThrow();
    expect(() => new Webhook(older).verify('{}', headers)).not.toThrow();
    expect(() => new Webhook(secret()).verify('{}', headers)).toThrow();
  });

  it('fails verification when the body or the id changes', () => {
    const s = secret();
    const headers = signatureHeaders('dlv_3', new Date(), '{"a":1}', [s]);
    expect(() => new Webhook(s).verify('{"a":2}', headers)).toThrow();
    expect(() => new Webhook(s).verify('{"a":1}', { ...headers, 'webhook-id': 'other' })).toThrow();
  });

  it('signs the request target (path and query) of a GET', () => {
    const s = secret();
    const content = signedContent('GET', 'https://crm.example.com/hook?uuid=c1&cause=answer', null);
    expect(content).toBe('/hook?uuid=c1&cause=answer');
    const headers = signatureHeaders('dlv_4', new Date(), content, [s]);
    expect(() => new Webhook(s).verify(content, headers, { jsonParse: false })).not.toThrow();
    expect(() => new Webhook(s).verify('/hook?uuid=c2&cause=answer', headers, { jsonParse: false })).toThrow();
  });

  it('keeps only secrets whose rotation grace has not ended, newest first', () => {
    const now = Date.now();
    expect(
      validSecrets(
        [
          { secret: 'new', expires_at: null },
          { secret: 'rotated', expires_at: now + 60_000 },
          { secret: 'expired', expires_at: now - 1 },
        ],
        now,
      ),
    ).toEqual(['new', 'rotated']);
  });
});
