import { createHash } from 'node:crypto';

/**
 * RFC 4122 version-5 UUID (SHA-1, name-based): the same namespace and name always give the
 * same id. Event ids and delivery ids are built with it, so a replay gives the same id and
 * receivers can deduplicate.
 */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace is not a UUID: ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The key of a delivery job (the contract of `callhooks.deliveries.*`): the target origin,
 * scheme://host:port in lower case with the default port written out, so all jobs of one
 * target meet in one partition, and so in one dispatcher's breaker.
 */
export function targetOrigin(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname}:${port}`;
}
