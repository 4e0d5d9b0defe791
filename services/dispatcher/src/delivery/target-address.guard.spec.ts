import type { LookupAddress } from 'node:dns';
import { get } from 'node:http';
import { BlockedAddressError, guardedLookup, GuardedHttpAgent } from './target-address.guard';

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

  it.each(['http://[::127.0.0.1]:9/', 'http://[::a9fe:a9fe]:9/', 'http://[::a00:1]:9/', 'http://[::ffff:7f00:1]:9/'])(
    'refuses the IPv4-compatible or mapped IPv6 literal %s before connecting',
    async (url) => {
      const agent = new GuardedHttpAgent(false, { keepAlive: true });
      const err = await new Promise<Error>((resolve) => {
        get(url, { agent }, () => resolve(new Error('connected'))).on('error', resolve);
      });
      expect(err).toBeInstanceOf(BlockedAddressError);
      agent.destroy();
    },
  );

  it('refuses a name resolving to an IPv4-compatible IPv6 address', (done) => {
    const resolver = ((_host: string, _options: unknown, cb: (...args: unknown[]) => void) => cb(null, '::7f00:1', 6)) as never;
    guardedLookup(false, resolver)('compat.example.com', {}, (err) => {
      expect((err as BlockedAddressError).range).toBe('loopback');
      done();
    });
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
