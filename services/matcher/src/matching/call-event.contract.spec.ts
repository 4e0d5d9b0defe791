import { samplePayload, type CallEvent } from '@callhooks/contracts';
import { callEventViolation } from './call-event.contract';

const valid: CallEvent = {
  event_id: 'e1',
  event: 'Call:Hangup',
  call_uuid: 'call-1',
  customer_id: 'c1',
  environment_id: 'prod',
  occurred_at: 1,
  emitted_at: 2,
  started_at_ms: 1,
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
  ] as Array<[Partial<CallEvent>, string]>)('refuses %j: %s', (change, reason) => {
    expect(callEventViolation({ ...valid, ...change }, null)).toBe(reason);
  });

  it('refuses a record keyed by another call', () => {
    expect(callEventViolation(valid, 'call-2')).toBe('record key "call-2" is not the call_uuid "call-1"');
  });
});
