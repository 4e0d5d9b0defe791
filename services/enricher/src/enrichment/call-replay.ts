import type { CallEvent, CallLegEvent } from '@callhooks/contracts';
import type { CallRecord } from './call-state';
import { applyLegs, fireTimers, type EnrichmentTimings } from './call-state.reducer';

export interface Arrival {
  /** This service's clock when the raw event arrives. */
  at: number;
  leg: CallLegEvent;
}

export interface ReplayResult {
  events: CallEvent[];
  /** The state left at the end (undefined once tombstoned). */
  record: CallRecord | undefined;
  duplicates: number;
  late: number;
  rejected: string[];
  /** True when the state was forgotten (tombstoned) by the end. */
  forgotten: boolean;
}

/**
 * Replays one call's raw events through the reducer the way the service does (arrivals at
 * the same instant form one batch), with an ideal timer scheduler (every deadline fires
 * exactly when due, before a later arrival), up to `until` on the service clock. The pure
 * core's whole behaviour, without Kafka.
 */
export function replayCall(arrivals: readonly Arrival[], timings: EnrichmentTimings, until = Number.POSITIVE_INFINITY): ReplayResult {
  const result: ReplayResult = { events: [], record: undefined, duplicates: 0, late: 0, rejected: [], forgotten: false };
  const runTimers = (upTo: number) => {
    while (result.record && result.record.dueAt !== null && result.record.dueAt <= upTo) {
      const outcome = fireTimers(result.record, result.record.dueAt, timings);
      if (!outcome) break;
      if (outcome.kind === 'evaluated') {
        result.events.push(...outcome.events);
        result.record = outcome.record;
      } else {
        result.record = undefined;
        result.forgotten = true;
      }
    }
  };
  const ordered = arrivals.map((a, i) => ({ a, i })).sort((x, y) => x.a.at - y.a.at || x.i - y.i).map(({ a }) => a);
  // arrivals at the same instant come in one consumed batch
  for (let i = 0; i < ordered.length; ) {
    const at = ordered[i].at;
    const batch: CallLegEvent[] = [];
    for (; i < ordered.length && ordered[i].at === at; i++) batch.push(ordered[i].leg);
    runTimers(at);
    const outcome = applyLegs(result.record, batch, at, timings);
    result.record = outcome.record;
    result.events.push(...outcome.events);
    for (const v of outcome.verdicts) {
      if (v.kind === 'duplicate') result.duplicates++;
      else if (v.kind === 'late') result.late++;
      else if (v.kind === 'rejected') result.rejected.push(v.reason);
    }
  }
  runTimers(until);
  return result;
}

/** Arrivals as the platform sends them: each raw event at its own occurred_at. */
export function pacedArrivals(legs: readonly CallLegEvent[]): Arrival[] {
  return legs.map((leg) => ({ at: leg.occurred_at, leg }));
}

/** Every raw event at once (a burst, e.g. a backlog after an outage). */
export function burstArrivals(legs: readonly CallLegEvent[], at: number): Arrival[] {
  return legs.map((leg) => ({ at, leg }));
}
