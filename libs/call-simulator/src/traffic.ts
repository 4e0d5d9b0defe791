import type { CallLegEvent } from '@callhooks/contracts';
import { SCENARIOS, simulateCall, type ScenarioName, type SimulatedCall } from './call-scenarios';
import { disorderLegs } from './leg-disorder';
import { SeededRandom } from './seeded-random';

export interface TrafficOptions {
  seed: number;
  /** New calls per second. */
  rate: number;
  /** Epoch ms of the first call's start (platform time). */
  startAt: number;
  customerId?: string;
  environmentId?: string;
  environmentName?: string | null;
  /** Which scenarios, equally likely; all by default. */
  scenarios?: readonly ScenarioName[];
  shuffle?: boolean;
  /** Share of raw events delivered twice. */
  duplicateRatio?: number;
  /**
   * How much faster than real time a call's events are sent: 1 plays a 3-minute call in
   * 3 minutes, 60 in 3 seconds; 0 sends a call's events together when it starts.
   */
  speedup: number;
}

/** One raw event and when to send it, in ms after the traffic began. */
export interface ScheduledLeg {
  sendAfterMs: number;
  leg: CallLegEvent;
}

/**
 * Steady call traffic: call n starts n/rate seconds in (platform time moves with it), its
 * scenario and contents drawn from the seed, and each raw event is due when its platform
 * time comes round (compressed by `speedup`). Calls overlap as real ones do, so the
 * enricher holds many open calls at once.
 */
export class CallTraffic {
  private readonly rng: SeededRandom;
  private readonly pending = new MinHeap<ScheduledLeg>((a, b) => a.sendAfterMs - b.sendAfterMs);
  private started = 0;
  readonly calls: SimulatedCall[] = [];

  constructor(
    private readonly options: TrafficOptions,
    /** Keep every generated call in `calls` (tests); off for long benchmarks. */
    private readonly keepCalls = true,
  ) {
    this.rng = new SeededRandom(options.seed);
  }

  get callsStarted(): number {
    return this.started;
  }

  /** Generates the calls that start before `untilMs` and returns every event due by then, in send order. */
  due(untilMs: number, maxCalls = Number.POSITIVE_INFINITY): ScheduledLeg[] {
    const interval = 1000 / this.options.rate;
    while (this.started < maxCalls && this.started * interval <= untilMs) this.startCall(this.started++ * interval);
    const out: ScheduledLeg[] = [];
    while (this.pending.size() > 0 && this.pending.peek()!.sendAfterMs <= untilMs) out.push(this.pending.pop()!);
    return out;
  }

  /** Events still to send (of calls already started). */
  backlog(): number {
    return this.pending.size();
  }

  /** Everything left of the started calls, regardless of time. */
  drain(): ScheduledLeg[] {
    const out: ScheduledLeg[] = [];
    while (this.pending.size() > 0) out.push(this.pending.pop()!);
    return out;
  }

  private startCall(offsetMs: number): void {
    const scenarios = this.options.scenarios ?? SCENARIOS;
    const startAt = this.options.startAt + Math.round(offsetMs);
    const call = simulateCall(this.rng.pick(scenarios), {
      seed: this.rng.int(0, 2 ** 31 - 1),
      startAt,
      customerId: this.options.customerId,
      environmentId: this.options.environmentId,
      environmentName: this.options.environmentName,
    });
    if (this.keepCalls) this.calls.push(call);
    const speedup = this.options.speedup;
    const legs = disorderLegs(call.legs, this.rng, { shuffle: this.options.shuffle ?? false, duplicateRatio: this.options.duplicateRatio ?? 0 });
    // shuffled events are sent in their shuffled order over the call's span
    const times = call.legs.map((l) => (speedup > 0 ? offsetMs + (l.occurred_at - startAt) / speedup : offsetMs));
    legs.forEach((leg, i) => this.pending.push({ sendAfterMs: times[Math.min(i, times.length - 1)], leg }));
  }
}

/** A binary heap: the traffic keeps thousands of future events ordered by send time. */
class MinHeap<T> {
  private readonly items: T[] = [];
  private seq = 0;
  private readonly order: number[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.order.push(this.seq++);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    const lastItem = this.items.pop()!;
    const lastOrder = this.order.pop()!;
    if (this.items.length > 0) {
      this.items[0] = lastItem;
      this.order[0] = lastOrder;
      this.down(0);
    }
    return top;
  }

  /** Ties keep insertion order, so a call's same-instant events leave in the order written. */
  private less(i: number, j: number): boolean {
    const c = this.compare(this.items[i], this.items[j]);
    return c < 0 || (c === 0 && this.order[i] < this.order[j]);
  }

  private swap(i: number, j: number): void {
    [this.items[i], this.items[j]] = [this.items[j], this.items[i]];
    [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.items.length && this.less(l, m)) m = l;
      if (r < this.items.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
