import { createHash } from 'node:crypto';

/** Namespace of callhooks' name-based ids (a fixed random UUID, never to change: ids are idempotency keys). */
export const CALLHOOKS_EVENT_NAMESPACE = '6f1c1b0e-3a8d-4d55-9a3e-2b7f0c9d4e21';

/** RFC 4122 version-5 UUID (SHA-1, name-based): the same namespace and name always give the same id. */
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
 * The id of a system event: `<call_uuid>:<event>` for the once-per-call events, and
 * `<call_uuid>:<event>:<raw event_id>` for an IVR visit's events (the raw IVR_ENTERED /
 * IVR_EXITED it comes from), so a replay, a duplicate or a restart gives the same id.
 */
export function callEventId(callUuid: string, event: string, rawEventId?: string): string {
  return uuidV5(rawEventId === undefined ? `${callUuid}:${event}` : `${callUuid}:${event}:${rawEventId}`, CALLHOOKS_EVENT_NAMESPACE);
}
