/** The six system events a webhook can listen to, with the names admins see and use in the API. */
export const EVENT_NAMES = ['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting', 'Ivr:Start', 'Ivr:End'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export interface EventDescriptor {
  name: EventName;
  description: string;
  /** How often one call produces it. */
  frequency: string;
}

export const EVENT_CATALOG: readonly EventDescriptor[] = [
  { name: 'Call:Ringing', description: 'The call is ringing: the first callee leg rings.', frequency: 'once per call' },
  { name: 'Call:Answer', description: 'The call has been answered by a person or number (not an IVR).', frequency: 'once per call, if answered' },
  { name: 'Call:Hangup', description: 'The call has ended: the last leg hung up.', frequency: 'once per call' },
  {
    name: 'Call:Reporting',
    description:
      'All call information for billing and reporting has been collected (the recording, if any, and late legs), or the maximum wait has passed.',
    frequency: 'once per call, after Call:Hangup',
  },
  { name: 'Ivr:Start', description: 'An IVR starts.', frequency: 'once per IVR visit' },
  { name: 'Ivr:End', description: 'An IVR ends.', frequency: 'once per IVR visit' },
];

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

/** call_state values at the time of an event. */
export const CALL_STATES = ['ringing', 'answered', 'ended', 'reported'] as const;
export type CallState = (typeof CALL_STATES)[number];
