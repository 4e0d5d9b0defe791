import CircuitBreaker from 'opossum';

export interface BreakerSettings {
  resetTimeoutMs: number;
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingWindowMs: number;
  /** Failures in a row that open the breaker whatever the percentage (a dead target fails every call). */
  consecutiveFailures: number;
  /** A closed breaker unused for this long is forgotten (bounded memory and metric labels). */
  idleEvictionMs?: number;
}

export type BreakerState = 'closed' | 'half_open' | 'open';

export interface BreakerListener {
  stateChanged(target: string, state: BreakerState): void;
  forgotten(target: string): void;
}

/** Thrown through the breaker so opossum counts the attempt as a failure; carries the attempt. */
class TargetUnhealthy<R> extends Error {
  constructor(readonly result: R) {
    super('target unhealthy');
  }
}

export type GuardedCall<R> = { ran: true; result: R } | { ran: false; reason: 'open' };

interface Entry {
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  consecutive: number;
  lastUsed: number;
  /** When the breaker last opened (its half-open probe comes resetTimeoutMs later). */
  openedAt: number;
  /** The half-open probe in flight: settles when it ended, whatever its outcome. */
  probe?: Promise<void>;
}

/**
 * One opossum circuit breaker per target origin. It opens on `consecutiveFailures` failures
 * in a row, or when the error percentage within the rolling window passes the threshold
 * (once `volumeThreshold` attempts were seen); after `resetTimeoutMs` it lets exactly one
 * probe through (half-open): success closes it, failure opens it again.
 *
 * Deliveries are keyed by target origin, so one target's jobs live in one partition and one
 * dispatcher instance: a breaker per process is the breaker of the target, no coordination.
 * The breaker does not time the call: the HTTP client has its own attempt timeout.
 */
export class TargetBreakers {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper?: NodeJS.Timeout;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly listener?: BreakerListener,
    private readonly now: () => number = Date.now,
  ) {
    if (settings.idleEvictionMs) {
      this.sweeper = setInterval(() => this.evictIdle(), Math.min(settings.idleEvictionMs, 60_000));
      this.sweeper.unref();
    }
  }

  /** How long an opened breaker refuses before its half-open probe. */
  get resetTimeoutMs(): number {
    return this.settings.resetTimeoutMs;
  }

  state(target: string): BreakerState {
    const b = this.entries.get(target)?.breaker;
    if (!b) return 'closed';
    if (b.halfOpen) return 'half_open';
    return b.opened ? 'open' : 'closed';
  }

  /**
   * How long until an open breaker lets its probe through (0 when it is not open): a job
   * postponed by it waits that long instead of cycling through the first retry tier, which,
   * with a long outage and a deep backlog, re-produced every job (and a result for it) every
   * few seconds and buried the target's recovery under that traffic.
   */
  openFor(target: string): number {
    const e = this.entries.get(target);
    if (!e || !e.breaker.opened || e.breaker.halfOpen) return 0;
    return Math.max(0, e.openedAt + this.settings.resetTimeoutMs - this.now());
  }

  /**
   * Whether a call would be let through now (closed, or half-open with its probe not yet taken);
   * lets a caller reschedule without queuing work for a target that will refuse it.
   */
  allows(target: string): boolean {
    const b = this.entries.get(target)?.breaker;
    if (!b) return true;
    return b.closed || b.pendingClose;
  }

  /**
   * The half-open probe in flight, if any: it decides for the whole target, so a caller waits
   * for it (then asks `allows` again) instead of being refused and rescheduled for a reset
   * period, which would hold a recovered target's backlog back that long.
   */
  probe(target: string): Promise<void> | undefined {
    return this.entries.get(target)?.probe;
  }

  /**
   * Runs `attempt` through the target's breaker. `unhealthy(result)` says whether the
   * result counts as a failure of the target (5xx, timeout, ...) rather than of the request.
   */
  async call<R>(target: string, attempt: () => Promise<R>, unhealthy: (result: R) => boolean): Promise<GuardedCall<R>> {
    const entry = this.entry(target);
    entry.lastUsed = this.now();
    let probeEnded: (() => void) | undefined;
    if (entry.breaker.halfOpen && entry.breaker.pendingClose) {
      entry.probe = new Promise<void>((resolve) => (probeEnded = resolve));
    }
    try {
      const result = (await entry.breaker.fire(async () => {
        const r = await attempt();
        if (unhealthy(r)) throw new TargetUnhealthy(r);
        return r;
      })) as R;
      entry.consecutive = 0;
      return { ran: true, result };
    } catch (err) {
      if (err instanceof TargetUnhealthy) {
        entry.consecutive++;
        if (entry.consecutive >= this.settings.consecutiveFailures && !entry.breaker.opened) entry.breaker.open();
        return { ran: true, result: err.result as R };
      }
      if ((err as { code?: string }).code === 'EOPENBREAKER') return { ran: false, reason: 'open' };
      throw err;
    } finally {
      if (probeEnded) {
        entry.probe = undefined;
        probeEnded();
      }
    }
  }

  /** Forgets every breaker (shutdown). */
  shutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const [target, e] of this.entries) {
      e.breaker.shutdown();
      this.listener?.forgotten(target);
    }
    this.entries.clear();
  }

  private entry(target: string): Entry {
    const e = this.entries.get(target);
    if (e) return e;
    const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      resetTimeout: this.settings.resetTimeoutMs,
      errorThresholdPercentage: this.settings.errorThresholdPercentage,
      volumeThreshold: this.settings.volumeThreshold,
      rollingCountTimeout: this.settings.rollingWindowMs,
      rollingCountBuckets: 10,
      name: target,
    });
    const created: Entry = { breaker, consecutive: 0, lastUsed: this.now(), openedAt: 0 };
    breaker.on('open', () => {
      created.openedAt = this.now();
      this.listener?.stateChanged(target, 'open');
    });
    breaker.on('halfOpen', () => this.listener?.stateChanged(target, 'half_open'));
    breaker.on('close', () => {
      created.consecutive = 0;
      this.listener?.stateChanged(target, 'closed');
    });
    this.entries.set(target, created);
    this.listener?.stateChanged(target, 'closed');
    return created;
  }

  private evictIdle(): void {
    const limit = this.now() - (this.settings.idleEvictionMs ?? Infinity);
    for (const [target, e] of this.entries) {
      if (e.breaker.closed && e.lastUsed < limit) {
        e.breaker.shutdown();
        this.entries.delete(target);
        this.listener?.forgotten(target);
      }
    }
  }
}
