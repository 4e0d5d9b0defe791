import { randomUUID } from 'node:crypto';
import { samplePayload, UNSET_LEG_DETAILS, type CallEvent, type CallLegEvent, type DeliveryAttemptResult } from '@callhooks/contracts';

/** A well-formed call event of `callUuid` (a new call by default), for tests of the Kafka plumbing. */
export function testCallEvent(event: string, callUuid: string = randomUUID()): CallEvent {
  return {
    event_id: randomUUID(),
    event,
    call_uuid: callUuid,
    customer_id: 'c1',
    environment_id: 'e1',
    occurred_at: Date.now(),
    emitted_at: Date.now(),
    started_at_ms: null,
    answered_at_ms: null,
    payload: { ...samplePayload(), uuid: callUuid },
  };
}

/** The caller's LEG_CREATED of `callUuid`, its event id numbered `n`, every optional field null. */
export function testCallLeg(callUuid: string, n: number): CallLegEvent {
  return {
    event_id: `${callUuid}-${n}`,
    call_uuid: callUuid,
    leg_uuid: `${callUuid}-a`,
    customer_id: 'c1',
    environment_id: 'e1',
    environment_name: null,
    kind: 'LEG_CREATED',
    occurred_at: Date.now(),
    leg_role: 'CALLER',
    ...UNSET_LEG_DETAILS,
    call_direction: 'INCOMING',
  };
}

/** A successful first attempt of a new delivery (200 in 40 ms, just now) with `over` applied: what a test does not set stays well-formed. */
export function testDeliveryResult(over: Partial<DeliveryAttemptResult> = {}): DeliveryAttemptResult {
  return {
    delivery_id: randomUUID(),
    webhook_id: 'w1',
    customer_id: 'c1',
    environment_id: null,
    event_id: randomUUID(),
    event: 'Call:Hangup',
    call_uuid: null,
    origin: 'EVENT',
    attempt: 1,
    outcome: 'SUCCEEDED',
    status_code: 200,
    error_class: null,
    latency_ms: 40,
    response_snippet: null,
    method: 'POST',
    url: 'https://crm.example.com/x',
    request_body: null,
    attempted_at: Date.now(),
    next_attempt_at: null,
    ...over,
  };
}
