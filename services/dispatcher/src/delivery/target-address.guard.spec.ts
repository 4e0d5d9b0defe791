import type { LookupAddress } from 'node:dns';
import { get } from 'node:http';
import { BlockedAddressError, classifyAddress, guardedLookup, GuardedHttpAgent } from './target-address.guard';

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', 'unicast'],
    ['8.8.8.8', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
  ])('allows public unicast %s', (address, range) => {
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
    ['100.64.0.1', 'carrierGradeNat'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
  ])('blocks %s (%s) unless private targets are allowed', (address, range) => {
    expect(classifyAddress(address, false)).toEqual({ allowed: false, range });
    expect(classifyAddress(address, true)).toEqual({ allowed: true, range });
  });

  it.each([
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['2002:7f00:1::', '6to4'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['not-an-ip', 'unparsable'],
  ])('always blocks %s (%s)', (address, range) => {
    expect(classifyAddress(address, true)).toEqual({ allowed: false, range });
  });
});

describe('guardedLookup (connect-time check of the resolved address)', () => {
  const resolver = (answer: LookupAddress[]) =>
    ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      if (options.all) cb(null, answer);
      else cb(null, answer[0].address, answer[0].family);
    }) as never;

  it('refuses a name that resolves to a private address (DNS rebinding)', (done) => {
    guardedLookup(false, resolver([{ address: '127.0.0.1', family: 4 }]))('rebind.example.com', {}, (err) => {
      expect(err).toBeInstanceOf(BlockedAddressError);
      expect((err as BlockedAddressError).range).toBe('loopback');
      expect((err as BlockedAddressError).host).toBe('rebind.example.com');
      done();
    });
  });

  it('refuses when any of several addresses is blocked (all: true, happy eyeballs)', (done) => {
    guardedLookup(
      false,
      resolver([
        { address: '93.184.216.34', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ]),
    )('mixed.example.com', { all: true }, (err) => {
      expect((err as BlockedAddressError).range).toBe('metadata');
      done();
    });
  });

  it('passes a public address through', (done) => {
    guardedLookup(false, resolver([{ address: '93.184.216.34', family: 4 }]))('ok.example.com', {}, (err, address) => {
      expect(err).toBeNull();
      expect(address).toBe('93.184.216.34');
      done();
    });
  });
});

describe('GuardedHttpAgent', () => {
  it('refuses a literal loopback IP before connecting', async () => {
    const agent = new GuardedHttpAgent(false, { keepAlive: true });
    const err = await new Promise<Error>((resolve) => {
      get('http://127.0.0.1:9/', { agent }, () => resolve(new Error('connected'))).on('error', resolve);
    });
    expect(err).toBeInstanceOf(BlockedAddressError);
    agent.destroy();
  });

  it('refuses localhost through the lookup', async () => {
    const agent = new GuardedHttpAgent(false, { keepAlive: true });
    const err = await new Promise<Error>((resolve) => {
      get('http://localhost:9/', { agent }, () => resolve(new Error('connected'))).on('error', resolve);
    });
    expect(err).toBeInstanceOf(BlockedAddressError);
    agent.destroy();
  });
});
