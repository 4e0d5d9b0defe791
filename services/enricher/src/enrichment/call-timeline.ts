import type { LegEventKind, LegRole } from '@callhooks/contracts';
import type { StoredLeg } from './call-state';

/** Lifecycle rank of each kind: orders events of the same millisecond as they must have happened. */
const KIND_RANK: Record<LegEventKind, number> = {
  LEG_CREATED: 0,
  IVR_ENTERED: 1,
  QUEUE_JOINED: 1,
  LEG_RINGING: 2,
  LEG_ANSWERED: 3,
  LEG_BRIDGED: 4,
  IVR_EXITED: 5,
  QUEUE_LEFT: 5,
  LEG_HANGUP: 6,
  RECORDING_READY: 7,
};

/** Platform order of raw events: time, then lifecycle, then event id (so the order never depends on arrival). */
export function compareLegs(a: StoredLeg, b: StoredLeg): number {
  return a.occurred_at - b.occurred_at || KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);
}

/** One leg of the call, from its LEG_* events (the earliest of each kind wins). */
export interface LegTimeline {
  legUuid: string;
  role: LegRole | null;
  created?: StoredLeg;
  ringing?: StoredLeg;
  answered?: StoredLeg;
  hangup?: StoredLeg;
}

/**
 * A call as its raw events describe it, in platform order. Built from a set of events, so
 * the same events give the same timeline whatever order they arrived in; `upTo` builds the
 * call as it was at an instant (the payload of an event shows the call at that event).
 */
export class CallTimeline {
  readonly events: StoredLeg[];
  readonly legs = new Map<string, LegTimeline>();
  readonly caller?: LegTimeline;
  readonly callees: LegTimeline[] = [];

  private constructor(events: StoredLeg[]) {
    this.events = events;
    for (const e of events) {
      if (!e.kind.startsWith('LEG_')) continue;
      let leg = this.legs.get(e.leg_uuid);
      if (!leg) {
        leg = { legUuid: e.leg_uuid, role: e.leg_role ?? null };
        this.legs.set(e.leg_uuid, leg);
      }
      leg.role ??= e.leg_role ?? null;
      const slot = SLOT[e.kind];
      if (slot && !leg[slot]) leg[slot] = e;
    }
    for (const leg of this.legs.values()) {
      if (leg.role === 'CALLER') this.caller ??= leg;
      else if (leg.role === 'CALLEE') this.callees.push(leg);
    }
  }

  static of(legs: readonly StoredLeg[], include: (leg: StoredLeg) => boolean = () => true): CallTimeline {
    return new CallTimeline(legs.filter(include).sort(compareLegs));
  }

  /** The caller leg's LEG_CREATED: direction, numbers, DID, the call's start. */
  get callerCreated(): StoredLeg | undefined {
    return this.caller?.created;
  }

  /** The first answer of a callee leg (a person or number, not an IVR): Call:Answer. */
  get answer(): StoredLeg | undefined {
    return first(this.callees.map((l) => l.answered));
  }

  get answeringLeg(): LegTimeline | undefined {
    const answer = this.answer;
    return answer ? this.legs.get(answer.leg_uuid) : undefined;
  }

  /** The first ring of a callee leg; an answer seen without its ring stands for it (a leg that answered has rung). */
  get firstRing(): StoredLeg | undefined {
    return first(this.callees.map((l) => l.ringing)) ?? this.answer;
  }

  /** Every leg seen has hung up, the caller's included: the call is over. */
  get ended(): boolean {
    if (!this.caller?.hangup) return false;
    for (const leg of this.legs.values()) if (!leg.hangup) return false;
    return true;
  }

  get lastHangup(): StoredLeg | undefined {
    return last([...this.legs.values()].map((l) => l.hangup));
  }

  /** The latest raw event of the call. */
  get latest(): StoredLeg | undefined {
    return this.events[this.events.length - 1];
  }

  ofKind(...kinds: LegEventKind[]): StoredLeg[] {
    return this.events.filter((e) => kinds.includes(e.kind));
  }

  lastOfKind(...kinds: LegEventKind[]): StoredLeg | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (kinds.includes(this.events[i].kind)) return this.events[i];
    return undefined;
  }

  get recording(): StoredLeg | undefined {
    return this.lastOfKind('RECORDING_READY');
  }

  /** The caller leg said a recording will follow. */
  get recordingExpected(): boolean {
    return this.callerCreated?.recording_enabled === true;
  }
}

const SLOT: Partial<Record<LegEventKind, 'created' | 'ringing' | 'answered' | 'hangup'>> = {
  LEG_CREATED: 'created',
  LEG_RINGING: 'ringing',
  LEG_ANSWERED: 'answered',
  LEG_HANGUP: 'hangup',
};

function first(legs: Array<StoredLeg | undefined>): StoredLeg | undefined {
  let best: StoredLeg | undefined;
  for (const l of legs) if (l && (!best || compareLegs(l, best) < 0)) best = l;
  return best;
}

function last(legs: Array<StoredLeg | undefined>): StoredLeg | undefined {
  let best: StoredLeg | undefined;
  for (const l of legs) if (l && (!best || compareLegs(l, best) > 0)) best = l;
  return best;
}

export { last as latestLeg };
