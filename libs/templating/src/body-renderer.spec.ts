import { FIELD_NAMES, samplePayload, type CallPayload } from '@callhooks/contracts';
import { compileTemplate } from './body-template';
import { appendQuery, fieldValue, renderBody, renderJson, renderQuery, renderRequest } from './body-renderer';

function payload(overrides: Partial<CallPayload> = {}): CallPayload {
  return { ...samplePayload(), ...overrides };
}

describe('renderBody / renderJson', () => {
  it('substitutes typed values for exact placeholders and text inside longer strings', () => {
    const template = compileTemplate(
      '{"call": {"id": "{{uuid}}", "secs": "{{duration}}", "who": "{{contact_number}}"}, "summary": "{{direction}} call, {{duration}}s, to {{contact_number}}.", "tags": ["{{cause}}", 7, false, null]}',
    );
    const rendered = renderBody(template, payload({ uuid: 'c-1', duration: 61, contact_number: null, direction: 'incoming', cause: 'answer' }));
    expect(JSON.parse(JSON.stringify(rendered))).toEqual({
      call: { id: 'c-1', secs: 61, who: null },
      summary: 'incoming call, 61s, to .',
      tags: ['answer', 7, false, null],
    });
    expect(renderJson(template, payload({ uuid: 'c-1', duration: 0, contact_number: '050"1' }))).toBe(
      '{"call":{"id":"c-1","secs":0,"who":"050\\"1"},"summary":"incoming call, 0s, to 050\\"1.","tags":["answer",7,false,null]}',
    );
  });

  it('sends the full payload, every catalog field in catalog order, without a template', () => {
    const values = payload({ duration: 5, recording_url: null });
    const rendered = renderBody(null, values) as Record<string, unknown>;
    expect(Object.keys(rendered)).toEqual([...FIELD_NAMES]);
    expect(JSON.parse(renderJson(null, values))).toEqual(values);
  });

  it('renders fields missing from the payload, or of a non-JSON kind, as null', () => {
    const template = compileTemplate('{"a": "{{duration}}", "b": "x{{cause}}y"}');
    expect(JSON.parse(renderJson(template, { uuid: 'u' }))).toEqual({ a: null, b: 'xy' });
    expect(fieldValue({ duration: Number.NaN }, 'duration')).toBeNull();
    expect(fieldValue({ duration: { toString: () => 'boom' } }, 'duration')).toBeNull();
    expect(fieldValue({ duration: 12n }, 'duration')).toBe(12);
    expect(fieldValue({ duration: 2n ** 70n }, 'duration')).toBe('1180591620717411303424');
    // only own properties: an inherited value is not a field
    expect(fieldValue(Object.create({ cause: 'inherited' }) as Record<string, unknown>, 'cause')).toBeNull();
  });

  it('keeps the template order of properties in JSON text, integer-like keys included', () => {
    const template = compileTemplate('{"b": 1, "10": "{{cause}}", "a": {"2": true, "1": false}}');
    expect(renderJson(template, payload({ cause: 'busy' }))).toBe('{"b":1,"10":"busy","a":{"2":true,"1":false}}');
  });

  it('renders code-looking text verbatim: there is nothing to evaluate', () => {
    const text = '{"a": "${process.exit(1)}", "b": "`rm -rf /`", "c": "{{ uuid }} + constructor.constructor(\'return this\')()"}';
    expect(JSON.parse(renderJson(compileTemplate(text), payload({ uuid: 'u' })))).toEqual({
      a: '${process.exit(1)}',
      b: '`rm -rf /`',
      c: "u + constructor.constructor('return this')()",
    });
  });

  it('returns a fresh value each time: changing one rendering does not change the template', () => {
    const template = compileTemplate('{"a": {"b": [1]}}');
    const first = renderBody(template, payload()) as { a: { b: number[] } };
    first.a.b.push(2);
    expect(JSON.parse(renderJson(template, payload()))).toEqual({ a: { b: [1] } });
  });

  it('keeps "__proto__", "constructor" and "prototype" keys as plain data, polluting nothing', () => {
    const template = compileTemplate('{"__proto__": {"polluted": "{{cause}}"}, "constructor": {"prototype": {"polluted": 1}}, "x": {"__proto__": null}}');
    const rendered = renderBody(template, payload({ cause: 'busy' })) as Record<string, unknown>;
    expect(Object.keys(rendered)).toEqual(['__proto__', 'constructor', 'x']);
    expect(Object.getPrototypeOf(rendered)).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(renderJson(template, payload({ cause: 'busy' }))).toBe(
      '{"__proto__":{"polluted":"busy"},"constructor":{"prototype":{"polluted":1}},"x":{"__proto__":null}}',
    );
    // and what a receiver parses back is the same data
    const parsed = JSON.parse(renderJson(template, payload({ cause: 'busy' })));
    expect(Object.getOwnPropertyNames(parsed)).toEqual(['__proto__', 'constructor', 'x']);
  });
});

