import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, Socket, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { classifyAddress } from '@callhooks/net';

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
