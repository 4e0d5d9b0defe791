import { RETRY_TIERS, type TopicId } from '@callhooks/contracts';

export interface RetryScheduleSettings {
  /** One delay per entry of RETRY_TIERS, ascending. */
  tierDelaysMs: number[];
  /** Random extra delay, as a fraction of the tier's delay (0.1: up to +10%). */
  jitter: number;
  maxAttempts: number;
  maxAgeMs: number;
}

export interface RetryTier {
  index: number;
  name: string;
  topic: TopicId;
  delayMs: number;
}

export type RetryDecision =
  | { kind: 'retry'; tier: RetryTier; notBefore: number }
  | { kind: 'give_up'; reason: 'max_attempts' | 'max_age' };

/**
 * When a delivery is tried again, and through which delay topic.
 *
 * Backoff is the tier ladder itself (5 s, 30 s, 2 min, 10 min, 1 h, then hourly): roughly
 * exponential, and every wait maps onto exactly one tier, so a job waits in one topic and
 * the jobs of one tier share one delay. Because every job in a tier waits (almost) the same
 * time, not_before grows with the offset and the tier consumer can pause a partition at the
 * first job not yet due without holding back due jobs behind it; the jitter (a fraction of
 * the tier's delay) spreads a burst of failures without breaking that order by more than
 * that fraction. Retry-After moves a job to the first tier that waits at least as long,
 * capped at the last tier (a server asking for more than an hour is retried hourly).
 */
export class RetrySchedule {
  readonly tiers: RetryTier[];

  constructor(
    private readonly settings: RetryScheduleSettings,
    private readonly random: () => number = Math.random,
  ) {
    if (settings.tierDelaysMs.length !== RETRY_TIERS.length) throw new Error(`need ${RETRY_TIERS.length} tier delays`);
    this.tiers = RETRY_TIERS.map((t, index) => ({ index, name: t.name, topic: `deliveriesRetry${t.name}` as TopicId, delayMs: settings.tierDelaysMs[index] }));
  }

  get maxAttempts(): number {
    return this.settings.maxAttempts;
  }

  /** The tier whose topic a consumed record came from, by topic id; undefined for the main deliveries topic. */
  tierOf(topic: TopicId): RetryTier | undefined {
    return this.tiers.find((t) => t.topic === topic);
  }

  /** The base wait after failed attempt number `attempt` (1-based): the tier ladder, then the last tier forever. */
  backoffMs(attempt: number): number {
    return this.tiers[Math.min(Math.max(attempt, 1), this.tiers.length) - 1].delayMs;
  }

  /** The smallest tier that waits at least `ms`; the last tier for longer waits. */
  tierFor(ms: number): RetryTier {
    return this.tiers.find((t) => t.delayMs >= ms) ?? this.tiers[this.tiers.length - 1];
  }

  /**
   * After attempt `attempt` failed: retry through a tier, or give up (attempts or age exhausted).
   * The budget counts from `first_attempt` (a bulk recovery's resend gets the usual retries).
   */
  afterFailure(job: { attempt: number; created_at: number; first_attempt?: number | null }, now: number, retryAfterMs: number | null = null): RetryDecision {
    const used = job.attempt - Math.max(1, job.first_attempt ?? 1) + 1;
    if (used >= this.settings.maxAttempts) return { kind: 'give_up', reason: 'max_attempts' };
    const wanted = Math.max(this.backoffMs(used), retryAfterMs ?? 0);
    return this.schedule(job, now, this.tierFor(wanted));
  }

  /**
   * The job was not attempted (its target busy, its webhook not yet known): the same attempt
   * later, through the first tier. Only the age limit ends it. (An open breaker holds jobs: `hold`.)
   */
  postpone(job: { created_at: number }, now: number): RetryDecision {
    return this.schedule(job, now, this.tiers[0]);
  }

  /**
   * The job waits for its target's open breaker, until `until` (when its probe may go; at the
   * latest a tier delay from now), in the tier that covers the breaker's whole reset period
   * (`resetMs`): so every job a breaker holds waits in one tier, in the order it was held (the
   * events of a call keep their order), and comes back as soon as the probe may go, not up to a
   * tier delay later. It is due no later than a job written to that tier now for a plain retry,
   * so it never keeps the tier's partition paused longer than they do. Only the age limit ends it.
   */
  hold(job: { created_at: number }, now: number, until: number, resetMs: number): RetryDecision {
    const tier = this.tierFor(resetMs);
    const notBefore = Math.min(Math.max(until, now), now + tier.delayMs);
    if (notBefore - job.created_at > this.settings.maxAgeMs) return { kind: 'give_up', reason: 'max_age' };
    return { kind: 'retry', tier, notBefore };
  }

  private schedule(job: { created_at: number }, now: number, tier: RetryTier): RetryDecision {
    const notBefore = now + Math.round(tier.delayMs * (1 + this.settings.jitter * this.random()));
    if (notBefore - job.created_at > this.settings.maxAgeMs) return { kind: 'give_up', reason: 'max_age' };
    return { kind: 'retry', tier, notBefore };
  }
}

/**
 * Retry-After (RFC 9110): delay-seconds or an HTTP date. Returns the wait in ms, or null when
 * absent or unparsable; a date in the past means no wait (0).
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  if (!/[a-z]/i.test(raw)) return null; // "-5", "1.5": neither seconds nor a date
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
