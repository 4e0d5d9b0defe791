import { samplePayload, type CallEvent } from '@callhooks/contracts';
import { callEventViolation } from './call-event.contract';

const valid: CallEvent = {
  event_id: 'e1',
  event: 'Call:Hangup',
  call_uuid: 'call-1',
  customer_id: 'c1',
  environment_id: 'prod',
  occurred_at: Date.now() - 1000,
  emitted_at: Date.now(),
  started_at_ms: Date.now() - 60_000,
  answered_at_ms: null,
  payload: samplePayload(),
};

describe('callEventViolation', () => {
  it('accepts a complete event of a known name keyed by its call', () => {
    expect(callEventViolation(valid, 'call-1')).toBeNull();
    expect(callEventViolation(valid, null)).toBeNull();
  });

  it.each([
    [{ event_id: '' }, 'event_id is empty'],
    [{ call_uuid: ' ' }, 'call_uuid is empty'],
    [{ customer_id: '' }, 'customer_id is empty'],
    [{ environment_id: '' }, 'environment_id is empty'],
    [{ event: 'Call:Whatever' }, 'unknown event name "Call:Whatever"'],
    [{ event: 'call:hangup' }, 'unknown event name "call:hangup"'],
    [{ started_at_ms: 1.5 }, 'started_at_ms 1.5 is not an epoch in milliseconds'],
    [{ event_id: 'x'.repeat(257) }, 'event_id is 257 characters long, over the 256 of an id'],
    [{ customer_id: 'c\u0000' }, 'customer_id holds a control character'],
    [{ event: 42 as unknown as string }, 'unknown event name "42"'],
    [{ customer_id: undefined as unknown as string }, 'customer_id is not a string'],
    [{ occurred_at: Date.UTC(9999, 0, 1) }, 'occurred_at 9999-01-01T00:00:00.000Z is more than 3600000 ms in the future'],
    [{ emitted_at: 1_700_000_000 }, 'emitted_at 1970-01-20T16:13:20.000Z is more than 157680000000 ms in the past'],
    [{ payload: null as unknown as CallEvent['payload'] }, 'payload is missing'],
  ] as Array<[Partial<CallEvent>, string]>)('refuses %j: %s', (change, reason) => {
    expect(callEventViolation({ ...valid, ...change }, null)).toBe(reason);
  });

  it('refuses a record keyed by another call', () => {
    expect(callEventViolation(valid, 'call-2')).toBe('record key "call-2" is not the call_uuid "call-1"');
  });
});
