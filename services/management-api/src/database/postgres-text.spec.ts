import { postgresText, postgresTextFields } from './postgres-text';

describe('postgresText', () => {
  it('replaces U+0000 in strings and in (nested) arrays of strings, and keeps everything else', () => {
    expect(postgresText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(postgresText(['ok', ['x\u0000'], null, 3])).toEqual(['ok', ['x\uFFFD'], null, 3]);
    const clean = ['a', 'b'];
    expect(postgresText(clean)).toBe(clean);
    expect(postgresText(7)).toBe(7);
    expect(postgresText(null)).toBeNull();
  });

  it('copies a record only when one of its strings holds U+0000', () => {
    const clean = { a: 'x', n: 1 };
    expect(postgresTextFields(clean)).toBe(clean);
    const dirty = { a: 'x', body: 'HTTP/1.1 \u0000 junk', n: 1 };
    expect(postgresTextFields(dirty)).toEqual({ a: 'x', body: 'HTTP/1.1 \uFFFD junk', n: 1 });
    expect(dirty.body).toContain('\u0000');
  });
});
