import { DEFAULT_CONTRACT_BOUNDS, idsProblem, isEventName, optionalTimestampProblem, timestampProblem, type CallEvent, type ContractBounds } from '@callhooks/contracts';

/**
 * The contract of a call event beyond its Avro schema: what the matcher needs to find and
 * render its webhooks, ids bounded, timestamps within the bounds of now. Returns the reason a
 * record breaks it (it then goes to `<topic>.dlq`), or null. Total: never throws.
 */
export function callEventViolation(event: CallEvent, key: string | null, bounds: ContractBounds = DEFAULT_CONTRACT_BOUNDS, now = Date.now()): string | null {
  const ids = idsProblem(event, ['event_id', 'call_uuid', 'customer_id', 'environment_id']);
  if (ids) return ids;
  if (typeof event.event !== 'string' || !isEventName(event.event)) return `unknown event name ${JSON.stringify(String(event.event).slice(0, 100))}`;
  if (key !== null && key !== event.call_uuid) return `record key ${JSON.stringify(key.slice(0, 300))} is not the call_uuid ${JSON.stringify(event.call_uuid)}`;
  const time =
    timestampProblem('occurred_at', event.occurred_at, bounds, { now }) ??
    timestampProblem('emitted_at', event.emitted_at, bounds, { now }) ??
    optionalTimestampProblem('started_at_ms', event.started_at_ms, bounds, { now }) ??
    optionalTimestampProblem('answered_at_ms', event.answered_at_ms, bounds, { now });
  if (time) return time;
  if (!event.payload || typeof event.payload !== 'object') return 'payload is missing';
  return null;
}
