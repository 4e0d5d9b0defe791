import { uuidV5 } from '@callhooks/contracts';
import { deliveryId, targetOrigin } from './delivery-id';

describe('deliveryId', () => {
  it('is a version-5 UUID, the same for the same webhook and event', () => {
    const id = deliveryId('w1', 'e1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliveryId('w1', 'e1')).toBe(id);
    expect(deliveryId('w2', 'e1')).not.toBe(id);
    expect(deliveryId('w1', 'e2')).not.toBe(id);
  });

  it('is pinned: changing it would make receivers see repeats as new deliveries', () => {
    expect(deliveryId('w1', 'e1')).toMatchInlineSnapshot(`"719c7c45-92cc-5dc4-916c-e5a817c0c0b1"`);
  });

  it('follows RFC 4122 (the DNS namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('targetOrigin', () => {
  it('is scheme://host:port in lower case with the default port written out', () => {
    expect(targetOrigin('https://Hooks.Example.COM/a?b=c')).toBe('https://hooks.example.com:443');
    expect(targetOrigin('http://example.com/x')).toBe('http://example.com:80');
    expect(targetOrigin('HTTP://example.com:8080/x')).toBe('http://example.com:8080');
    expect(targetOrigin('https://example.com:443/')).toBe('https://example.com:443');
    expect(targetOrigin('http://user:pw@[::1]:3000/')).toBe('http://[::1]:3000');
  });

  it('throws on something that is not a URL', () => {
    expect(() => targetOrigin('not a url')).toThrow();
  });
});
