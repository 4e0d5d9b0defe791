import { wallClockTime, type CallEvent, type CallPayload } from '@callhooks/contracts';

/**
 * The event's payload with start_at and answer_at as wall-clock times in the environment's
 * zone. The enricher does not know the zone: it sends them in UTC with the epochs beside them
 * (started_at_ms, answered_at_ms). Where an epoch is missing the payload's value stays. An
 * unknown zone (the management API refuses them, so only an old record could carry one)
 * leaves the UTC times and is reported through `zoneProblem`.
 */
export function localizedPayload(event: CallEvent, timeZone: string | undefined): { payload: CallPayload; zoneProblem?: string } {
  const payload: CallPayload = { ...event.payload };
  const zone = timeZone || 'UTC';
  try {
    if (event.started_at_ms !== null && event.started_at_ms !== undefined) payload.start_at = wallClockTime(event.started_at_ms, zone);
    if (event.answered_at_ms !== null && event.answered_at_ms !== undefined) payload.answer_at = wallClockTime(event.answered_at_ms, zone);
    return { payload };
  } catch (err) {
    return { payload: { ...event.payload }, zoneProblem: `time zone ${JSON.stringify(zone)}: ${(err as Error).message}` };
  }
}