describe('renderQuery / renderRequest (GET)', () => {
  it('turns top-level properties into query parameters: null empty, nested JSON, scalars as text', () => {
    const template = compileTemplate('{"id": "{{uuid}}", "secs": "{{duration}}", "who": "{{contact_number}}", "ok": true, "meta": {"c": "{{cause}}"}, "list": [1, "{{cause}}"], "text": "a&b={{cause}}"}');
    const params = renderQuery(template, payload({ uuid: 'c 1', duration: 9, contact_number: null, cause: 'no_answer' }));
    expect([...params]).toEqual([
      ['id', 'c 1'],
      ['secs', '9'],
      ['who', ''],
      ['ok', 'true'],
      ['meta', '{"c":"no_answer"}'],
      ['list', '[1,"no_answer"]'],
      ['text', 'a&b=no_answer'],
    ]);
    expect(params.toString()).toBe('id=c+1&secs=9&who=&ok=true&meta=%7B%22c%22%3A%22no_answer%22%7D&list=%5B1%2C%22no_answer%22%5D&text=a%26b%3Dno_answer');
  });

  it('sends every payload field as a parameter without a template', () => {
    const params = renderQuery(null, payload({ duration: 3, ivr_name: null }));
    expect([...params.keys()]).toEqual([...FIELD_NAMES]);
    expect(params.get('duration')).toBe('3');
    expect(params.get('ivr_name')).toBe('');
  });

  it('refuses to render a non-object template as a query', () => {
    expect(() => renderQuery(compileTemplate('["{{uuid}}"]'), payload())).toThrow('a GET body template must be a JSON object');
  });

  it('appends after an existing query and before a fragment', () => {
    const params = new URLSearchParams([['a', '1']]);
    expect(appendQuery('https://x.test/hook', params)).toBe('https://x.test/hook?a=1');
    expect(appendQuery('https://x.test/hook?k=v', params)).toBe('https://x.test/hook?k=v&a=1');
    expect(appendQuery('https://x.test/hook?', params)).toBe('https://x.test/hook?a=1');
    expect(appendQuery('https://x.test/hook?k=v&', params)).toBe('https://x.test/hook?k=v&a=1');
    expect(appendQuery('https://x.test/hook#top', params)).toBe('https://x.test/hook?a=1#top');
    expect(appendQuery('https://x.test/hook', new URLSearchParams())).toBe('https://x.test/hook');
  });

  it('renders the request of a GET and of a POST webhook', () => {
    const template = compileTemplate('{"id": "{{uuid}}", "secs": "{{duration}}"}');
    const values = payload({ uuid: 'u-1', duration: 12 });
    const get = renderRequest({ method: 'GET', url: 'https://x.test/h?token=t', template }, values);
    expect(get).toEqual({ method: 'GET', url: 'https://x.test/h?token=t&id=u-1&secs=12', body: null, query: { id: 'u-1', secs: '12' } });
    const post = renderRequest({ method: 'POST', url: 'https://x.test/h', template }, values);
    expect(post).toEqual({ method: 'POST', url: 'https://x.test/h', body: '{"id":"u-1","secs":12}', query: null });
  });
});
