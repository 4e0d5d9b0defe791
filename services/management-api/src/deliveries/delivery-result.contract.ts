import { DEFAULT_CONTRACT_BOUNDS, enumProblem, idsProblem, timestampProblem, type ContractBounds, type DeliveryAttemptResult } from '@callhooks/contracts';

/**
 * The contract of a delivery result beyond its Avro schema: what the delivery log needs to
 * write it, ids bounded, `attempted_at` within the bounds of now. Returns the reason a record
 * breaks it (it then goes to `<topic>.dlq`), or null. Total: never throws.
 */
export function deliveryResultViolation(result: DeliveryAttemptResult, bounds: ContractBounds = DEFAULT_CONTRACT_BOUNDS, now = Date.now()): string | null {
  const problem =
    idsProblem(result, ['delivery_id', 'webhook_id', 'customer_id', 'event_id']) ??
    enumProblem('delivery-result', 'origin', result.origin) ??
    enumProblem('delivery-result', 'outcome', result.outcome);
  if (problem) return problem;
  if (!Number.isSafeInteger(result.attempt) || result.attempt < 1) return `attempt ${String(result.attempt)} is below 1`;
  const time = timestampProblem('attempted_at', result.attempted_at, bounds, { now });
  if (time) return time;
  if (result.next_attempt_at !== null && result.next_attempt_at !== undefined && !(Number.isSafeInteger(result.next_attempt_at) && result.next_attempt_at > 0)) {
    return `next_attempt_at ${String(result.next_attempt_at)} is not an epoch in milliseconds`;
  }
  return null;
}
