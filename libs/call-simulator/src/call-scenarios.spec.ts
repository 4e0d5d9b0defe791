import { CallTraffic, disorderLegs, SCENARIOS, SeededRandom, simulateCall } from './index';

describe('simulateCall', () => {
  it.each(SCENARIOS)('%s: the same seed gives the same call, another seed another', (scenario) => {
    const a = simulateCall(scenario, { seed: 7 });
    expect(simulateCall(scenario, { seed: 7 })).toEqual(a);
    expect(simulateCall(scenario, { seed: 8 }).callUuid).not.toBe(a.callUuid);
  });

  it.each(SCENARIOS)('%s: a well-formed call (one caller leg, created first, every leg created and hung up, ordered by time)', (scenario) => {
    for (let seed = 1; seed <= 20; seed++) {
      const call = simulateCall(scenario, { seed });
      const { legs, truth } = call;
      expect(legs[0]).toMatchObject({ kind: 'LEG_CREATED', leg_role: 'CALLER', occurred_at: truth.startedAt });
      const callerLegs = new Set(legs.filter((l) => l.leg_role === 'CALLER').map((l) => l.leg_uuid));
      expect(callerLegs.size).toBe(1);
      const ids = legs.map((l) => l.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const l of legs) expect(l).toMatchObject({ call_uuid: call.callUuid, customer_id: 'cust-sim', environment_id: 'env-sim' });
      for (let i = 1; i < legs.length; i++) expect(legs[i].occurred_at).toBeGreaterThanOrEqual(legs[i - 1].occurred_at);
      const legUuids = new Set(legs.filter((l) => l.kind.startsWith('LEG_')).map((l) => l.leg_uuid));
      for (const leg of legUuids) {
        expect(legs.filter((l) => l.leg_uuid === leg && l.kind === 'LEG_CREATED')).toHaveLength(1);
        expect(legs.filter((l) => l.leg_uuid === leg && l.kind === 'LEG_HANGUP')).toHaveLength(1);
      }
      const lastHangup = Math.max(...legs.filter((l) => l.kind === 'LEG_HANGUP').map((l) => l.occurred_at));
      expect(lastHangup).toBe(truth.endedAt);
      if (truth.answeredAt !== null) {
        const firstAnswer = legs.find((l) => l.kind === 'LEG_ANSWERED' && l.leg_role === 'CALLEE');
        expect(firstAnswer?.occurred_at).toBe(truth.answeredAt);
      }
      const recording = legs.find((l) => l.kind === 'RECORDING_READY');
      expect(recording?.recording_url ?? null).toBe(truth.recordingUrl);
      expect(legs[0].recording_enabled).toBe(truth.recordingUrl !== null);
    }
  });

  it('covers the shapes the enricher must handle', () => {
    const types = new Set(SCENARIOS.map((s) => simulateCall(s, { seed: 3 }).truth.type));
    expect(types).toEqual(new Set(['did_to_que', 'did_to_ext', 'did_to_ivr', 'ext_to_out', 'ext_to_ext']));
    const causes = new Set(SCENARIOS.map((s) => simulateCall(s, { seed: 3 }).truth.cause));
    expect(causes).toEqual(new Set(['answer', 'busy', 'no_answer', 'cancel']));
    const queueAnswered = simulateCall('queue_answered', { seed: 3 });
    expect(queueAnswered.legs.filter((l) => l.kind === 'LEG_CREATED' && l.leg_role === 'CALLEE').length).toBeGreaterThanOrEqual(2);
    expect(simulateCall('ivr_then_queue', { seed: 3 }).truth.events.filter((e) => e === 'Ivr:Start')).toHaveLength(2);
  });
});

describe('disorderLegs', () => {
  it('keeps every event, adds copies with the same event_id, and reorders', () => {
    const legs = simulateCall('queue_answered', { seed: 11 }).legs;
    const out = disorderLegs(legs, new SeededRandom(5), { shuffle: true, duplicateRatio: 0.5 });
    expect(new Set(out.map((l) => l.event_id))).toEqual(new Set(legs.map((l) => l.event_id)));
    expect(out.length).toBeGreaterThan(legs.length);
    expect(out.map((l) => l.event_id)).not.toEqual(legs.map((l) => l.event_id));
  });
});

describe('CallTraffic', () => {
  it('starts calls at the rate and sends each call’s events over its (compressed) span, in time order', () => {
    const traffic = new CallTraffic({ seed: 1, rate: 10, startAt: Date.UTC(2025, 0, 1), speedup: 100 });
    const first = traffic.due(1000);
    expect(traffic.callsStarted).toBe(11); // calls at 0, 100, ..., 1000 ms
    for (let i = 1; i < first.length; i++) expect(first[i].sendAfterMs).toBeGreaterThanOrEqual(first[i - 1].sendAfterMs);
    const rest = traffic.drain();
    const all = [...first, ...rest];
    expect(all).toHaveLength(traffic.calls.reduce((n, c) => n + c.legs.length, 0));
    // the traffic is the same for the same seed
    const again = new CallTraffic({ seed: 1, rate: 10, startAt: Date.UTC(2025, 0, 1), speedup: 100 });
    expect([...again.due(1000), ...again.drain()].map((s) => s.leg.event_id)).toEqual(all.map((s) => s.leg.event_id));
  });
});
