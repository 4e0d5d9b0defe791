import { uuidV5 } from '@callhooks/contracts';

/** Namespace of callhooks' name-based ids (a fixed random UUID, never to change: ids are idempotency keys). */
export const CALLHOOKS_EVENT_NAMESPACE = '6f1c1b0e-3a8d-4d55-9a3e-2b7f0c9d4e21';

/**
 * The id of a system event: `<call_uuid>:<event>` for the once-per-call events, and
 * `<call_uuid>:<event>:<raw event_id>` for an IVR visit's events (the raw IVR_ENTERED /
 * IVR_EXITED it comes from), so a replay, a duplicate or a restart gives the same id.
 */
export function callEventId(callUuid: string, event: string, rawEventId?: string): string {
  return uuidV5(rawEventId === undefined ? `${callUuid}:${event}` : `${callUuid}:${event}:${rawEventId}`, CALLHOOKS_EVENT_NAMESPACE);
}
