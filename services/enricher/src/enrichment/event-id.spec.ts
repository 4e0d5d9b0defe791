import { uuidV5 } from '@callhooks/contracts';
import { callEventId } from './event-id';

describe('uuidV5', () => {
  it('matches the RFC 4122 / Python uuid5 reference value', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'www.example.com'))"
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(/namespace/);
  });
});

describe('callEventId', () => {
  it('is deterministic per call and event, and distinct across them', () => {
    const a = callEventId('call-1', 'Call:Hangup');
    expect(callEventId('call-1', 'Call:Hangup')).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(callEventId('call-1', 'Call:Reporting')).not.toBe(a);
    expect(callEventId('call-2', 'Call:Hangup')).not.toBe(a);
    expect(callEventId('call-1', 'Ivr:Start', 'raw-1')).not.toBe(callEventId('call-1', 'Ivr:Start', 'raw-2'));
  });
});
