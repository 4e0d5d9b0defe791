import type { CallLegEvent } from './generated/avro-types';

/** The details of a raw call leg that only some kinds of leg event carry. */
export type CallLegDetails = Omit<CallLegEvent, 'event_id' | 'call_uuid' | 'leg_uuid' | 'customer_id' | 'environment_id' | 'environment_name' | 'kind' | 'occurred_at' | 'leg_role'>;

/** Every detail of a call leg unset: what a leg built in code (simulator, tests) starts from. */
export const UNSET_LEG_DETAILS: Readonly<{ [K in keyof CallLegDetails]: null }> = Object.freeze({
  call_direction: null,
  target_type: null,
  caller_id_number: null,
  destination_number: null,
  did_number: null,
  did_name: null,
  user_fullname: null,
  user_name: null,
  extension_username: null,
  recording_enabled: null,
  hangup_cause: null,
  sip_status: null,
  ivr_name: null,
  queue_name: null,
  queue_result: null,
  recording_url: null,
});
