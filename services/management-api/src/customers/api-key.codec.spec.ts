import { apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key.codec';

describe('api key codec', () => {
  it('makes distinct well-formed keys whose hash and prefix match the key', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(isWellFormedApiKey(a.key)).toBe(true);
    expect(a.key.startsWith('chk_')).toBe(true);
    expect(a.prefix).toBe(a.key.slice(0, 12));
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.key.slice(4));
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
  });

  it('refuses strings that are not keys', () => {
    expect(isWellFormedApiKey('')).toBe(false);
    expect(isWellFormedApiKey('chk_short')).toBe(false);
    expect(isWellFormedApiKey(`xxx_${'a'.repeat(43)}`)).toBe(false);
    expect(isWellFormedApiKey(`chk_${'a'.repeat(42)}!`)).toBe(false);
  });
});
