import type { CallLegEvent } from '@callhooks/contracts';
import { simulateCall } from '@callhooks/call-simulator';
import { burstArrivals, pacedArrivals, replayCall, type Arrival } from './call-replay';
import { fromSnapshot, toSnapshot, UnreadableSnapshotError, type CallRecord } from './call-state';
import { applyLegs, fireTimers, type EnrichmentTimings } from './call-state.reducer';
import { legContractViolation } from './leg-contract';

const TIMINGS: EnrichmentTimings = { hangupSettleMs: 1000, reportingGraceMs: 5000, reportingMaxWaitMs: 60000, closedRetentionMs: 600000, staleCallMs: 3600000 };

const names = (r: { events: Array<{ event: string }> }) => r.events.map((e) => e.event);

describe('timers', () => {
  const call = simulateCall('queue_answered', { seed: 2 });
  const end = call.truth.endedAt;

  it('Hangup waits the settle time after the last hangup, Reporting the grace; then the call is a closed marker, forgotten after the retention', () => {
    const upToEnd = replayCall(pacedArrivals(call.legs), TIMINGS, end + 999);
    expect(names(upToEnd)).toEqual(['Call:Ringing', 'Call:Answer']);
    expect(upToEnd.record).toMatchObject({ status: 'open', endedSeenAt: end, dueAt: end + 1000 });

    const afterSettle = replayCall(pacedArrivals(call.legs), TIMINGS, end + 4999);
    expect(names(afterSettle)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup']);
    expect(afterSettle.record).toMatchObject({ status: 'open', dueAt: end + 5000 });

    const reported = replayCall(pacedArrivals(call.legs), TIMINGS, end + 5000);
    expect(names(reported)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expect(reported.record).toEqual({ status: 'closed', callUuid: call.callUuid, customerId: 'cust-sim', environmentId: 'env-sim', reportedAt: end + 5000, dueAt: end + 5000 + 600000 });

    const forgotten = replayCall(pacedArrivals(call.legs), TIMINGS, end + 5000 + 600000);
    expect(forgotten.forgotten).toBe(true);
    expect(forgotten.record).toBeUndefined();
  });

  it('a zero settle emits Hangup with the last hangup itself', () => {
    const r = replayCall(pacedArrivals(call.legs), { ...TIMINGS, hangupSettleMs: 0 }, end);
    expect(r.events.find((e) => e.event === 'Call:Hangup')?.emitted_at).toBe(end);
  });

  describe('recording', () => {
    const recorded = simulateCall('recorded', { seed: 2 });
    const withoutRecording = recorded.legs.filter((l) => l.kind !== 'RECORDING_READY');
    const recording = recorded.legs.find((l) => l.kind === 'RECORDING_READY')!;
    const recEnd = recorded.truth.endedAt;

    it('arriving within the grace: Reporting leaves at the end of the grace, with the url', () => {
      const r = replayCall([...pacedArrivals(withoutRecording), { at: recEnd + 2000, leg: recording }], TIMINGS);
      const reporting = r.events.find((e) => e.event === 'Call:Reporting')!;
      expect(reporting.emitted_at).toBe(recEnd + 5000);
      expect(reporting.payload.recording_url).toBe(recording.recording_url);
    });

    it('arriving after the grace: Reporting leaves when it arrives', () => {
      const r = replayCall([...pacedArrivals(withoutRecording), { at: recEnd + 42000, leg: recording }], TIMINGS);
      expect(r.events.find((e) => e.event === 'Call:Reporting')!.emitted_at).toBe(recEnd + 42000);
    });

    it('never arriving: Reporting leaves at the maximum wait, without the url; the recording arriving later is a late leg', () => {
      const r = replayCall([...pacedArrivals(withoutRecording), { at: recEnd + 70000, leg: recording }], TIMINGS);
      const reporting = r.events.find((e) => e.event === 'Call:Reporting')!;
      expect(reporting.emitted_at).toBe(recEnd + 60000);
      expect(reporting.payload.recording_url).toBeNull();
      expect(r.late).toBe(1);
      expect(names(r)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    });
  });

  it('a call that goes silent without ending is given up after the stale time', () => {
    const open = call.legs.filter((l) => !(l.kind === 'LEG_HANGUP' && l.leg_role === 'CALLER'));
    const arrivals = pacedArrivals(open);
    let record: CallRecord | undefined;
    for (const a of arrivals) {
      const o = applyLegs(record, [a.leg], a.at, TIMINGS);
      if (o.verdicts[0].kind === 'applied') record = o.record;
    }
    const lastAt = arrivals[arrivals.length - 1].at;
    expect(record!.dueAt).toBe(lastAt + TIMINGS.staleCallMs);
    expect(fireTimers(record!, lastAt + TIMINGS.staleCallMs - 1, TIMINGS)).toBeNull();
    expect(fireTimers(record!, lastAt + TIMINGS.staleCallMs, TIMINGS)).toMatchObject({ kind: 'expired' });
  });
});

describe('out of order and twice', () => {
  it('duplicates are recognised by event_id and change nothing', () => {
    const call = simulateCall('internal', { seed: 4 });
    const arrivals: Arrival[] = pacedArrivals(call.legs).flatMap((a) => [a, { at: a.at + 1, leg: { ...a.leg } }]);
    const r = replayCall(arrivals, TIMINGS);
    expect(r.duplicates).toBe(call.legs.length);
    expect(names(r)).toEqual(['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
  });

  it('holds everything until the caller leg is known, then emits in the order things happened', () => {
    const call = simulateCall('ivr_then_queue', { seed: 5 });
    const [callerCreated, ...rest] = call.legs;
    const lateCallerAt = call.truth.answeredAt! + 500;
    const r = replayCall(pacedArrivals(rest.filter((l) => l.occurred_at < lateCallerAt)), TIMINGS, lateCallerAt - 1);
    expect(r.events).toEqual([]);
    const full = replayCall([...pacedArrivals(rest), { at: lateCallerAt, leg: callerCreated }], TIMINGS);
    expect(names(full)).toEqual(['Ivr:Start', 'Ivr:End', 'Ivr:Start', 'Ivr:End', 'Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting']);
    expect(full.events.slice(0, 6).every((e) => e.emitted_at === lateCallerAt)).toBe(true);
    // held events still show the call as it was when they happened
    const ordered = replayCall(pacedArrivals(call.legs), TIMINGS);
    expect(full.events.map((e) => ({ ...e, emitted_at: 0 }))).toEqual(ordered.events.map((e) => ({ ...e, emitted_at: 0 })));
  });

  it('a caller leg that never comes: nothing leaves; at the maximum wait after the end the call is given up (a marker, unbegun), and its later legs are late', () => {
    const call = simulateCall('never_answered', { seed: 6 });
    const end = call.truth.endedAt;
    const withoutCaller = call.legs.filter((l) => !(l.kind === 'LEG_CREATED' && l.leg_role === 'CALLER'));
    const waiting = replayCall(pacedArrivals(withoutCaller), TIMINGS, end + TIMINGS.reportingMaxWaitMs - 1);
    expect(waiting.events).toEqual([]);
    expect(waiting.record).toMatchObject({ status: 'open', dueAt: end + TIMINGS.reportingMaxWaitMs });
    const repeatedHangup = withoutCaller.find((l) => l.kind === 'LEG_HANGUP')!;
    const lateAt = end + TIMINGS.reportingMaxWaitMs + 5000;
    const r = replayCall([...pacedArrivals(withoutCaller), { at: lateAt, leg: { ...repeatedHangup, event_id: 'a-repeat' } }], TIMINGS, lateAt);
    expect(r.events).toEqual([]);
    expect(r.record).toEqual({ status: 'closed', callUuid: call.callUuid, customerId: 'cust-sim', environmentId: 'env-sim', reportedAt: end + TIMINGS.reportingMaxWaitMs, dueAt: end + TIMINGS.reportingMaxWaitMs + TIMINGS.closedRetentionMs, unbegun: true });
    expect(r.late).toBe(1);
  });

  it('the caller leg arriving late, but within the maximum wait after the end, still makes the whole call', () => {
    const call = simulateCall('never_answered', { seed: 6 });
    const end = call.truth.endedAt;
    const callerCreated = call.legs.find((l) => l.kind === 'LEG_CREATED' && l.leg_role === 'CALLER')!;
    const rest = call.legs.filter((l) => l !== callerCreated);
    const r = replayCall([...pacedArrivals(rest), { at: end + TIMINGS.reportingMaxWaitMs - 1, leg: callerCreated }], TIMINGS);
    const ordered = replayCall(pacedArrivals(call.legs), TIMINGS);
    expect(names(r)).toEqual(names(ordered));
    expect(r.events.map((e) => ({ ...e, emitted_at: 0 }))).toEqual(ordered.events.map((e) => ({ ...e, emitted_at: 0 })));
  });

  it('legs of a forgotten call (after the retention) start a call not seen begin: nothing leaves, ever', () => {
    // the case: retention 5 s, a repeated LEG_HANGUP and a RECORDING_READY after it
    // (the recorded call talks for minutes: a stale time of 60 s would give it up mid-call)
    const short: EnrichmentTimings = { ...TIMINGS, closedRetentionMs: 5000 };
    const call = simulateCall('recorded', { seed: 9 });
    const end = call.truth.endedAt;
    const reported = replayCall(pacedArrivals(call.legs), short);
    expect(names(reported)).toContain('Call:Reporting');
    const forgottenAt = reported.events[reported.events.length - 1].emitted_at + short.closedRetentionMs;
    const hangup = call.legs.find((l) => l.kind === 'LEG_HANGUP' && l.leg_role === 'CALLER')!;
    const recording = call.legs.find((l) => l.kind === 'RECORDING_READY')!;
    const again = replayCall(pacedArrivals(call.legs).concat([{ at: forgottenAt + 1000, leg: hangup }, { at: forgottenAt + 2000, leg: recording }]), short, forgottenAt + 2000 + short.reportingMaxWaitMs);
    expect(again.forgotten).toBe(true);
    expect(names(again)).toEqual(names(reported));
    expect(again.record).toMatchObject({ status: 'closed', unbegun: true });
    expect(end).toBeLessThan(forgottenAt);
  });

  it('a leg appearing after every known leg hung up reopens the call until it hangs up too', () => {
    const call = simulateCall('queue_answered', { seed: 7 });
    const loser = call.legs.find((l) => l.kind === 'LEG_HANGUP' && l.hangup_cause === 'LOSE_RACE')!;
    const loserLegs = call.legs.filter((l) => l.leg_uuid === loser.leg_uuid);
    const others = call.legs.filter((l) => l.leg_uuid !== loser.leg_uuid);
    const end = call.truth.endedAt;
    // the losing agent's leg shows up 500 ms after the call looked over, its hangup 1.2 s later
    const arrivals = [...pacedArrivals(others), ...loserLegs.slice(0, -1).map((leg) => ({ at: end + 500, leg })), { at: end + 1700, leg: loserLegs[loserLegs.length - 1] }];
    const r = replayCall(arrivals, TIMINGS);
    const hangup = r.events.find((e) => e.event === 'Call:Hangup')!;
    expect(hangup.emitted_at).toBe(end + 1700 + 1000);
    const ordered = replayCall(pacedArrivals(call.legs), TIMINGS);
    expect(hangup.payload).toEqual(ordered.events.find((e) => e.event === 'Call:Hangup')!.payload);
  });

  it('Ivr:End waits for its Ivr:Start', () => {
    const call = simulateCall('ivr_then_queue', { seed: 8 });
    const entered = call.legs.find((l) => l.kind === 'IVR_ENTERED')!;
    const exited = call.legs.find((l) => l.kind === 'IVR_EXITED' && l.ivr_name === entered.ivr_name)!;
    const others = call.legs.filter((l) => l !== entered);
    const r = replayCall([...pacedArrivals(others.filter((l) => l.occurred_at <= exited.occurred_at)), { at: exited.occurred_at + 100, leg: entered }], TIMINGS);
    expect(names(r)).toEqual(['Ivr:Start', 'Ivr:End']);
    expect(r.events.every((e) => e.emitted_at === exited.occurred_at + 100)).toBe(true);
  });
});

describe('late legs and contradictions', () => {
  const call = simulateCall('busy', { seed: 9 });

  it('a leg after Call:Reporting is late: not applied, not re-reported', () => {
    const reported = replayCall(pacedArrivals(call.legs), TIMINGS, call.truth.endedAt + 10000);
    expect(reported.record?.status).toBe('closed');
    const stray: CallLegEvent = { ...call.legs[1], event_id: 'another-raw-event', kind: 'LEG_RINGING' };
    expect(applyLegs(reported.record, [stray], call.truth.endedAt + 20000, TIMINGS)).toEqual({ record: reported.record, changed: false, events: [], verdicts: [{ kind: 'late' }] });
  });

  it('rejects an event of another customer, a second CALLER leg, and a leg changing role', () => {
    const first = applyLegs(undefined, [call.legs[0]], 1, TIMINGS);
    expect(first.verdicts).toEqual([{ kind: 'applied' }]);
    const state = first.record;
    const rejected = (reason: string) => ({ record: state, changed: false, events: [], verdicts: [{ kind: 'rejected', reason: expect.stringContaining(reason) }] });
    expect(applyLegs(state, [{ ...call.legs[1], customer_id: 'someone-else' }], 2, TIMINGS)).toEqual(rejected('someone-else'));
    expect(applyLegs(state, [{ ...call.legs[0], event_id: 'x', leg_uuid: 'other-leg' }], 2, TIMINGS)).toEqual(rejected('CALLER'));
    expect(applyLegs(state, [{ ...call.legs[0], event_id: 'y', kind: 'LEG_RINGING', leg_role: 'CALLEE' }], 2, TIMINGS)).toEqual(rejected('was CALLER'));
  });
});

describe('snapshots', () => {
  it('round-trip open and closed calls through the changelog format', () => {
    const call = simulateCall('recorded', { seed: 10 });
    const open = replayCall(burstArrivals(call.legs.slice(0, 8), 1000), TIMINGS, 2000).record!;
    expect(open.status).toBe('open');
    expect(fromSnapshot(call.callUuid, toSnapshot(open))).toEqual(open);
    const closed = replayCall(pacedArrivals(call.legs), TIMINGS, call.truth.endedAt + 70000).record!;
    expect(closed.status).toBe('closed');
    expect(fromSnapshot(call.callUuid, toSnapshot(closed))).toEqual(closed);
  });

  it('stores raw events without their null fields', () => {
    const call = simulateCall('busy', { seed: 10 });
    const r = replayCall(burstArrivals(call.legs.slice(0, 1), 1), TIMINGS, 2).record!;
    expect(r.status).toBe('open');
    const stored = (JSON.parse(toSnapshot(r).state_json) as { legs: Array<Record<string, unknown>> }).legs[0];
    expect(Object.values(stored)).not.toContain(null);
    expect(Object.keys(stored)).not.toContain('call_uuid');
    expect(stored).toMatchObject({ kind: 'LEG_CREATED', call_direction: 'OUTGOING', user_name: 'dana' });
  });

  it('refuses unknown versions, broken JSON and another call’s state', () => {
    expect(() => fromSnapshot('c', { state_version: 99, state_json: '{}' })).toThrow(UnreadableSnapshotError);
    expect(() => fromSnapshot('c', { state_version: 1, state_json: '{' })).toThrow(/not JSON/);
    expect(() => fromSnapshot('c', { state_version: 1, state_json: JSON.stringify({ status: 'closed', callUuid: 'd' }) })).toThrow(/another call/);
  });
});

describe('legContractViolation', () => {
  const leg = simulateCall('internal', { seed: 1 }).legs[0];

  it('accepts a well-formed record keyed by its call', () => {
    expect(legContractViolation(leg, leg.call_uuid)).toBeNull();
  });

  it.each<[string, Partial<CallLegEvent>, string | null, RegExp]>([
    ['empty call_uuid', { call_uuid: '' }, '', /call_uuid is empty/],
    ['blank event_id', { event_id: '  ' }, null, /event_id is empty/],
    ['key not the call', {}, 'other', /record key "other" is not the call_uuid/],
    ['LEG_* without a role', { kind: 'LEG_RINGING', leg_role: null }, null, /LEG_RINGING without leg_role/],
    ['caller without direction', { call_direction: null }, null, /without call_direction/],
    ['no timestamp', { occurred_at: 0 }, null, /occurred_at/],
  ])('refuses %s', (_label, change, key, reason) => {
    const bad = { ...leg, ...change };
    expect(legContractViolation(bad, key === null ? bad.call_uuid : key)).toMatch(reason);
  });
});
