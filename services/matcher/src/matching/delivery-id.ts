import { createHash } from 'node:crypto';

/** Namespace of delivery ids (a fixed random UUID, never to change: delivery ids are receivers' idempotency keys). */
export const DELIVERY_ID_NAMESPACE = 'b7d0a2e4-58c1-4f0e-9a61-3c2e8d5f7a19';

/**
 * The id of the delivery of one event to one webhook: an RFC 4122 version-5 UUID (SHA-1,
 * name-based) of `<webhook_id>:<event_id>`. Processing an event again (a redelivered batch,
 * a restart) gives the same id, which the dispatcher sends as `webhook-id`, so the receiver
 * and the delivery log see one delivery.
 */
export function deliveryId(webhookId: string, eventId: string): string {
  return uuidV5(`${webhookId}:${eventId}`, DELIVERY_ID_NAMESPACE);
}

/** RFC 4122 version-5 UUID: SHA-1 of the namespace's 16 bytes and the name, with the version and variant bits set. */
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
 * The key of a delivery job: the target origin, scheme://host:port in lower case with the
 * default port written out, so all jobs of one target meet in one partition (and one breaker).
 * The dispatcher derives the same string from the job's URL.
 */
export function targetOrigin(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname}:${port}`;
}
