import type { CallPayload } from './generated/avro-types';

/** One field of the call payload, as the API's catalog and the console's template editor show it. */
export interface FieldDescriptor {
  name: keyof CallPayload;
  type: 'string' | 'integer';
  description: string;
  example: string | number | null;
}

/**
 * The payload field catalog. Order follows the product spec. The unit suite checks it lists
 * exactly the fields of the CallPayload Avro record.
 */
export const FIELD_CATALOG: readonly FieldDescriptor[] = [
  { name: 'direction', type: 'string', description: 'Direction of the call: incoming, outgoing or internal.', example: 'incoming' },
  { name: 'uuid', type: 'string', description: 'Unique id of the call.', example: 'bfd7e62a-5a55-4286-9453-b4b4cfc5cca8' },
  { name: 'type', type: 'string', description: 'Call type, <source>_to_<first routing step>: did/ext to que/ivr/ext/out.', example: 'did_to_que' },
  { name: 'created_at', type: 'string', description: 'Start of the call, ISO-8601 UTC with milliseconds.', example: '2024-12-02T21:04:40.701+00:00' },
  { name: 'contact_number', type: 'string', description: 'The external party: caller id on incoming calls, destination on outgoing, null on internal.', example: '0501234567' },
  { name: 'caller_id_number', type: 'string', description: 'Caller id number of the calling leg.', example: '0501234567' },
  { name: 'duration', type: 'integer', description: 'Seconds from call start to the last hangup.', example: 417 },
  { name: 'ring_duration', type: 'integer', description: 'Seconds from the first ring to answer (to hangup if never answered).', example: 30 },
  { name: 'destination', type: 'string', description: 'The number dialled.', example: '039000000' },
  { name: 'start_at', type: 'string', description: "Local time the call started, HH:MM:SS in the environment's time zone.", example: '23:04:40' },
  { name: 'answer_at', type: 'string', description: "Local time the call was answered, HH:MM:SS in the environment's time zone.", example: '23:05:10' },
  { name: 'environment_name', type: 'string', description: 'Name of the environment.', example: 'ITD2024' },
  { name: 'user_fullname', type: 'string', description: 'Full name of the user whose leg answered (else who rang first, else the calling user).', example: 'Dana Levi' },
  { name: 'user_name', type: 'string', description: 'User name of that user.', example: 'dana' },
  { name: 'extension_username', type: 'string', description: 'Extension user name of that user.', example: '1001' },
  { name: 'cause', type: 'string', description: 'How the call ended: answer, busy, no_answer, cancel or failed.', example: 'answer' },
  { name: 'sip_status', type: 'string', description: 'Final SIP status of the decisive callee leg.', example: '200' },
  { name: 'recording_url', type: 'string', description: 'Link to the call recording.', example: 'https://recordings.example.com/bfd7e62a.mp3' },
  { name: 'duration_time', type: 'string', description: 'duration as HH:MM:SS.', example: '00:06:57' },
  { name: 'billing_duration', type: 'integer', description: 'Billable seconds, answer to hangup (0 if never answered).', example: 341 },
  { name: 'billing_duration_time', type: 'string', description: 'billing_duration as HH:MM:SS.', example: '00:05:41' },
  { name: 'did_number', type: 'string', description: 'The DID number called (incoming calls).', example: '972722791142' },
  { name: 'did_name', type: 'string', description: 'The DID name.', example: 'Main line' },
  { name: 'queue_disposition', type: 'string', description: 'Queue outcome: answer, timeout (system timeout) or abandoned (caller hung up).', example: 'answer' },
  { name: 'ivr_name', type: 'string', description: 'Name of the last IVR the call visited.', example: 'Main menu' },
  { name: 'call_state', type: 'string', description: 'ringing, answered, ended or reported, at the time of the event.', example: 'ended' },
  { name: 'queue_name', type: 'string', description: 'Name of the last queue the call visited.', example: 'Que1' },
];

export const FIELD_NAMES: ReadonlySet<string> = new Set(FIELD_CATALOG.map((f) => f.name));

/** A complete sample payload built from the catalog's examples (used by preview and test sends). */
export function samplePayload(): CallPayload {
  return Object.fromEntries(FIELD_CATALOG.map((f) => [f.name, f.example])) as unknown as CallPayload;
}
