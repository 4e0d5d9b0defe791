import { postgresJson, postgresText, postgresTextFields } from './postgres-text';

describe('postgresText', () => {
  it('replaces U+0000 in strings and in (nested) arrays of strings, and keeps everything else', () => {
    expect(postgresText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(postgresText(['ok', ['x\u0000'], null, 3])).toEqual(['ok', ['x\uFFFD'], null, 3]);
    const clean = ['a', 'b'];
    expect(postgresText(clean)).toBe(clean);
    expect(postgresText(7)).toBe(7);
    expect(postgresText(null)).toBeNull();
  });

  it('replaces a lone surrogate (rows sent as JSON would carry it as an escape PostgreSQL refuses) and keeps a pair', () => {
    expect(postgresText('a\uD800b\uDC00')).toBe('a\uFFFDb\uFFFD');
    expect(postgresText('emoji \uD83D\uDE00')).toBe('emoji \uD83D\uDE00');
    expect(postgresTextFields({ body: 'x\uDFFF', n: 1 })).toEqual({ body: 'x\uFFFD', n: 1 });
  });

  it('copies a record only when one of its strings holds U+0000', () => {
    const clean = { a: 'x', n: 1 };
    expect(postgresTextFields(clean)).toBe(clean);
    const dirty = { a: 'x', body: 'HTTP/1.1 \u0000 junk', n: 1 };
    expect(postgresTextFields(dirty)).toEqual({ a: 'x', body: 'HTTP/1.1 \uFFFD junk', n: 1 });
    expect(dirty.body).toContain('\u0000');
  });

  it('writes JSON whose strings, however deep, hold no U+0000 or lone surrogate', () => {
    expect(JSON.parse(postgresJson([{ error: 'a\u0000', at: new Date(0), n: [1, 'x\uD800'] }]))).toEqual([{ error: 'a\uFFFD', at: '1970-01-01T00:00:00.000Z', n: [1, 'x\uFFFD'] }]);
  });
});
