import { durationClock, isoUtcMillis, wallClockTime, type CallPayload, type CallState, type EventName, type QueueResult } from '@callhooks/contracts';
import type { StoredLeg } from './call-state';
import { compareLegs, latestLeg, type CallTimeline, type LegTimeline } from './call-timeline';

export interface DerivedPayload {
  payload: CallPayload;
  /** Call start (caller leg created), epoch ms: the matcher renders start_at in the environment's zone from it. */
  startedAtMs: number | null;
  answeredAtMs: number | null;
}

/**
 * The reporting payload of one event, derived from the call's timeline exactly as the
 * architecture's table says. Every field is present, null where the timeline does not know
 * it yet. start_at / answer_at are rendered in UTC here: the enricher does not know
 * environments, the matcher re-renders them in the environment's zone from the epochs.
 */
export function derivePayload(call: { callUuid: string; environmentName: string | null }, timeline: CallTimeline, event: EventName): DerivedPayload {
  const caller = timeline.callerCreated;
  const direction = caller?.call_direction?.toLowerCase() ?? null;
  const startedAt = caller?.occurred_at ?? null;
  const answer = timeline.answer;
  const answeredAt = answer?.occurred_at ?? null;
  const endedAt = timeline.ended ? (timeline.lastHangup?.occurred_at ?? null) : null;
  const firstRingAt = timeline.firstRing?.occurred_at ?? null;

  const duration = startedAt !== null && endedAt !== null ? seconds(startedAt, endedAt) : null;
  const ringDuration = firstRingAt === null ? null : answeredAt !== null ? seconds(firstRingAt, answeredAt) : endedAt !== null ? seconds(firstRingAt, endedAt) : null;
  const billingDuration = endedAt === null ? null : answeredAt === null ? 0 : seconds(answeredAt, endedAt);
  const user = userOf(timeline, direction);
  const lastQueue = timeline.lastOfKind('QUEUE_JOINED', 'QUEUE_LEFT');
  const lastIvr = timeline.lastOfKind('IVR_ENTERED', 'IVR_EXITED');
  const queueLeft = timeline.lastOfKind('QUEUE_LEFT');

  const payload: CallPayload = {
    direction,
    uuid: call.callUuid,
    type: callType(timeline, direction),
    created_at: startedAt !== null ? isoUtcMillis(startedAt) : null,
    contact_number: direction === 'incoming' ? (caller?.caller_id_number ?? null) : direction === 'outgoing' ? (caller?.destination_number ?? null) : null,
    caller_id_number: caller?.caller_id_number ?? null,
    duration,
    ring_duration: ringDuration,
    destination: caller?.destination_number ?? null,
    start_at: startedAt !== null ? wallClockTime(startedAt) : null,
    answer_at: answeredAt !== null ? wallClockTime(answeredAt) : null,
    environment_name: call.environmentName,
    user_fullname: user?.user_fullname ?? null,
    user_name: user?.user_name ?? null,
    extension_username: user?.extension_username ?? null,
    cause: answer ? 'answer' : endedAt !== null ? unansweredCause(timeline) : null,
    sip_status: sipStatusOf(timeline),
    recording_url: timeline.recording?.recording_url ?? null,
    duration_time: duration !== null ? durationClock(duration) : null,
    billing_duration: billingDuration,
    billing_duration_time: billingDuration !== null ? durationClock(billingDuration) : null,
    did_number: caller?.did_number ?? null,
    did_name: caller?.did_name ?? null,
    queue_disposition: queueLeft?.queue_result ? QUEUE_DISPOSITION[queueLeft.queue_result] : null,
    ivr_name: lastIvr?.ivr_name ?? null,
    call_state: callStateAt(timeline, event),
    queue_name: lastQueue?.queue_name ?? null,
  };
  return { payload, startedAtMs: startedAt, answeredAtMs: answeredAt };
}

/**
 * Whole seconds between two instants, counted on the seconds of the clock (both truncated),
 * so durations agree with the HH:MM:SS times shown next to them. Clock skew between platform
 * nodes never makes a duration negative.
 */
function seconds(fromMs: number, toMs: number): number {
  return Math.max(0, Math.floor(toMs / 1000) - Math.floor(fromMs / 1000));
}

const QUEUE_DISPOSITION: Record<QueueResult, string> = { ANSWERED: 'answer', TIMEOUT: 'timeout', ABANDONED: 'abandoned' };

/** `<src>_to_<dst>`: src "did" for incoming calls, else "ext"; dst by the first routing step. */
function callType(timeline: CallTimeline, direction: string | null): string | null {
  if (direction === null) return null;
  const dst = firstRoutingStep(timeline, direction);
  return dst === null ? null : `${direction === 'incoming' ? 'did' : 'ext'}_to_${dst}`;
}

