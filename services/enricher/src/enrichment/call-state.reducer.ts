import type { CallEvent, CallLegEvent, EventName } from '@callhooks/contracts';
import { derivePayload } from './call-payload';
import { newCall, storeLeg, type CallRecord, type ClosedCall, type OpenCall, type StoredLeg } from './call-state';
import { CallTimeline, compareLegs } from './call-timeline';
import { callEventId } from './event-id';

/** The waits of the enricher (ENRICHER_* settings), in ms of this service's clock. */
export interface EnrichmentTimings {
  /** After the last leg hangs up, how long Call:Hangup waits for stragglers of the call (a leg, the queue's verdict). */
  hangupSettleMs: number;
  /** After the call ended, how long Call:Reporting waits for late legs. */
  reportingGraceMs: number;
  /** After the call ended, the longest Call:Reporting waits for the recording, and the longest a call waits for its CALLER leg's LEG_CREATED before it is given up without events. */
  reportingMaxWaitMs: number;
  /** How long a reported (or given up) call is remembered, to recognise its late legs. */
  closedRetentionMs: number;
  /** A call with no raw event for this long, and not ended, is given up (its hangup was lost). */
  staleCallMs: number;
}

export type TimerOutcome =
  | { kind: 'evaluated'; record: CallRecord; events: CallEvent[] }
  /** A closed call's retention is over: tombstone it. */
  | { kind: 'forgotten' }
  /** An open call that went silent without ending: given up, tombstoned. */
  | { kind: 'expired'; call: OpenCall };

const HANGUP = 'Call:Hangup';
const REPORTING = 'Call:Reporting';

/** What became of one raw event of a batch. */
export type LegVerdict =
  | { kind: 'applied' }
  /** The raw event was applied before (same event_id): nothing changes. */
  | { kind: 'duplicate' }
  /** The call was already reported: counted and logged, not re-reported. */
  | { kind: 'late' }
  /** The event contradicts the call it belongs to: it goes to the dead-letter topic. */
  | { kind: 'rejected'; reason: string };

export interface LegsOutcome {
  /** The call's state after the batch (the one given when nothing changed). */
  record: CallRecord | undefined;
  /** True when the state changed and must be written to the changelog. */
  changed: boolean;
  events: CallEvent[];
  /** One per raw event, in the order given. */
  verdicts: LegVerdict[];
}

/**
 * Applies the raw events of one call from one consumed batch, then decides once what to
 * emit. Pure: returns the new state and the events, never mutates `record` (the caller
 * keeps the old state until the Kafka transaction commits).
 */
export function applyLegs(record: CallRecord | undefined, legs: readonly CallLegEvent[], now: number, timings: EnrichmentTimings): LegsOutcome {
  if (record?.status === 'closed') return { record, changed: false, events: [], verdicts: legs.map(() => ({ kind: 'late' })) };
  const verdicts: LegVerdict[] = [];
  let next: OpenCall | undefined;
  let seen: Set<string> | undefined;
  for (const leg of legs) {
    const base = next ?? record ?? newCall(leg);
    const conflict = contradiction(base, leg);
    if (conflict) {
      verdicts.push({ kind: 'rejected', reason: conflict });
      continue;
    }
    seen ??= new Set(base.legs.map((l) => l.event_id));
    if (seen.has(leg.event_id)) {
      verdicts.push({ kind: 'duplicate' });
      continue;
    }
    seen.add(leg.event_id);
    // copy on first write: the committed state stays untouched
    next ??= { ...base, legs: [...base.legs] };
    next.legs.push(storeLeg(leg));
    next.lastSeenAt = now;
    next.environmentName ??= leg.environment_name;
    verdicts.push({ kind: 'applied' });
  }
  if (!next) return { record, changed: false, events: [], verdicts };
  const { record: evaluated, events } = evaluate(next, now, timings);
  return { record: evaluated, changed: true, events, verdicts };
}

