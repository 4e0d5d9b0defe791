import { classifyAddress } from './target-address';

describe('classifyAddress (the one target-address rule of the API and the dispatcher)', () => {
  it.each([
    ['93.184.216.34', 'unicast'],
    ['8.8.8.8', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
    ['2001:4860:4860::8888', 'unicast'],
    ['192.31.196.1', 'as112'],
  ])('allows the globally routable %s', (address, range) => {
    expect(classifyAddress(address, false)).toEqual({ allowed: true, range });
  });

  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.10.10', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    // IPv4-compatible IPv6 (::/96): judged as the IPv4 address inside
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::a00:1', 'private'],
    ['[::a00:1]', 'private'],
  ])('blocks %s (%s) unless private targets are allowed', (address, range) => {
    expect(classifyAddress(address, false)).toEqual({ allowed: false, range });
    expect(classifyAddress(address, true)).toEqual({ allowed: true, range });
  });

  it.each([
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::a9fe:a9fe', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.7', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['2001::1', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'discard'],
    ['5f00::1', 'segmentRouting'],
    ['4000::1', 'reserved'],
    ['2002:7f00:1::', '6to4'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['::808:808', 'ipv4Compatible'],
    ['::8.8.8.8', 'ipv4Mapped'], // ipaddr.js reads a dotted tail as IPv4-mapped; refused either way
    ['not-an-ip', 'unparsable'],
  ])('never allows %s (%s)', (address, range) => {
    expect(classifyAddress(address, true)).toEqual({ allowed: false, range });
  });
});
