import { UNSET_LEG_DETAILS, type CallDirection, type CallLegEvent, type EventName, type LegEventKind, type LegRole, type QueueResult, type TargetType } from '@callhooks/contracts';
import { SeededRandom } from './seeded-random';

/** The call shapes the simulator knows, one per behaviour the enricher must get right. */
export const SCENARIOS = [
  'queue_answered',
  'transfer',
  'never_answered',
  'busy',
  'queue_abandoned',
  'queue_timeout',
  'caller_cancelled',
  'ivr_then_queue',
  'outgoing_external',
  'internal',
  'recorded',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface SimulatedUser {
  user_fullname: string;
  user_name: string;
  extension_username: string;
}

/**
 * What the scenario did, written down while building it (not derived from the legs), so a
 * test can hold the enricher's payload against the truth of the call.
 */
export interface ScenarioTruth {
  /** The system events the call should produce, with their multiplicity, in the order they happen. */
  events: EventName[];
  direction: 'incoming' | 'outgoing' | 'internal';
  type: string;
  cause: 'answer' | 'busy' | 'no_answer' | 'cancel' | 'failed';
  queueDisposition: 'answer' | 'timeout' | 'abandoned' | null;
  /** Final SIP status of the decisive callee leg. */
  sipStatus: string | null;
  /** The user the payload names (who answered, else who rang first, else the caller on outgoing calls). */
  user: SimulatedUser | null;
  contactNumber: string | null;
  callerIdNumber: string;
  destination: string;
  didNumber: string | null;
  didName: string | null;
  recordingUrl: string | null;
  startedAt: number;
  firstRingAt: number | null;
  answeredAt: number | null;
  endedAt: number;
  ivrNames: string[];
  queueName: string | null;
}

export interface SimulatedCall {
  scenario: ScenarioName;
  callUuid: string;
  customerId: string;
  environmentId: string;
  /** The raw events in the order the platform emits them (by occurred_at). */
  legs: CallLegEvent[];
  truth: ScenarioTruth;
}

export interface SimulateOptions {
  seed: number;
  /** Epoch ms of the caller leg's creation; a fixed instant by default so the seed alone fixes the call. */
  startAt?: number;
  customerId?: string;
  environmentId?: string;
  environmentName?: string | null;
}

/** 2 December 2024, 21:04:40.701 UTC: the instant of the product spec's example payload. */
export const DEFAULT_START_AT = Date.UTC(2024, 11, 2, 21, 4, 40, 701);

const USERS: readonly SimulatedUser[] = [
  { user_fullname: 'Dana Levi', user_name: 'dana', extension_username: '1001' },
  { user_fullname: 'Avi Cohen', user_name: 'avi', extension_username: '1002' },
  { user_fullname: 'Noa Mizrahi', user_name: 'noa', extension_username: '1003' },
  { user_fullname: 'Yossi Peretz', user_name: 'yossi', extension_username: '1004' },
  { user_fullname: 'Maya Friedman', user_name: 'maya', extension_username: '1005' },
  { user_fullname: 'Eitan Katz', user_name: 'eitan', extension_username: '1006' },
];
const QUEUES = ['Sales', 'Support', 'Billing'];
const DIDS = [
  { number: '972722791142', name: 'Main line' },
  { number: '972722791150', name: 'Support line' },
];

/** The events of a call as the scenario produces them, kept as a list the enricher must reproduce. */
const RINGING_ANSWERED: EventName[] = ['Call:Ringing', 'Call:Answer', 'Call:Hangup', 'Call:Reporting'];
const RINGING_ONLY: EventName[] = ['Call:Ringing', 'Call:Hangup', 'Call:Reporting'];

/** Builds one call's raw events: each `add` is one record of the telephony platform. */
class CallScript {
  readonly legs: CallLegEvent[] = [];
  readonly callUuid: string;

  constructor(
    readonly rng: SeededRandom,
    private readonly identity: { customer_id: string; environment_id: string; environment_name: string | null },
  ) {
    this.callUuid = rng.uuid();
  }

  add(kind: LegEventKind, legUuid: string, at: number, fields: Partial<CallLegEvent> = {}): void {
    const role: LegRole | null = kind.startsWith('LEG_') ? (fields.leg_role ?? null) : null;
    this.legs.push({
      event_id: this.rng.uuid(),
      call_uuid: this.callUuid,
      leg_uuid: legUuid,
      customer_id: this.identity.customer_id,
      environment_id: this.identity.environment_id,
      environment_name: this.identity.environment_name,
      kind,
      occurred_at: at,
      leg_role: role,
      ...UNSET_LEG_DETAILS,
      ...fields,
    });
  }

  caller(at: number, fields: { direction: CallDirection; caller_id_number: string; destination_number: string; did?: { number: string; name: string }; user?: SimulatedUser; recording?: boolean }): string {
    const leg = this.rng.uuid();
    this.add('LEG_CREATED', leg, at, {
      leg_role: 'CALLER',
      call_direction: fields.direction,
      caller_id_number: fields.caller_id_number,
      destination_number: fields.destination_number,
      did_number: fields.did?.number ?? null,
      did_name: fields.did?.name ?? null,
      ...(fields.user ?? {}),
      recording_enabled: fields.recording ?? false,
    });
    return leg;
  }

  callee(at: number, fields: { target: TargetType; caller_id_number: string; destination_number: string; user?: SimulatedUser }): string {
    const leg = this.rng.uuid();
    this.add('LEG_CREATED', leg, at, {
      leg_role: 'CALLEE',
      target_type: fields.target,
      caller_id_number: fields.caller_id_number,
      destination_number: fields.destination_number,
      ...(fields.user ?? {}),
    });
    return leg;
  }

  leg(kind: LegEventKind, legUuid: string, role: LegRole, at: number, fields: Partial<CallLegEvent> = {}): void {
    this.add(kind, legUuid, at, { leg_role: role, ...fields });
  }

  hangup(legUuid: string, role: LegRole, at: number, cause: string, sip: number | null): void {
    this.leg('LEG_HANGUP', legUuid, role, at, { hangup_cause: cause, sip_status: sip });
  }

  queue(kind: 'QUEUE_JOINED' | 'QUEUE_LEFT', callerLeg: string, at: number, queue: string, result: QueueResult | null = null): void {
    this.add(kind, callerLeg, at, { queue_name: queue, queue_result: result });
  }

  ivr(kind: 'IVR_ENTERED' | 'IVR_EXITED', callerLeg: string, at: number, ivr: string): void {
    this.add(kind, callerLeg, at, { ivr_name: ivr });
  }

  /** The legs in platform order; a stable sort keeps same-millisecond events in the order written. */
  ordered(): CallLegEvent[] {
    return this.legs.map((l, i) => ({ l, i })).sort((a, b) => a.l.occurred_at - b.l.occurred_at || a.i - b.i).map(({ l }) => l);
  }
}

interface Ctx {
  s: CallScript;
  rng: SeededRandom;
  t0: number;
}

function externalNumber(rng: SeededRandom): string {
  return `05${rng.digits(8)}`;
}

/** Agents of a queue ring together; the returned legs ring in creation order. */
function ringAgents(c: Ctx, agents: SimulatedUser[], from: number, callerId: string): Array<{ leg: string; user: SimulatedUser; ringAt: number }> {
  const taken = new Set<number>();
  return agents.map((user, i) => {
    const created = from + 20 + i * 15;
    const leg = c.s.callee(created, { target: 'EXTENSION', caller_id_number: callerId, destination_number: user.extension_username, user });
    // distinct ring instants, so "the user who rang first" is never a tie
    let ringAt = created + c.rng.int(80, 400);
    while (taken.has(ringAt)) ringAt++;
    taken.add(ringAt);
    c.s.leg('LEG_RINGING', leg, 'CALLEE', ringAt);
    return { leg, user, ringAt };
  });
}

/** Both legs of a bridged call hang up, one after the other, either side first. */
function hangupBridged(c: Ctx, callerLeg: string, calleeLeg: string, at: number, calleeSip: number | null): number {
  const second = at + c.rng.int(5, 60);
  if (c.rng.chance(0.5)) {
    c.s.hangup(callerLeg, 'CALLER', at, 'NORMAL_CLEARING', null);
    c.s.hangup(calleeLeg, 'CALLEE', second, 'NORMAL_CLEARING', calleeSip);
  } else {
    c.s.hangup(calleeLeg, 'CALLEE', at, 'NORMAL_CLEARING', calleeSip);
    c.s.hangup(callerLeg, 'CALLER', second, 'NORMAL_CLEARING', null);
  }
  return second;
}

function answerCallee(c: Ctx, callerLeg: string, calleeLeg: string, at: number): void {
  c.s.leg('LEG_ANSWERED', calleeLeg, 'CALLEE', at, { sip_status: 200 });
  c.s.leg('LEG_BRIDGED', calleeLeg, 'CALLEE', at + 20);
  c.s.leg('LEG_BRIDGED', callerLeg, 'CALLER', at + 20);
}

/** Incoming call through a queue, ringing several agents at once; `recording` adds the recording after the call. */
function queueAnswered(c: Ctx, opts: { recording: boolean; ivrs: string[] }): ScenarioTruth {
  const { s, rng, t0 } = c;
  const did = rng.pick(DIDS);
  const callerId = externalNumber(rng);
  const caller = s.caller(t0, { direction: 'INCOMING', caller_id_number: callerId, destination_number: did.number, did, recording: opts.recording });
  // the platform answers the caller leg itself to play prompts and queue music: not a Call:Answer
  let t = t0 + rng.int(200, 1500);
  s.leg('LEG_ANSWERED', caller, 'CALLER', t, { sip_status: 200 });
  for (const ivr of opts.ivrs) {
    s.ivr('IVR_ENTERED', caller, t, ivr);
    t += rng.int(3000, 15000);
    s.ivr('IVR_EXITED', caller, t, ivr);
    t += rng.int(10, 100);
  }
  const queue = rng.pick(QUEUES);
  s.queue('QUEUE_JOINED', caller, t, queue);
  const ringing = ringAgents(c, rng.pickDistinct(USERS, rng.int(2, 4)), t, callerId);
  const winner = ringing[rng.int(0, ringing.length - 1)];
  const answeredAt = Math.max(...ringing.map((r) => r.ringAt)) + rng.int(3000, 20000);
  answerCallee(c, caller, winner.leg, answeredAt);
  s.queue('QUEUE_LEFT', caller, answeredAt + 40, queue, 'ANSWERED');
  for (const loser of ringing.filter((r) => r !== winner)) s.hangup(loser.leg, 'CALLEE', answeredAt + rng.int(10, 30), 'LOSE_RACE', 487);
  const endedAt = hangupBridged(c, caller, winner.leg, answeredAt + rng.int(20000, 300000), 200);
  let recordingUrl: string | null = null;
  if (opts.recording) {
    recordingUrl = `https://recordings.example.com/${s.callUuid}.mp3`;
    s.add('RECORDING_READY', caller, endedAt + rng.int(2000, 8000), { recording_url: recordingUrl });
  }
  const ivrEvents: EventName[] = opts.ivrs.flatMap((): EventName[] => ['Ivr:Start', 'Ivr:End']);
  return {
    events: [...ivrEvents, ...RINGING_ANSWERED],
    direction: 'incoming',
    type: opts.ivrs.length > 0 ? 'did_to_ivr' : 'did_to_que',
    cause: 'answer',
    queueDisposition: 'answer',
    sipStatus: '200',
    user: winner.user,
    contactNumber: callerId,
    callerIdNumber: callerId,
    destination: did.number,
    didNumber: did.number,
    didName: did.name,
    recordingUrl,
    startedAt: t0,
    firstRingAt: Math.min(...ringing.map((r) => r.ringAt)),
    answeredAt,
    endedAt,
    ivrNames: opts.ivrs,
    queueName: queue,
  };
}

/** Incoming call to an extension, answered, then transferred to a second agent. */
function transfer(c: Ctx): ScenarioTruth {
  const { s, rng, t0 } = c;
  const did = rng.pick(DIDS);
  const callerId = externalNumber(rng);
  const [first, second] = rng.pickDistinct(USERS, 2);
  const caller = s.caller(t0, { direction: 'INCOMING', caller_id_number: callerId, destination_number: did.number, did });
  const a = s.callee(t0 + rng.int(300, 1000), { target: 'EXTENSION', caller_id_number: callerId, destination_number: first.extension_username, user: first });
  const ringAt = t0 + rng.int(1100, 1400);
  s.leg('LEG_RINGING', a, 'CALLEE', ringAt);
  const answeredAt = ringAt + rng.int(2000, 10000);
  answerCallee(c, caller, a, answeredAt);
  s.leg('LEG_ANSWERED', caller, 'CALLER', answeredAt + 5, { sip_status: 200 });
  const transferAt = answeredAt + rng.int(10000, 60000);
  const b = s.callee(transferAt, { target: 'EXTENSION', caller_id_number: callerId, destination_number: second.extension_username, user: second });
  const bRing = transferAt + rng.int(100, 300);
  s.leg('LEG_RINGING', b, 'CALLEE', bRing);
  const bAnswer = bRing + rng.int(2000, 8000);
  answerCallee(c, caller, b, bAnswer);
  s.hangup(a, 'CALLEE', bAnswer + rng.int(20, 200), 'NORMAL_CLEARING', 200);
  const endedAt = hangupBridged(c, caller, b, bAnswer + rng.int(10000, 120000), 200);
  return {
    events: RINGING_ANSWERED,
    direction: 'incoming',
    type: 'did_to_ext',
    cause: 'answer',
    queueDisposition: null,
    sipStatus: '200',
    user: first,
    contactNumber: callerId,
    callerIdNumber: callerId,
    destination: did.number,
    didNumber: did.number,
    didName: did.name,
    recordingUrl: null,
    startedAt: t0,
    firstRingAt: ringAt,
    answeredAt,
    endedAt,
    ivrNames: [],
    queueName: null,
  };
}

/** Incoming call to an extension that rings until the no-answer timeout. */
function neverAnswered(c: Ctx): ScenarioTruth {
  const { s, rng, t0 } = c;
  const did = rng.pick(DIDS);
  const callerId = externalNumber(rng);
  const user = rng.pick(USERS);
  const caller = s.caller(t0, { direction: 'INCOMING', caller_id_number: callerId, destination_number: did.number, did });
  const leg = s.callee(t0 + rng.int(300, 1000), { target: 'EXTENSION', caller_id_number: callerId, destination_number: user.extension_username, user });
  const ringAt = t0 + rng.int(1100, 1400);
  s.leg('LEG_RINGING', leg, 'CALLEE', ringAt);
  const giveUp = ringAt + rng.int(15000, 30000);
  s.hangup(leg, 'CALLEE', giveUp, 'NO_ANSWER', 480);
  const endedAt = giveUp + rng.int(5, 50);
  s.hangup(caller, 'CALLER', endedAt, 'NO_ANSWER', null);
  return {
    events: RINGING_ONLY,
    direction: 'incoming',
    type: 'did_to_ext',
    cause: 'no_answer',
    queueDisposition: null,
    sipStatus: '480',
    user,
    contactNumber: callerId,
    callerIdNumber: callerId,
    destination: did.number,
    didNumber: did.number,
    didName: did.name,
    recordingUrl: null,
    startedAt: t0,
    firstRingAt: ringAt,
    answeredAt: null,
    endedAt,
    ivrNames: [],
    queueName: null,
  };
}

/** Outgoing call to an external number that answers busy at once (no ringing). */
function busy(c: Ctx): ScenarioTruth {
  const { s, rng, t0 } = c;
  const user = rng.pick(USERS);
  const callerId = `9723${rng.digits(7)}`;
  const destination = externalNumber(rng);
  const caller = s.caller(t0, { direction: 'OUTGOING', caller_id_number: callerId, destination_number: destination, user });
  const createdAt = t0 + rng.int(100, 400);
  const leg = s.callee(createdAt, { target: 'EXTERNAL', caller_id_number: callerId, destination_number: destination });
  const busyAt = createdAt + rng.int(300, 1500);
  s.hangup(leg, 'CALLEE', busyAt, 'USER_BUSY', 486);
  const endedAt = busyAt + rng.int(5, 40);
  s.hangup(caller, 'CALLER', endedAt, 'USER_BUSY', null);
  return {
    events: ['Call:Hangup', 'Call:Reporting'],
    direction: 'outgoing',
    type: 'ext_to_out',
    cause: 'busy',
    queueDisposition: null,
    sipStatus: '486',
    user,
    contactNumber: destination,
    callerIdNumber: callerId,
    destination,
    didNumber: null,
    didName: null,
    recordingUrl: null,
    startedAt: t0,
    firstRingAt: null,
    answeredAt: null,
    endedAt,
    ivrNames: [],
    queueName: null,
  };
}

/** Incoming call waiting in a queue while agents ring; the caller hangs up (abandons) or the queue times out. */
function queueUnanswered(c: Ctx, outcome: 'abandoned' | 'timeout'): ScenarioTruth {
  const { s, rng, t0 } = c;
  const did = rng.pick(DIDS);
  const callerId = externalNumber(rng);
  const caller = s.caller(t0, { direction: 'INCOMING', caller_id_number: callerId, destination_number: did.number, did });
  const joinedAt = t0 + rng.int(200, 1500);
  s.leg('LEG_ANSWERED', caller, 'CALLER', joinedAt, { sip_status: 200 });
  const queue = rng.pick(QUEUES);
  s.queue('QUEUE_JOINED', caller, joinedAt, queue);
  const ringing = ringAgents(c, rng.pickDistinct(USERS, rng.int(1, 3)), joinedAt, callerId);
  const lastRing = Math.max(...ringing.map((r) => r.ringAt));
  let endedAt: number;
  let sipStatus: string;
  if (outcome === 'abandoned') {
    const hangupAt = lastRing + rng.int(5000, 40000);
    s.hangup(caller, 'CALLER', hangupAt, 'NORMAL_CLEARING', null);
    s.queue('QUEUE_LEFT', caller, hangupAt + rng.int(2, 30), queue, 'ABANDONED');
    const cancels = ringing.map(() => hangupAt + rng.int(5, 40));
    ringing.forEach((r, i) => s.hangup(r.leg, 'CALLEE', cancels[i], 'ORIGINATOR_CANCEL', 487));
    endedAt = Math.max(...cancels);
    sipStatus = '487';
  } else {
    // every agent's leg times out, then the queue gives up and the platform ends the call
    const timeouts = ringing.map((r) => r.ringAt + rng.int(15000, 25000));
    ringing.forEach((r, i) => s.hangup(r.leg, 'CALLEE', timeouts[i], 'NO_ANSWER', 480));
    const leftAt = Math.max(...timeouts) + rng.int(100, 2000);
    s.queue('QUEUE_LEFT', caller, leftAt, queue, 'TIMEOUT');
    endedAt = leftAt + rng.int(20, 200);
    s.hangup(caller, 'CALLER', endedAt, 'NORMAL_CLEARING', null);
    sipStatus = '480';
  }
  const firstRinger = ringing.reduce((a, b) => (b.ringAt < a.ringAt ? b : a));
  return {
    events: RINGING_ONLY,
    direction: 'incoming',
    type: 'did_to_que',
    cause: outcome === 'abandoned' ? 'cancel' : 'no_answer',
    queueDisposition: outcome,
    sipStatus,
    user: firstRinger.user,
    contactNumber: callerId,
    callerIdNumber: callerId,
    destination: did.number,
    didNumber: did.number,
    didName: did.name,
    recordingUrl: null,
    startedAt: t0,
    firstRingAt: firstRinger.ringAt,
    answeredAt: null,
    endedAt,
    ivrNames: [],
    queueName: queue,
  };
}

/** Incoming call to an extension; the caller hangs up while it rings. */
function callerCancelled(c: Ctx): ScenarioTruth {
  const { s, rng, t0 } = c;
  const did = rng.pick(DIDS);
  const callerId = externalNumber(rng);
  const user = rng.pick(USERS);
  const caller = s.caller(t0, { direction: 'INCOMING', caller_id_number: callerId, destination_number: did.number, did });
  const leg = s.callee(t0 + rng.int(300, 1000), { target: 'EXTENSION', caller_id_number: callerId, destination_number: user.extension_username, user });
  const ringAt = t0 + rng.int(1100, 1400);
  s.leg('LEG_RINGING', leg, 'CALLEE', ringAt);
  const cancelAt = ringAt + rng.int(3000, 20000);
  s.hangup(caller, 'CALLER', cancelAt, 'ORIGINATOR_CANCEL', null);
  const endedAt = cancelAt + rng.int(5, 40);
  s.hangup(leg, 'CALLEE', endedAt, 'ORIGINATOR_CANCEL', 487);
  return {
    events: RINGING_ONLY,
    direction: 'incoming',
    type: 'did_to_ext',
    cause: 'cancel',
    queueDisposition: null,
    sipStatus: '487',
    user,
    contactNumber: callerId,
    callerIdNumber: callerId,
    destination: did.number,
    didNumber: did.number,
    didName: did.name,
    recordingUrl: null,
    startedAt: t0,
    firstRingAt: ringAt,
    answeredAt: null,
    endedAt,
    ivrNames: [],
    queueName: null,
  };
}

/** A user's call to an external number (outgoing) or to another extension (internal), answered. */
function direct(c: Ctx, kind: 'outgoing' | 'internal'): ScenarioTruth {
  const { s, rng, t0 } = c;
  const [from, to] = rng.pickDistinct(USERS, 2);
  const callerId = kind === 'outgoing' ? `9723${rng.digits(7)}` : from.extension_username;
  const destination = kind === 'outgoing' ? externalNumber(rng) : to.extension_username;
  const caller = s.caller(t0, { direction: kind === 'outgoing' ? 'OUTGOING' : 'INTERNAL', caller_id_number: callerId, destination_number: destination, user: from });
  const leg = s.callee(t0 + rng.int(100, 400), {
    target: kind === 'outgoing' ? 'EXTERNAL' : 'EXTENSION',
    caller_id_number: callerId,
    destination_number: destination,
    user: kind === 'internal' ? to : undefined,
  });
  const ringAt = t0 + rng.int(500, 2000);
  s.leg('LEG_RINGING', leg, 'CALLEE', ringAt);
  const answeredAt = ringAt + rng.int(3000, 15000);
  answerCallee(c, caller, leg, answeredAt);
  s.leg('LEG_ANSWERED', caller, 'CALLER', answeredAt + 5, { sip_status: 200 });
  const endedAt = hangupBridged(c, caller, leg, answeredAt + rng.int(10000, 600000), 200);
  return {
    events: RINGING_ANSWERED,
    direction: kind,
    type: kind === 'outgoing' ? 'ext_to_out' : 'ext_to_ext',
    cause: 'answer',
    queueDisposition: null,
    sipStatus: '200',
    // an external party has no user: the payload falls back to the calling user
    user: kind === 'internal' ? to : from,
    contactNumber: kind === 'outgoing' ? destination : null,
    callerIdNumber: callerId,
    destination,
    didNumber: null,
    didName: null,
    recordingUrl: null,
    startedAt: t0,
    firstRingAt: ringAt,
    answeredAt,
    endedAt,
    ivrNames: [],
    queueName: null,
  };
}

/**
 * Generates one call of a scenario: the same seed and options always give the same call
 * (ids, numbers, users, timings).
 */
export function simulateCall(scenario: ScenarioName, options: SimulateOptions): SimulatedCall {
  const rng = new SeededRandom(options.seed);
  const identity = {
    customer_id: options.customerId ?? 'cust-sim',
    environment_id: options.environmentId ?? 'env-sim',
    environment_name: options.environmentName === undefined ? 'Simulated' : options.environmentName,
  };
  const s = new CallScript(rng, identity);
  const c: Ctx = { s, rng, t0: options.startAt ?? DEFAULT_START_AT };
  const truth = build(scenario, c);
  return { scenario, callUuid: s.callUuid, customerId: identity.customer_id, environmentId: identity.environment_id, legs: s.ordered(), truth };
}

function build(scenario: ScenarioName, c: Ctx): ScenarioTruth {
  switch (scenario) {
    case 'queue_answered':
      return queueAnswered(c, { recording: false, ivrs: [] });
    case 'recorded':
      return queueAnswered(c, { recording: true, ivrs: [] });
    case 'ivr_then_queue':
      return queueAnswered(c, { recording: false, ivrs: ['Main menu', 'Support menu'] });
    case 'transfer':
      return transfer(c);
    case 'never_answered':
      return neverAnswered(c);
    case 'busy':
      return busy(c);
    case 'queue_abandoned':
      return queueUnanswered(c, 'abandoned');
    case 'queue_timeout':
      return queueUnanswered(c, 'timeout');
    case 'caller_cancelled':
      return callerCancelled(c);
    case 'outgoing_external':
      return direct(c, 'outgoing');
    case 'internal':
      return direct(c, 'internal');
  }
}

/** The system events a call should produce, with their multiplicity. */
export function expectedEvents(call: SimulatedCall): EventName[] {
  return [...call.truth.events];
}