/** Runs the call's timer if it is due (at `now`); null when nothing is due. */
export function fireTimers(record: CallRecord, now: number, timings: EnrichmentTimings): TimerOutcome | null {
  if (record.dueAt === null || now < record.dueAt) return null;
  if (record.status === 'closed') return { kind: 'forgotten' };
  if (!record.emitted.includes(HANGUP) && record.endedSeenAt === null && now >= record.lastSeenAt + timings.staleCallMs) return { kind: 'expired', call: record };
  return { kind: 'evaluated', ...evaluate({ ...record }, now, timings) };
}

/** Cross-record contract checks: what one record alone cannot show is wrong. */
function contradiction(call: OpenCall, leg: CallLegEvent): string | null {
  if (leg.customer_id !== call.customerId || leg.environment_id !== call.environmentId) {
    return `call ${call.callUuid} belongs to customer ${call.customerId} / environment ${call.environmentId}, this event says ${leg.customer_id} / ${leg.environment_id}`;
  }
  if (!leg.leg_role) return null;
  for (const l of call.legs) {
    if (!l.leg_role) continue;
    if (l.leg_uuid === leg.leg_uuid && l.leg_role !== leg.leg_role) return `leg ${leg.leg_uuid} was ${l.leg_role} and is now ${leg.leg_role}`;
    if (leg.leg_role === 'CALLER' && l.leg_role === 'CALLER' && l.leg_uuid !== leg.leg_uuid) return `call ${call.callUuid} already has the CALLER leg ${l.leg_uuid}; ${leg.leg_uuid} claims to be another`;
  }
  return null;
}

interface Candidate {
  key: string;
  name: EventName;
  trigger: StoredLeg;
  /** IVR events carry their raw event id in the event id. */
  rawEventId?: string;
}

const NAME_RANK: Record<EventName, number> = { 'Ivr:Start': 0, 'Ivr:End': 0, 'Call:Ringing': 1, 'Call:Answer': 2, 'Call:Hangup': 3, 'Call:Reporting': 4 };

/**
 * Decides which events are due and builds them. The rules:
 * - nothing leaves before the caller leg's LEG_CREATED is known: a call the enricher has not
 *   seen begin never produces events. Its legs are kept (they may come before the caller leg,
 *   out of order) until the call ended and the maximum wait passed; then it is given up, a
 *   closed marker with `unbegun` (no phantom call of null fields from stray legs);
 * - Ringing, Answer and the IVR events leave as soon as their raw event is known, in the
 *   order they happened, each with the call as it was at that event;
 * - Ivr:End waits for its Ivr:Start (until the call's hangup);
 * - Hangup leaves once every leg has hung up and stayed so for the settle time;
 * - Reporting leaves after Hangup, once the grace passed and the recording (if announced)
 *   is in, or at the maximum wait.
 */
function evaluate(call: OpenCall, now: number, timings: EnrichmentTimings): { record: CallRecord; events: CallEvent[] } {
  const full = CallTimeline.of(call.legs);
  const emitted = new Set(call.emitted);
  const events: CallEvent[] = [];
  const emit = (c: Candidate, timeline: CallTimeline, occurredAt: number) => {
    events.push(buildEvent(call, c, timeline, occurredAt, now));
    emitted.add(c.key);
  };

  // until Hangup is out, a leg that appears (out of order) reopens the call
  if (!emitted.has(HANGUP)) call.endedSeenAt = full.ended ? (call.endedSeenAt ?? now) : null;
  const endedSeenAt = call.endedSeenAt;
  const gaveUp = endedSeenAt !== null && now >= endedSeenAt + timings.reportingMaxWaitMs;

  if (!full.callerCreated && gaveUp) return { record: closedMarker(call, now, timings, true), events: [] };
  if (full.callerCreated) {
    const hangupDue = endedSeenAt !== null && (now >= endedSeenAt + timings.hangupSettleMs || gaveUp);
    for (const c of inCallCandidates(full)) {
      if (emitted.has(c.key)) continue;
      if (c.name === 'Ivr:End' && !hangupDue && !hasMatchingStart(full, c.trigger)) continue;
      emit(c, CallTimeline.of(call.legs, (l) => l.kind !== 'RECORDING_READY' && compareLegs(l, c.trigger) <= 0), c.trigger.occurred_at);
    }
    if (!emitted.has(HANGUP) && hangupDue) {
      const lastHangup = full.lastHangup!;
      // the call as it ended: the recording, produced after the call, belongs to Reporting
      emit({ key: HANGUP, name: HANGUP, trigger: lastHangup }, CallTimeline.of(call.legs, (l) => l.kind !== 'RECORDING_READY'), lastHangup.occurred_at);
    }
  }

  if (emitted.has(HANGUP) && !emitted.has(REPORTING) && endedSeenAt !== null && now >= reportingDueAt(endedSeenAt, full, timings)) {
    emit({ key: REPORTING, name: REPORTING, trigger: full.latest! }, full, full.latest!.occurred_at);
    return { record: closedMarker(call, now, timings, false), events };
  }

  const next: OpenCall = { ...call, emitted: [...emitted] };
  next.dueAt = nextDeadline(next, full, timings);
  return { record: next, events };
}

