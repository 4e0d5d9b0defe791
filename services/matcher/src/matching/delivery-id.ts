import { uuidV5 } from '@callhooks/contracts';

export { targetOrigin } from '@callhooks/contracts';

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
