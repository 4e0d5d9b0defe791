import fc from 'fast-check';
import type { CallEvent, CallLegEvent } from '@callhooks/contracts';
import { SCENARIOS, simulateCall, type ScenarioName } from '@callhooks/call-simulator';
import { pacedArrivals, replayCall, type Arrival } from './call-replay';
import { fromSnapshot, toSnapshot, type CallRecord } from './call-state';
import { applyLegs, fireTimers, type EnrichmentTimings } from './call-state.reducer';

const TIMINGS: EnrichmentTimings = { hangupSettleMs: 1000, reportingGraceMs: 5000, reportingMaxWaitMs: 60000, closedRetentionMs: 600000, staleCallMs: 3600000 };

const withoutEmittedAt = (events: CallEvent[]) => events.map((e) => ({ ...e, emitted_at: 0 }));
const idsAndNames = (events: CallEvent[]) => events.map((e) => `${e.event_id} ${e.event}`).sort();
const finalPayload = (events: CallEvent[], name: string) => events.filter((e) => e.event === name).map((e) => e.payload);

/** A call of any scenario, its raw events in a random order, some of them twice. */
const disorderedCall = fc
  .record({ scenario: fc.constantFrom<ScenarioName>(...SCENARIOS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }) })
  .chain(({ scenario, seed }) => {
    const call = simulateCall(scenario, { seed });
    const n = call.legs.length;
    return fc.record({
      call: fc.constant(call),
      order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2 * n, maxLength: 2 * n }),
      duplicated: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      // per delivery, how late it comes: up to half the hangup settle time
      delays: fc.array(fc.integer({ min: 0, max: TIMINGS.hangupSettleMs / 2 - 1 }), { minLength: 2 * n, maxLength: 2 * n }),
    });
  });

function deliveries(legs: CallLegEvent[], duplicated: boolean[]): CallLegEvent[] {
  return legs.flatMap((l, i) => (duplicated[i] ? [l, { ...l }] : [l]));
}

describe('property: shuffled and duplicated raw events give the same events as the ordered sequence', () => {
  it('a whole call in one batch, in any order and with copies: the very same events (ids, names, payloads, order) as played in order', () => {
    fc.assert(
      fc.property(disorderedCall, ({ call, order, duplicated }) => {
        const ordered = replayCall(pacedArrivals(call.legs), TIMINGS);
        const sent = deliveries(call.legs, duplicated)
          .map((leg, i) => ({ leg, k: order[i] }))
          .sort((a, b) => a.k - b.k)
          .map(({ leg }) => leg);
        const at = call.truth.endedAt + 100;
        const burst = replayCall(sent.map((leg) => ({ at, leg })), TIMINGS);
        expect(withoutEmittedAt(burst.events)).toEqual(withoutEmittedAt(ordered.events));
        expect(burst.events.map((e) => e.event)).toEqual(call.truth.events);
      }),
      { numRuns: 300 },
    );
  });

  it('delivered one by one, shuffled by random delays and duplicated: the same event ids and names once each, and the same final Call:Hangup and Call:Reporting payloads', () => {
    fc.assert(
      fc.property(disorderedCall, ({ call, duplicated, delays }) => {
        const ordered = replayCall(pacedArrivals(call.legs), TIMINGS);
        const arrivals: Arrival[] = deliveries(call.legs, duplicated).map((leg, i) => ({ at: leg.occurred_at + delays[i], leg }));
        const disordered = replayCall(arrivals, TIMINGS);
        expect(idsAndNames(disordered.events)).toEqual(idsAndNames(ordered.events));
        expect(new Set(disordered.events.map((e) => e.event_id)).size).toBe(disordered.events.length);
        expect(finalPayload(disordered.events, 'Call:Hangup')).toEqual(finalPayload(ordered.events, 'Call:Hangup'));
        expect(finalPayload(disordered.events, 'Call:Reporting')).toEqual(finalPayload(ordered.events, 'Call:Reporting'));
        expect(disordered.duplicates + disordered.late).toBe(duplicated.filter(Boolean).length);
      }),
      { numRuns: 300 },
    );
  });

  it('a restart between any two deliveries (state written to and read back from the changelog format) changes nothing', () => {
    fc.assert(
      fc.property(disorderedCall, ({ call, duplicated, delays }) => {
        const arrivals = deliveries(call.legs, duplicated)
          .map((leg, i) => ({ at: leg.occurred_at + delays[i], leg }))
          .sort((a, b) => a.at - b.at);
        const reference = replayCall(arrivals, TIMINGS);
        // the same deliveries, with every state passing through a snapshot, one delivery per batch
        let record: CallRecord | undefined;
        const events: CallEvent[] = [];
        const restore = (r: CallRecord | undefined) => (r ? fromSnapshot(call.callUuid, toSnapshot(r)) : undefined);
        const timersUpTo = (t: number) => {
          while (record && record.dueAt !== null && record.dueAt <= t) {
            const o = fireTimers(record, record.dueAt, TIMINGS);
            if (!o) break;
            record = o.kind === 'evaluated' ? restore(o.record) : undefined;
            if (o.kind === 'evaluated') events.push(...o.events);
          }
        };
        for (const a of arrivals) {
          timersUpTo(a.at);
          const o = applyLegs(record, [a.leg], a.at, TIMINGS);
          record = restore(o.record);
          events.push(...o.events);
        }
        timersUpTo(Number.POSITIVE_INFINITY);
        expect(idsAndNames(events)).toEqual(idsAndNames(reference.events));
        expect(finalPayload(events, 'Call:Reporting')).toEqual(finalPayload(reference.events, 'Call:Reporting'));
      }),
      { numRuns: 100 },
    );
  });
});