function closedMarker(call: OpenCall, now: number, timings: EnrichmentTimings, unbegun: boolean): ClosedCall {
  return {
    status: 'closed',
    callUuid: call.callUuid,
    customerId: call.customerId,
    environmentId: call.environmentId,
    reportedAt: now,
    dueAt: now + timings.closedRetentionMs,
    ...(unbegun ? { unbegun: true as const } : {}),
  };
}

function inCallCandidates(full: CallTimeline): Candidate[] {
  const out: Candidate[] = [];
  const ring = full.firstRing;
  if (ring) out.push({ key: 'Call:Ringing', name: 'Call:Ringing', trigger: ring });
  const answer = full.answer;
  if (answer) out.push({ key: 'Call:Answer', name: 'Call:Answer', trigger: answer });
  for (const e of full.ofKind('IVR_ENTERED')) out.push({ key: `Ivr:Start:${e.event_id}`, name: 'Ivr:Start', trigger: e, rawEventId: e.event_id });
  for (const e of full.ofKind('IVR_EXITED')) out.push({ key: `Ivr:End:${e.event_id}`, name: 'Ivr:End', trigger: e, rawEventId: e.event_id });
  return out.sort((a, b) => compareLegs(a.trigger, b.trigger) || NAME_RANK[a.name] - NAME_RANK[b.name]);
}

function hasMatchingStart(full: CallTimeline, exit: StoredLeg): boolean {
  return full.ofKind('IVR_ENTERED').some((e) => e.leg_uuid === exit.leg_uuid && e.ivr_name === exit.ivr_name && compareLegs(e, exit) < 0);
}

function nextDeadline(call: OpenCall, full: CallTimeline, timings: EnrichmentTimings): number | null {
  const ended = call.endedSeenAt;
  if (!call.emitted.includes(HANGUP)) {
    if (ended === null) return call.lastSeenAt + timings.staleCallMs;
    return full.callerCreated ? ended + timings.hangupSettleMs : ended + timings.reportingMaxWaitMs;
  }
  return ended === null ? null : reportingDueAt(ended, full, timings);
}

/**
 * When Call:Reporting is due, once Call:Hangup is out (the one rule, both to decide and to
 * schedule): after the grace (never before Hangup's settle time) with the recording in if one
 * was announced, and at the maximum wait whatever is missing.
 */
function reportingDueAt(endedSeenAt: number, full: CallTimeline, timings: EnrichmentTimings): number {
  const atTheLatest = endedSeenAt + timings.reportingMaxWaitMs;
  if (full.recordingExpected && !full.recording) return atTheLatest;
  return Math.min(endedSeenAt + Math.max(timings.reportingGraceMs, timings.hangupSettleMs), atTheLatest);
}

function buildEvent(call: OpenCall, c: Candidate, timeline: CallTimeline, occurredAt: number, now: number): CallEvent {
  const derived = derivePayload(call, timeline, c.name);
  return {
    event_id: callEventId(call.callUuid, c.name, c.rawEventId),
    event: c.name,
    call_uuid: call.callUuid,
    customer_id: call.customerId,
    environment_id: call.environmentId,
    occurred_at: occurredAt,
    emitted_at: now,
    started_at_ms: derived.startedAtMs,
    answered_at_ms: derived.answeredAtMs,
    payload: derived.payload,
  };
}
