import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, Socket, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';

/** Raised at connect time when the resolved address of a target is not allowed. */
export class BlockedAddressError extends Error {
  readonly code = 'ECALLHOOKS_BLOCKED_ADDRESS';
  constructor(
    readonly address: string,
    readonly range: string,
    readonly host?: string,
  ) {
    super(`address ${address}${host && host !== address ? ` (of ${host})` : ''} is not allowed as a webhook target: ${range}`);
    this.name = 'BlockedAddressError';
  }
}

/** Cloud metadata endpoints: never a target, whatever the configuration says. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);

/** Ranges that a deployment may open for local targets (DISPATCHER_ALLOW_PRIVATE_TARGETS: tests, the demo). */
const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'deprecatedSiteLocal']);

export type AddressVerdict = { allowed: true; range: string } | { allowed: false; range: string };

/**
 * Classifies an IP address as a webhook target. Public unicast is allowed; private,
 * loopback, link-local, unique-local and CGNAT only when `allowPrivate`; metadata endpoints,
 * unspecified, broadcast, multicast, reserved and the IPv6 transition ranges (which can
 * embed any IPv4 address) never. An IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function classifyAddress(address: string, allowPrivate: boolean): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { allowed: false, range: 'unparsable' };
  }
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) parsed = parsed.toIPv4Address();
  const normalized = parsed.toNormalizedString();
  const canonical = parsed instanceof ipaddr.IPv6 ? ipaddr.IPv6.parse(normalized).toString() : normalized;
  if (METADATA_ADDRESSES.has(canonical)) return { allowed: false, range: 'metadata' };
  const range = parsed.range();
  if (range === 'unicast') return { allowed: true, range };
  if (PRIVATE_RANGES.has(range)) return { allowed: allowPrivate, range };
  return { allowed: false, range };
}

/**
 * A dns.lookup that refuses disallowed addresses. It runs when the socket connects, on the
 * address the socket will actually use, so a name that resolves to a public address when
 * the job is made and to 127.0.0.1 later (DNS rebinding) is still caught.
 */
export function guardedLookup(allowPrivate: boolean, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (...args: unknown[]) => void) => {
    if (options.all) {
      resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err);
        for (const a of addresses) {
          const verdict = classifyAddress(a.address, allowPrivate);
          if (!verdict.allowed) return callback(new BlockedAddressError(a.address, verdict.range, hostname));
        }
        callback(null, addresses);
      });
      return;
    }
    resolve(hostname, { ...options, all: false }, (err, address: string, family: number) => {
      if (err) return callback(err);
      const verdict = classifyAddress(address, allowPrivate);
      if (!verdict.allowed) return callback(new BlockedAddressError(address, verdict.range, hostname));
      callback(null, address, family);
    });
  }) as LookupFunction;
}

/** For a literal IP host no lookup happens, so it is judged before the socket is made. */
function refuseLiteral(host: string | null | undefined, allowPrivate: boolean): BlockedAddressError | null {
  const bare = host?.replace(/^\[|\]$/g, '');
  if (!bare || isIP(bare) === 0) return null;
  const verdict = classifyAddress(bare, allowPrivate);
  return verdict.allowed ? null : new BlockedAddressError(bare, verdict.range, bare);
}

function failedSocket(error: Error, callback?: (err: Error | null, stream: Duplex) => void): Duplex {
  const socket = new Socket();
  if (callback) callback(error, socket);
  else process.nextTick(() => socket.destroy(error));
  return socket;
}

/**
 * Keep-alive agents whose every new connection goes through the guard. A reused keep-alive
 * socket stays connected to the address that was checked when it opened.
 */
export class GuardedHttpAgent extends http.Agent {
  constructor(
    private readonly allowPrivate: boolean,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const refused = refuseLiteral(options.host ?? options.hostname, this.allowPrivate);
    if (refused) return failedSocket(refused, callback);
    return super.createConnection({ ...options, lookup: guardedLookup(this.allowPrivate) }, callback);
  }
}

export class GuardedHttpsAgent extends https.Agent {
  constructor(
    private readonly allowPrivate: boolean,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const refused = refuseLiteral(options.host ?? options.hostname, this.allowPrivate);
    if (refused) return failedSocket(refused, callback);
    return super.createConnection({ ...options, lookup: guardedLookup(this.allowPrivate) }, callback);
  }
}

/** Finds a BlockedAddressError anywhere in an error's cause chain (a socket's error may come wrapped). */
export function blockedAddressIn(err: unknown): BlockedAddressError | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof BlockedAddressError) return e;
    if ((e as { code?: string }).code === 'ECALLHOOKS_BLOCKED_ADDRESS' && (e as { cause?: unknown }).cause instanceof BlockedAddressError) return (e as { cause: BlockedAddressError }).cause;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
