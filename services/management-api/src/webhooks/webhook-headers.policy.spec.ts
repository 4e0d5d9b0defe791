import { HEADER_VALUE_PATTERN, headerProblems } from './webhook-headers.policy';

describe('webhook custom headers', () => {
  it('accepts ordinary headers, Authorization included', () => {
    expect(headerProblems({ Authorization: 'Bearer abc.def', 'X-Tenant': 'acme', 'X.Api_Version': '2' })).toEqual([]);
    expect(headerProblems({})).toEqual([]);
  });

  it.each([
    'webhook-signature',
    'Webhook-Id',
    'WEBHOOK-TIMESTAMP',
    'Content-Type',
    'content-length',
    'Host',
    'User-Agent',
    'Connection',
    'Transfer-Encoding',
    'TE',
    'Upgrade',
    'X-Forwarded-For',
    'x-forwarded-host',
    'Proxy-Authorization',
  ])('refuses to override the protocol header %s', (name) => {
    expect(headerProblems({ [name]: 'x' })).toEqual([{ field: `headers.${name}`, message: 'is set by the webhook sender and cannot be overridden' }]);
  });

  it('refuses bad names, injected line breaks, non-string values and duplicates', () => {
    const problems = headerProblems({ 'Bad Name': 'x', 'X-Inject': 'a\r\nSet-Cookie: y', 'X-Num': 3, 'x-tenant': 'a', 'X-Tenant': 'b' });
    expect(problems.map((p) => p.field)).toEqual(['headers.Bad Name', 'headers.X-Inject', 'headers.X-Num', 'headers.X-Tenant']);
    expect(problems[1].message).toMatch(/line breaks/);
    expect(problems[2].message).toMatch(/string/);
    expect(problems[3].message).toMatch(/twice/);
  });

  it('limits count and lengths', () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
    expect(headerProblems(many)).toEqual([{ field: 'headers', message: 'at most 20 headers' }]);
    expect(headerProblems({ ['X-' + 'a'.repeat(100)]: 'v' })[0].message).toMatch(/longer than 100/);
    expect(headerProblems({ 'X-Long': 'v'.repeat(4097) })[0].message).toMatch(/longer than 4096/);
  });

  it('refuses a list or a string instead of an object', () => {
    expect(headerProblems(['X-A: b'])).toEqual([{ field: 'headers', message: 'must be an object of header names to string values' }]);
    expect(headerProblems('X-A: b')[0].field).toBe('headers');
  });

  it.each([
    ['X-Price', '10 \u20ac', /visible ASCII/],
    ['X-Name', 'Ren\u00e9', /visible ASCII/],
    ['X-Lone', 'a\ud800b', /visible ASCII/],
    ['X-Nul', 'a\u0000b', /control characters/],
    ['X-Del', 'a\u007fb', /control characters/],
    ['X-Pad', ' padded', /whitespace/],
    ['X-Tail', 'tail\t', /whitespace/],
    ['X-Empty', '', /empty/],
  ])('refuses %s: %j, a value HTTP would not carry as written', (name, value, why) => {
    const problems = headerProblems({ [name]: value });
    expect(problems.map((p) => p.field)).toEqual([`headers.${name}`]);
    expect(problems[0].message).toMatch(why);
  });

  it('accepts inner spaces, tabs and every visible ASCII character', () => {
    expect(headerProblems({ 'X-Ascii': 'a b\tc ' + '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~x' })).toEqual([]);
  });

  it.each(['a', 'a b', 'a\tb', '10 EUR', '!~', '', ' a', 'a ', '10 \u20ac', 'a\u0000b', 'a\r\nb', 'x'.repeat(50)])(
    'the OpenAPI pattern of header values agrees with the rule on %j',
    (value) => {
      expect(new RegExp(HEADER_VALUE_PATTERN).test(value)).toBe(headerProblems({ 'X-A': value }).length === 0);
    },
  );
});
