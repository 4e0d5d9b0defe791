import { Webhook as StandardWebhook } from 'standardwebhooks';
import { currentSecret, generateSigningSecret, rotateSecrets } from './signing-secrets';

const HOUR = 3_600_000;

describe('signing secrets', () => {
  it('are Standard Webhooks secrets the reference library signs and verifies with', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const wh = new StandardWebhook(secret);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
    const signature = wh.sign('msg_1', new Date(), '{"a":1}');
    expect(() => wh.verify('{"a":1}', { ...headers, 'webhook-signature': signature })).not.toThrow();
  });

  it('rotation puts a new current secret first and keeps the previous one until the overlap ends', () => {
    const t0 = new Date('2024-12-02T00:00:00Z');
    const first = [{ secret: 'whsec_old', created_at: t0, expires_at: null }];
    const t1 = new Date(t0.getTime() + HOUR);
    const rotated = rotateSecrets(first, t1, 24 * HOUR, 'whsec_new');
    expect(rotated).toEqual([
      { secret: 'whsec_new', created_at: t1, expires_at: null },
      { secret: 'whsec_old', created_at: t0, expires_at: new Date(t1.getTime() + 24 * HOUR) },
    ]);
    expect(currentSecret(rotated)?.secret).toBe('whsec_new');

    // a second rotation soon after keeps the older expiry, and one after the overlap drops it
    const t2 = new Date(t1.getTime() + HOUR);
    const again = rotateSecrets(rotated, t2, 48 * HOUR, 'whsec_newer');
    expect(again.map((s) => [s.secret, s.expires_at?.toISOString() ?? null])).toEqual([
      ['whsec_newer', null],
      ['whsec_new', new Date(t2.getTime() + 48 * HOUR).toISOString()],
      ['whsec_old', new Date(t1.getTime() + 24 * HOUR).toISOString()],
    ]);
    const late = rotateSecrets(again, new Date(t1.getTime() + 25 * HOUR), 0, 'whsec_latest');
    expect(late.map((s) => s.secret)).toEqual(['whsec_latest']);
  });
});
