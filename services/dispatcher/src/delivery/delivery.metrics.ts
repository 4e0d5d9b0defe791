import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerListener, BreakerState } from './target-breakers';
import type { SlotListener } from './target-slots';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** "2xx", "4xx", ... or "none" when no response came. */
export function statusClass(status: number | null): string {
  return status === null ? 'none' : `${Math.floor(status / 100)}xx`;
}

/** The dispatcher's own metrics (the consumer runtime adds records, lag and batch durations). */
@Injectable()
export class DeliveryMetrics implements BreakerListener, SlotListener {
  readonly deliveries: Counter<'outcome' | 'status_class'>;
  readonly attemptDuration: Histogram<'status_class'>;
  readonly breakerState: Gauge<'target'>;
  readonly breakerOpened: Counter<'target'>;
  readonly targetInflight: Gauge<'target'>;
  readonly targetLimit: Gauge<'target'>;
  readonly blocked: Counter;
  readonly postponed: Counter<'reason'>;
  readonly detached: Counter;
  readonly leftForNextBatch: Counter;
  readonly throttled: Counter<'outcome'>;
  readonly retryTierPending: Gauge<'tier'>;
  readonly targetParked: Gauge<'target'>;
  /** Jobs held for each target's breaker, as counted by this process (never below 0: see parkedChanged). */
  private readonly parked = new Map<string, number>();
  /** Reads the retry tiers' depth when /metrics is scraped (set by the consumer once Kafka is up). */
  tierDepth?: () => Promise<Map<string, number>>;

  constructor(@Inject(Registry) registry: Registry) {
    const registers = [registry];
    this.deliveries = new Counter({
      name: 'callhooks_deliveries_total',
      help: 'Delivery attempt outcomes (SUCCEEDED, RETRYING, FAILED, GONE, BLOCKED, BREAKER_OPEN) by HTTP status class (none: no response)',
      labelNames: ['outcome', 'status_class'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'callhooks_delivery_attempt_duration_seconds',
      help: 'Duration of one HTTP delivery attempt, from connect to the last body byte read',
      labelNames: ['status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'callhooks_breaker_state',
      help: 'Circuit breaker state per target origin: 0 closed, 1 half-open, 2 open',
      labelNames: ['target'],
      registers,
    });
    this.breakerOpened = new Counter({
      name: 'callhooks_breaker_open_total',
      help: 'Times the circuit breaker of a target origin opened',
      labelNames: ['target'],
      registers,
    });
    this.targetLimit = new Gauge({
      name: 'callhooks_target_concurrency_limit',
      help: 'Adaptive concurrency limit per target origin (set when it changes; a target never seen stays at DISPATCHER_TARGET_CONCURRENCY)',
      labelNames: ['target'],
      registers,
    });
    this.targetInflight = new Gauge({
      name: 'callhooks_target_inflight',
      help: 'HTTP attempts in flight per target origin',
      labelNames: ['target'],
      registers,
    });
    this.blocked = new Counter({
      name: 'callhooks_deliveries_blocked_total',
      help: 'Deliveries refused by the SSRF guard (the target resolved to a disallowed address)',
      registers,
    });
    this.postponed = new Counter({
      name: 'callhooks_deliveries_postponed_total',
      help: 'Jobs moved to a retry tier without an attempt, by reason: breaker_open, target_busy, webhook_unknown',
      labelNames: ['reason'],
      registers,
    });
    this.detached = new Counter({
      name: 'callhooks_delivery_attempts_detached_total',
      help: 'Attempts that had run a batch deadline themselves and outlived their batch, finished outside it (a safety copy waits in a retry tier)',
      registers,
    });
    this.leftForNextBatch = new Counter({
      name: 'callhooks_deliveries_left_for_next_batch_total',
      help: 'Jobs still waiting for a busy target at their batch deadline, left uncommitted and read again at once (backpressure)',
      registers,
    });
    this.throttled = new Counter({
      name: 'callhooks_deliveries_throttled_total',
      help: "Jobs held back by their webhook's rate_limit, without an attempt: waited (sent later in the batch) or deferred (left for a later batch)",
      labelNames: ['outcome'],
      registers,
    });
    this.targetParked = new Gauge({
      name: 'callhooks_target_parked_jobs',
      help: 'Jobs held in a retry tier for the open breaker of a target origin, not yet back: the backlog its recovery will drain (counted by this process since it started)',
      labelNames: ['target'],
      registers,
    });
    // prom-client calls collect() with the gauge as `this`; the depth source is read through this closure
    const tierDepth = () => this.tierDepth;
    this.retryTierPending = new Gauge({
      name: 'callhooks_retry_tier_pending',
      help: 'Jobs waiting in a retry tier topic: end offset minus the dispatcher group committed offset, summed over partitions',
      labelNames: ['tier'],
      registers,
      async collect() {
        const read = tierDepth();
        if (!read) return;
        for (const [tier, pending] of await read()) this.set({ tier }, pending);
      },
    });
  }

  stateChanged(target: string, state: BreakerState): void {
    this.breakerState.set({ target }, BREAKER_STATE_VALUE[state]);
    // from the breaker's creation (closed) the series is there at 0, so increase() sees its first opening
    this.breakerOpened.inc({ target }, state === 'open' ? 1 : 0);
  }

  forgotten(target: string): void {
    this.breakerState.remove({ target });
    this.breakerOpened.remove({ target });
    this.targetInflight.remove({ target });
  }

  /**
   * Jobs of a target held for its breaker (+) or back from being held (-), once committed. A
   * process counts from its start: jobs held by a previous one are not counted, and their
   * return does not take the gauge below 0. At 0 the series goes (bounded label set).
   */
  parkedChanged(target: string, delta: number): void {
    const n = Math.max(0, (this.parked.get(target) ?? 0) + delta);
    if (n === 0) {
      this.parked.delete(target);
      this.targetParked.remove({ target });
    } else {
      this.parked.set(target, n);
      this.targetParked.set({ target }, n);
    }
  }

  limitChanged(target: string, limit: number): void {
    this.targetLimit.set({ target }, limit);
  }

  inflightChanged(target: string, inflight: number): void {
    // kept at 0 while the target is known (a panel of an idle target shows 0, not nothing);
    // removed with the target's other series when it is forgotten
    this.targetInflight.set({ target }, inflight);
  }
}
