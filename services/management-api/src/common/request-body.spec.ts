import { forbiddenKeyPaths, jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_VALUES } from './request-body';

const raw = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);

describe('jsonShapeProblem (before JSON.parse)', () => {
  it('accepts the bodies the API takes', () => {
    expect(jsonShapeProblem(raw(JSON.stringify({ event: 'Call:Hangup', url: 'https://a.example.com/', headers: { 'X-A': 'b' } })))).toBeNull();
    expect(jsonShapeProblem(raw(JSON.stringify({ webhook_ids: Array.from({ length: 1000 }, (_, i) => `id-${i}`) })))).toBeNull();
    expect(jsonShapeProblem(raw(nested(MAX_JSON_DEPTH)))).toBeNull();
  });

  it('refuses nesting past the limit, however deep (200,000 levels: stops at the 17th bracket)', () => {
    expect(jsonShapeProblem(raw(nested(MAX_JSON_DEPTH + 1)))).toMatch(/deeper than 16 levels/);
    expect(jsonShapeProblem(raw(nested(200_000)))).toMatch(/deeper than 16 levels/);
    expect(jsonShapeProblem(raw(`{"a":${nested(10)},"b":{"c":${nested(16)}}}`))).toMatch(/deeper/);
  });

  it('refuses more values than the limit (many small arrays would cost tens of ms to parse)', () => {
    expect(jsonShapeProblem(raw(`[${'[1],'.repeat(MAX_JSON_VALUES)}[1]]`))).toMatch(/more than 5000 values/);
    expect(jsonShapeProblem(raw(`[${'1,'.repeat(MAX_JSON_VALUES)}1]`))).toMatch(/more than 5000 values/);
  });

  it('does not count brackets, commas or escaped quotes inside strings', () => {
    const template = JSON.stringify({ body: `{"a": ${nested(100)}, "q": "\\"[[[", "list": "${','.repeat(10_000)}"}` });
    expect(jsonShapeProblem(raw(template))).toBeNull();
    expect(jsonShapeProblem(raw('{"a":"\\\\"}'))).toBeNull();
  });

  it('leaves malformed JSON to the parser', () => {
    expect(jsonShapeProblem(raw(']]]{"a":'))).toBeNull();
  });
});

describe('forbiddenKeyPaths', () => {
  it('names every __proto__, constructor and prototype key with its path', () => {
    const body = JSON.parse('{"__proto__":{"x":1},"headers":{"constructor":"a","ok":"b"},"list":[{"prototype":1}],"fine":{"a":{"b":1}}}');
    expect(forbiddenKeyPaths(body)).toEqual(['__proto__', 'headers.constructor', 'list[0].prototype']);
    expect(forbiddenKeyPaths({ event: 'Call:Hangup' })).toEqual([]);
    expect(forbiddenKeyPaths(null)).toEqual([]);
  });
});
