import { postgresJson, postgresText } from './postgres-text';

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
  });

  it('writes JSON whose strings, however deep, hold no U+0000 or lone surrogate, and keeps every other string as it is', () => {
    expect(JSON.parse(postgresJson([{ error: 'a\u0000', at: new Date(0), n: [1, 'x\uD800'] }]))).toEqual([{ error: 'a\uFFFD', at: '1970-01-01T00:00:00.000Z', n: [1, 'x\uFFFD'] }]);
    expect(JSON.parse(postgresJson({ body: 'y\uDFFF', n: 1 }))).toEqual({ body: 'y\uFFFD', n: 1 });
    // a backslash before "u0000" looks like the escape in JSON: still kept as it was
    const lookalikes = { path: 'C:\\u0000\\ud800', emoji: '\uD83D\uDE00', quote: 'say "hi"' };
    expect(JSON.parse(postgresJson(lookalikes))).toEqual(lookalikes);
    expect(postgresJson({ a: 'plain', n: [1, 2] })).toBe('{"a":"plain","n":[1,2]}');
  });
});
