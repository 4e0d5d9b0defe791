import type { CallEvent, CallPayload } from '@callhooks/contracts';
import { simulateCall, type ScenarioName } from '@callhooks/call-simulator';
import { pacedArrivals, replayCall } from './call-replay';
import type { EnrichmentTimings } from './call-state.reducer';
import { callEventId } from './event-id';

/**
 * Every scenario of the simulator (seed 1), played to the reducer as the platform sends it,
 * with every payload field written out by hand from the raw events (see the simulator's
 * legs for seed 1). Times: the call starts 2024-12-02T21:04:40.701Z.
 */
const TIMINGS: EnrichmentTimings = { hangupSettleMs: 1000, reportingGraceMs: 5000, reportingMaxWaitMs: 60000, closedRetentionMs: 600000, staleCallMs: 86400000 };

function play(scenario: ScenarioName) {
  const call = simulateCall(scenario, { seed: 1 });
  const result = replayCall(pacedArrivals(call.legs), TIMINGS);
  const byName = (name: string): CallEvent => {
    const found = result.events.filter((e) => e.event === name);
    expect(found).toHaveLength(1);
    return found[0];
  };
  return { call, result, byName, uuid: call.callUuid };
}

const START = Date.UTC(2024, 11, 2, 21, 4, 40, 701);
const INCOMING = {
  direction: 'incoming',
  created_at: '2024-12-02T21:04:40.701+00:00',
  contact_number: '0579271342',
  caller_id_number: '0579271342',
  destination: '972722791142',
  start_at: '21:04:40',
  environment_name: 'Simulated',
  did_number: '972722791142',
  did_name: 'Main line',
  recording_url: null,
};

function expectIds(events: CallEvent[], uuid: string): void {
  for (const e of events) {
    if (e.event.startsWith('Call:')) expect(e.event_id).toBe(callEventId(uuid, e.event));
    expect(e.payload.uuid).toBe(uuid);
    expect(e.call_uuid).toBe(uuid);
    expect(e.customer_id).toBe('cust-sim');
    expect(e.environment_id).toBe('env-sim');
    expect(e.started_at_ms).toBe(START);
  }
}

/** Call:Hangup of the queue call the third agent answers (the `queue_answered` and `recorded` scenarios play the same call). */
function queueAnsweredHangup(uuid: string): CallPayload {
  return {
    ...INCOMING,
    uuid,
    type: 'did_to_que',
    duration: 46,
    ring_duration: 7,
    answer_at: '21:04:49',
    user_fullname: 'Maya Friedman',
    user_name: 'maya',
    extension_username: '1005',
    cause: 'answer',
    sip_status: '200',
    duration_time: '00:00:46',
    billing_duration: 37,
    billing_duration_time: '00:00:37',
    queue_disposition: 'answer',
    ivr_name: null,
    call_state: 'ended',
    queue_name: 'Sales',
  };
}