function firstRoutingStep(timeline: CallTimeline, direction: string): 'que' | 'ivr' | 'ext' | 'out' | null {
  const steps = timeline.events.filter((e) => e.kind === 'QUEUE_JOINED' || e.kind === 'IVR_ENTERED' || (e.kind === 'LEG_CREATED' && timeline.legs.get(e.leg_uuid)?.role === 'CALLEE'));
  // a queue or IVR creates the callee legs it rings, so it comes first at the same instant
  const step = steps.sort((a, b) => a.occurred_at - b.occurred_at || (a.kind === 'LEG_CREATED' ? 1 : 0) - (b.kind === 'LEG_CREATED' ? 1 : 0) || compareLegs(a, b))[0];
  if (!step) return null;
  if (step.kind === 'QUEUE_JOINED') return 'que';
  if (step.kind === 'IVR_ENTERED') return 'ivr';
  if (step.target_type === 'EXTERNAL') return 'out';
  if (step.target_type === 'EXTENSION') return 'ext';
  // a callee leg that does not say what it rings: an outgoing call rings the outside world
  return direction === 'outgoing' ? 'out' : 'ext';
}

interface UserFields {
  user_fullname?: string;
  user_name?: string;
  extension_username?: string;
}

function hasUser(created: StoredLeg | undefined): created is StoredLeg {
  return Boolean(created && (created.user_fullname || created.user_name || created.extension_username));
}

/** The user whose leg answered, else the user who rang first, else the calling user on outgoing calls. */
function userOf(timeline: CallTimeline, direction: string | null): UserFields | undefined {
  const answered = timeline.answeringLeg?.created;
  if (hasUser(answered)) return answered;
  const ringers = timeline.callees.filter((l) => l.ringing && hasUser(l.created)).sort((a, b) => compareLegs(a.ringing!, b.ringing!));
  if (ringers.length > 0) return ringers[0].created;
  if (direction === 'outgoing' && hasUser(timeline.callerCreated)) return timeline.callerCreated;
  return undefined;
}

/** The callee leg that decides the outcome: the one that answered first, else the last to hang up. */
function decisiveCallee(timeline: CallTimeline): LegTimeline | undefined {
  const answering = timeline.answeringLeg;
  if (answering) return answering;
  const lastHangup = latestLeg(timeline.callees.map((l) => l.hangup));
  return lastHangup ? timeline.legs.get(lastHangup.leg_uuid) : undefined;
}

/** Final SIP status of the decisive callee leg: the answer's (the final response to its INVITE) when it answered, else its hangup's. */
function sipStatusOf(timeline: CallTimeline): string | null {
  const leg = decisiveCallee(timeline);
  if (!leg) return null;
  const status = leg.answered ? (leg.answered.sip_status ?? leg.hangup?.sip_status) : leg.hangup?.sip_status;
  return status === undefined ? null : String(status);
}

type Cause = 'busy' | 'no_answer' | 'cancel' | 'failed';

const CAUSE_BY_Q850: Record<string, Cause> = {
  USER_BUSY: 'busy',
  NO_ANSWER: 'no_answer',
  NO_USER_RESPONSE: 'no_answer',
  ALLOTTED_TIMEOUT: 'no_answer',
  ORIGINATOR_CANCEL: 'cancel',
  LOSE_RACE: 'cancel',
};

const CAUSE_BY_SIP: Record<number, Cause> = { 486: 'busy', 600: 'busy', 408: 'no_answer', 480: 'no_answer', 487: 'cancel' };

function causeOfLeg(leg: LegTimeline | undefined): Cause | undefined {
  const hangup = leg?.hangup;
  if (!hangup) return undefined;
  return (hangup.hangup_cause ? CAUSE_BY_Q850[hangup.hangup_cause] : undefined) ?? (hangup.sip_status !== undefined ? CAUSE_BY_SIP[hangup.sip_status] : undefined);
}

/**
 * How an unanswered call ended. The queue's own verdict first (it knows whether the caller
 * gave up or the wait timed out), then the decisive callee leg's hangup cause (busy, no
 * answer, cancelled by the caller), then the caller leg's; anything else failed.
 */
function unansweredCause(timeline: CallTimeline): Cause {
  const queueResult = timeline.lastOfKind('QUEUE_LEFT')?.queue_result;
  if (queueResult === 'ABANDONED') return 'cancel';
  if (queueResult === 'TIMEOUT') return 'no_answer';
  return causeOfLeg(decisiveCallee(timeline)) ?? causeOfLeg(timeline.caller) ?? 'failed';
}

function callStateAt(timeline: CallTimeline, event: EventName): CallState {
  switch (event) {
    case 'Call:Ringing':
      return 'ringing';
    case 'Call:Answer':
      return 'answered';
    case 'Call:Hangup':
      return 'ended';
    case 'Call:Reporting':
      return 'reported';
    default:
      return timeline.answer ? 'answered' : 'ringing';
  }
}
