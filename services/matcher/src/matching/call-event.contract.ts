import { isEventName, type CallEvent } from '@callhooks/contracts';

/**
 * The contract of a call event beyond its Avro schema: what the matcher needs to find and
 * render its webhooks. Returns the reason a record breaks it (it then goes to
 * `<topic>.dlq`), or null.
 */
export function callEventViolation(event: CallEvent, key: string | null): string | null {
  for (const field of ['event_id', 'call_uuid', 'customer_id', 'environment_id'] as const) {
    if (!event[field] || event[field].trim() === '') return `${field} is empty`;
  }
  if (!isEventName(event.event)) return `unknown event name ${JSON.stringify(event.event.slice(0, 100))}`;
  if (key !== null && key !== event.call_uuid) return `record key ${JSON.stringify(key)} is not the call_uuid ${JSON.stringify(event.call_uuid)}`;
  for (const field of ['started_at_ms', 'answered_at_ms'] as const) {
    const value = event[field];
    if (value !== null && value !== undefined && !Number.isSafeInteger(value)) return `${field} ${value} is not an epoch in milliseconds`;
  }
  if (!event.payload) return 'payload is missing';
  return null;
}