describe('scenarios: events and every payload field', () => {
  it('incoming DID to a queue ringing three agents, the third answers', () => {
    const { result, byName, uuid } = play('queue_answered');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const ringing = byName('Call:Ringing');
    // the call as it was at the first ring (Noa's phone, 21:04:42.263): nobody answered yet, the first ringer is named
    expect(ringing.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_que',
      duration: null,
      ring_duration: null,
      answer_at: null,
      user_fullname: 'Noa Mizrahi',
      user_name: 'noa',
      extension_username: '1003',
      cause: null,
      sip_status: null,
      duration_time: null,
      billing_duration: null,
      billing_duration_time: null,
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ringing',
      queue_name: 'Sales',
    });
    expect(ringing.occurred_at).toBe(Date.UTC(2024, 11, 2, 21, 4, 42, 263));
    expect(ringing.answered_at_ms).toBeNull();
    const answer = byName('Call:Answer');
    expect(answer.payload).toEqual<CallPayload>({
      ...ringing.payload,
      ring_duration: 7,
      answer_at: '21:04:49',
      user_fullname: 'Maya Friedman',
      user_name: 'maya',
      extension_username: '1005',
      cause: 'answer',
      sip_status: '200',
      call_state: 'answered',
    });
    expect(answer.answered_at_ms).toBe(Date.UTC(2024, 11, 2, 21, 4, 49, 392));
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>(queueAnsweredHangup(uuid));
    const lastHangupAt = Date.UTC(2024, 11, 2, 21, 5, 26, 864);
    expect(hangup.occurred_at).toBe(lastHangupAt);
    expect(hangup.emitted_at).toBe(lastHangupAt + TIMINGS.hangupSettleMs);
    const reporting = byName('Call:Reporting');
    expect(reporting.payload).toEqual({ ...hangup.payload, call_state: 'reported' });
    expect(reporting.emitted_at).toBe(lastHangupAt + TIMINGS.reportingGraceMs);
  });

  it('transfer: the first agent answers and hands over to a second; the first answer decides', () => {
    const { result, byName, uuid } = play('transfer');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_ext',
      duration: 133,
      ring_duration: 7,
      answer_at: '21:04:48',
      user_fullname: 'Avi Cohen',
      user_name: 'avi',
      extension_username: '1002',
      cause: 'answer',
      sip_status: '200',
      duration_time: '00:02:13',
      billing_duration: 125,
      billing_duration_time: '00:02:05',
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ended',
      queue_name: null,
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
    // the second agent's answer is not another Call:Answer
    expect(byName('Call:Answer').answered_at_ms).toBe(Date.UTC(2024, 11, 2, 21, 4, 48, 835));
  });

  it('never answered: rings until the no-answer timeout', () => {
    const { result, byName, uuid } = play('never_answered');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_ext',
      duration: 26,
      ring_duration: 25,
      answer_at: null,
      user_fullname: 'Dana Levi',
      user_name: 'dana',
      extension_username: '1001',
      cause: 'no_answer',
      sip_status: '480',
      duration_time: '00:00:26',
      billing_duration: 0,
      billing_duration_time: '00:00:00',
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ended',
      queue_name: null,
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
    expect(hangup.answered_at_ms).toBeNull();
  });

  it('busy: an outgoing call to a busy number never rings', () => {
    const { result, byName, uuid } = play('busy');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      direction: 'outgoing',
      uuid,
      type: 'ext_to_out',
      created_at: '2024-12-02T21:04:40.701+00:00',
      contact_number: '0521751206',
      caller_id_number: '97237927134',
      duration: 1,
      ring_duration: null,
      destination: '0521751206',
      start_at: '21:04:40',
      answer_at: null,
      environment_name: 'Simulated',
      // nobody answered or rang: the calling user
      user_fullname: 'Noa Mizrahi',
      user_name: 'noa',
      extension_username: '1003',
      cause: 'busy',
      sip_status: '486',
      recording_url: null,
      duration_time: '00:00:01',
      billing_duration: 0,
      billing_duration_time: '00:00:00',
      did_number: null,
      did_name: null,
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ended',
      queue_name: null,
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
  });

  it('abandoned in the queue: the caller hangs up while two agents ring', () => {
    const { result, byName, uuid } = play('queue_abandoned');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_que',
      duration: 10,
      ring_duration: 8,
      answer_at: null,
      user_fullname: 'Noa Mizrahi',
      user_name: 'noa',
      extension_username: '1003',
      cause: 'cancel',
      sip_status: '487',
      duration_time: '00:00:10',
      billing_duration: 0,
      billing_duration_time: '00:00:00',
      queue_disposition: 'abandoned',
      ivr_name: null,
      call_state: 'ended',
      queue_name: 'Sales',
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
  });

  it('queue timeout: every agent times out, then the queue gives up', () => {
    const { result, byName, uuid } = play('queue_timeout');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_que',
      duration: 21,
      ring_duration: 19,
      answer_at: null,
      user_fullname: 'Noa Mizrahi',
      user_name: 'noa',
      extension_username: '1003',
      cause: 'no_answer',
      sip_status: '480',
      duration_time: '00:00:21',
      billing_duration: 0,
      billing_duration_time: '00:00:00',
      queue_disposition: 'timeout',
      ivr_name: null,
      call_state: 'ended',
      queue_name: 'Sales',
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
  });

  it('cancelled by the caller while the extension rings', () => {
    const { result, byName, uuid } = play('caller_cancelled');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_ext',
      duration: 15,
      ring_duration: 14,
      answer_at: null,
      user_fullname: 'Dana Levi',
      user_name: 'dana',
      extension_username: '1001',
      cause: 'cancel',
      sip_status: '487',
      duration_time: '00:00:15',
      billing_duration: 0,
      billing_duration_time: '00:00:00',
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ended',
      queue_name: null,
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
  });

  it('IVR (two menus) then a queue: one Ivr:Start / Ivr:End pair per visit, in order', () => {
    const { call, result, byName, uuid } = play('ivr_then_queue');
    expect(result.events.map((e) => e.event)).toEqual(['Ivr:Start', 'Ivr:End', 'Ivr:Start', 'Ivr:End', 'Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const ivrRaw = call.legs.filter((l) => l.kind === 'IVR_ENTERED' || l.kind === 'IVR_EXITED');
    const ivrEvents = result.events.filter((e) => e.event.startsWith('Ivr:'));
    ivrEvents.forEach((e, i) => {
      expect(e.event_id).toBe(callEventId(uuid, e.event, ivrRaw[i].event_id));
      expect(e.occurred_at).toBe(ivrRaw[i].occurred_at);
    });
    const before = {
      ...INCOMING,
      uuid,
      type: 'did_to_ivr',
      duration: null,
      ring_duration: null,
      answer_at: null,
      user_fullname: null,
      user_name: null,
      extension_username: null,
      cause: null,
      sip_status: null,
      duration_time: null,
      billing_duration: null,
      billing_duration_time: null,
      queue_disposition: null,
      call_state: 'ringing',
      queue_name: null,
    };
    expect(ivrEvents.map((e) => e.payload)).toEqual<CallPayload[]>([
      { ...before, ivr_name: 'Main menu' },
      { ...before, ivr_name: 'Main menu' },
      { ...before, ivr_name: 'Support menu' },
      { ...before, ivr_name: 'Support menu' },
    ]);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      ...INCOMING,
      uuid,
      type: 'did_to_ivr',
      duration: 84,
      ring_duration: 5,
      answer_at: '21:05:06',
      user_fullname: 'Noa Mizrahi',
      user_name: 'noa',
      extension_username: '1003',
      cause: 'answer',
      sip_status: '200',
      duration_time: '00:01:24',
      billing_duration: 58,
      billing_duration_time: '00:00:58',
      queue_disposition: 'answer',
      ivr_name: 'Support menu',
      call_state: 'ended',
      queue_name: 'Sales',
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
    // first ring: Avi's phone; the payload names the first ringer until someone answers
    expect(byName('Call:Ringing').payload).toMatchObject({ user_name: 'avi', ivr_name: 'Support menu', queue_name: 'Sales', call_state: 'ringing' });
  });

  it('outgoing call to an external number: contact is the destination, the user is the caller', () => {
    const { result, byName, uuid } = play('outgoing_external');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      direction: 'outgoing',
      uuid,
      type: 'ext_to_out',
      created_at: '2024-12-02T21:04:40.701+00:00',
      contact_number: '0512068297',
      caller_id_number: '97231342175',
      duration: 288,
      ring_duration: 4,
      destination: '0512068297',
      start_at: '21:04:40',
      answer_at: '21:04:46',
      environment_name: 'Simulated',
      user_fullname: 'Eitan Katz',
      user_name: 'eitan',
      extension_username: '1006',
      cause: 'answer',
      sip_status: '200',
      recording_url: null,
      duration_time: '00:04:48',
      billing_duration: 282,
      billing_duration_time: '00:04:42',
      did_number: null,
      did_name: null,
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ended',
      queue_name: null,
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
  });

  it('internal extension to extension: no contact number, the answering user', () => {
    const { result, byName, uuid } = play('internal');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>({
      direction: 'internal',
      uuid,
      type: 'ext_to_ext',
      created_at: '2024-12-02T21:04:40.701+00:00',
      contact_number: null,
      caller_id_number: '1006',
      duration: 556,
      ring_duration: 7,
      destination: '1002',
      start_at: '21:04:40',
      answer_at: '21:04:49',
      environment_name: 'Simulated',
      user_fullname: 'Avi Cohen',
      user_name: 'avi',
      extension_username: '1002',
      cause: 'answer',
      sip_status: '200',
      recording_url: null,
      duration_time: '00:09:16',
      billing_duration: 547,
      billing_duration_time: '00:09:07',
      did_number: null,
      did_name: null,
      queue_disposition: null,
      ivr_name: null,
      call_state: 'ended',
      queue_name: null,
    });
    expect(byName('Call:Reporting').payload).toEqual({ ...hangup.payload, call_state: 'reported' });
  });

  it('recording enabled: Call:Reporting waits past the grace for RECORDING_READY and carries its url', () => {
    const { result, byName, uuid } = play('recorded');
    expect(result.events.map((e) => e.event)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expectIds(result.events, uuid);
    const hangup = byName('Call:Hangup');
    expect(hangup.payload).toEqual<CallPayload>(queueAnsweredHangup(uuid));
    const reporting = byName('Call:Reporting');
    expect(reporting.payload).toEqual({ ...hangup.payload, call_state: 'reported', recording_url: `https://recordings.example.com/${uuid}.mp3` });
    // the recording came 5.81 s after the hangup, past the 5 s grace: Reporting left when it came
    const recordingAt = Date.UTC(2024, 11, 2, 21, 5, 32, 674);
    expect(reporting.emitted_at).toBe(recordingAt);
    expect(reporting.occurred_at).toBe(recordingAt);
  });
});
