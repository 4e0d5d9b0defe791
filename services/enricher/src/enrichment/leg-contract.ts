import { DEFAULT_CONTRACT_BOUNDS, enumProblem, idsProblem, timestampProblem, type CallLegEvent, type ContractBounds } from '@callhooks/contracts';

/**
 * The contract of one raw call-leg record beyond what Avro checks: the fields the enricher
 * cannot work without, ids bounded, known enum symbols, `occurred_at` within the bounds of now.
 * Returns the reason the record breaks it (it then goes to the dead-letter topic), or null.
 * Total: whatever the record holds, it returns and never throws.
 */
export function legContractViolation(leg: CallLegEvent, key: string | null, bounds: ContractBounds = DEFAULT_CONTRACT_BOUNDS, now = Date.now()): string | null {
  const problem =
    idsProblem(leg, ['event_id', 'call_uuid', 'leg_uuid', 'customer_id', 'environment_id']) ??
    enumProblem('call-leg', 'kind', leg.kind) ??
    enumProblem('call-leg', 'leg_role', leg.leg_role, true) ??
    enumProblem('call-leg', 'call_direction', leg.call_direction, true) ??
    enumProblem('call-leg', 'target_type', leg.target_type, true) ??
    enumProblem('call-leg', 'queue_result', leg.queue_result, true);
  if (problem) return problem;
  if (key !== leg.call_uuid) return `record key ${JSON.stringify(key?.slice(0, 300) ?? null)} is not the call_uuid ${JSON.stringify(leg.call_uuid)}`;
  const time = timestampProblem('occurred_at', leg.occurred_at, bounds, { now });
  if (time) return time;
  if (leg.kind.startsWith('LEG_') && !leg.leg_role) return `${leg.kind} without leg_role`;
  if (leg.kind === 'LEG_CREATED' && leg.leg_role === 'CALLER' && !leg.call_direction) return 'CALLER LEG_CREATED without call_direction';
  return null;
}
