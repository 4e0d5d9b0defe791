import { urlProblem } from './webhook-target.policy';

describe('webhook URL policy', () => {
  it.each(['https://crm.example.com/hooks/calls', 'http://93.184.216.34:8080/x?y=1', 'https://[2606:4700:4700::1111]/hook', 'https://hooks.example.co.uk'])(
    'accepts the public target %s',
    (url) => {
      expect(urlProblem(url, false)).toBeNull();
    },
  );

  it.each([
    ['ftp://example.com/x', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['not a url', /not a valid absolute URL/],
    ['/relative/path', /not a valid absolute URL/],
    ['https://user:secret@example.com/', /credentials/],
    [`https://example.com/${'a'.repeat(2048)}`, /at most 2048/],
  ])('refuses bad URL #%#', (url, why) => {
    expect(urlProblem(url, false)).toMatch(why);
    // the scheme, credential and length rules hold even where private targets are allowed
    expect(urlProblem(url, true)).toMatch(why);
  });

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://[::1]:8080/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.1.10/', 'private'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://localhost:3000/', 'internal host'],
    ['http://LOCALHOST./', 'internal host'],
    ['http://api.localhost/', 'internal host'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'internal host'],
    ['http://printer.local/', 'internal host'],
    ['http://intranet/', 'fully qualified'],
    // IPv4-compatible IPv6 literals are the IPv4 address inside
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[::a00:1]/', 'private'],
    ['http://[fe80::1]/', 'link-local'],
  ])('refuses %s as %s, unless private targets are allowed', (url, kind) => {
    expect(urlProblem(url, false)).toContain(kind);
    expect(urlProblem(url, true)).toBeNull();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['http://[::a9fe:a9fe]/', 'cloud metadata'],
    ['http://[::ffff:a9fe:a9fe]/', 'cloud metadata'],
    ['http://[fd00:ec2::254]/', 'cloud metadata'],
    ['http://100.100.100.200/', 'cloud metadata'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://192.0.2.10/', 'non-public (reserved)'],
    ['http://[2001:db8::1]/', 'non-public (reserved)'],
    ['http://[::ffff:8.8.8.8]/', 'IPv6 transition'],
    ['http://[2002:7f00:1::]/', 'IPv6 transition'],
  ])('always refuses %s (%s), even where private targets are allowed', (url, kind) => {
    expect(urlProblem(url, false)).toContain(kind);
    expect(urlProblem(url, true)).toContain(kind);
  });

  it.each([
    ['https://example.com/a b', /spaces or control/],
    ['https://example.com/a\u0000b', /spaces or control/],
    [' https://example.com/', /spaces or control/],
    ['https://example.com/\t', /spaces or control/],
    ['https://example.com:0/', /port 0/],
  ])('refuses %j as written (not silently cleaned by the URL parser)', (url, why) => {
    expect(urlProblem(url, false)).toMatch(why);
    expect(urlProblem(url, true)).toMatch(why);
  });
});
