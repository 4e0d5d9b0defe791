import type { CallLegEvent } from '@callhooks/contracts';

/**
 * The contract of one raw call-leg record beyond what Avro checks: the fields the enricher
 * cannot work without. Returns the reason the record breaks it (it then goes to the
 * dead-letter topic), or null.
 */
export function legContractViolation(leg: CallLegEvent, key: string | null): string | null {
  for (const field of ['event_id', 'call_uuid', 'leg_uuid', 'customer_id', 'environment_id'] as const) {
    if (!leg[field] || leg[field].trim() === '') return `${field} is empty`;
  }
  if (key !== leg.call_uuid) return `record key ${JSON.stringify(key)} is not the call_uuid ${JSON.stringify(leg.call_uuid)}`;
  if (!Number.isSafeInteger(leg.occurred_at) || leg.occurred_at <= 0) return `occurred_at ${leg.occurred_at} is not a timestamp`;
  if (leg.kind.startsWith('LEG_') && !leg.leg_role) return `${leg.kind} without leg_role`;
  if (leg.kind === 'LEG_CREATED' && leg.leg_role === 'CALLER' && !leg.call_direction) return 'CALLER LEG_CREATED without call_direction';
  return null;
}
