import type { DeliveryAttemptResult } from '@callhooks/contracts';

/**
 * Rolling per-webhook aggregates of delivery attempts, in time buckets, so a webhook's health
 * over 1 h, 24 h or 7 d is read from one small document instead of scanning the delivery log.
 * Pure functions over plain data; the store (webhook-health.store.ts) persists them.
 *
 * - minute buckets for the last hour (the 1 h window), hour buckets for the last 7 days
 *   (24 h and 7 d); a result older than what is kept is not counted;
 * - latency as a histogram with fixed bounds (LATENCY_BOUNDS_MS), so buckets add up and
 *   percentiles are estimated by linear interpolation inside the bin that holds them (the
 *   estimate is off by at most the width of that bin);
 * - only attempts that reached (or were refused for) the target count: results without an
 *   HTTP attempt (breaker open, webhook disabled or deleted, busy target) do not, though a
 *   breaker-open result tells the breaker's state.
 */

export const WINDOWS = { '1h': { ms: 3_600_000, unit: 'minute' }, '24h': { ms: 24 * 3_600_000, unit: 'hour' }, '7d': { ms: 7 * 24 * 3_600_000, unit: 'hour' } } as const;
export type HealthWindow = keyof typeof WINDOWS;
export const HEALTH_WINDOWS = Object.keys(WINDOWS) as HealthWindow[];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const UNIT_MS = { minute: MINUTE, hour: HOUR } as const;
/** Failure times of the current streak kept (enough to place late results; the rest is counted). */
const STREAK_KEPT = 1000;
/** Minute buckets kept: the 1 h window plus the minute in progress. */
const MINUTES_KEPT = 61;
/** Hour buckets kept: the 7 d window plus the hour in progress. */
const HOURS_KEPT = 7 * 24 + 1;

/** Upper bounds of the latency bins, in ms; one more bin holds everything above the last. */
export const LATENCY_BOUNDS_MS = [5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 20_000, 30_000, 60_000];

export const FAILURE_CLASSES = ['http_4xx', 'http_5xx', 'http_3xx', 'timeout', 'connection', 'blocked', 'other'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** One time bucket: attempts, successes, failures by class, latency histogram (bin index → count). */
export interface HealthBucket {
  /** Start of the bucket (epoch ms). */
  t: number;
  attempts: number;
  successes: number;
  failures: Partial<Record<FailureClass, number>>;
  latency: Record<string, number>;
}

export interface LastAttempt {
  at: Date;
  status_code: number | null;
  error: string | null;
}

/** Everything kept about one webhook's attempts. */
export interface HealthState {
  minutes: HealthBucket[];
  hours: HealthBucket[];
  last_success: LastAttempt | null;
  last_failure: LastAttempt | null;
  /** Failed attempts after the last success, by attempt time (whatever order the results are read in). */
  consecutive_failures: number;
  /** The first failure after the last success; null while the last attempt succeeded. */
  failing_since: Date | null;
  /** Times (epoch ms, ascending) of the failures after the last success, the latest STREAK_KEPT of them. */
  streak: number[];
  /** Failures of the streak older than those kept in `streak`. */
  streak_overflow: number;
  /** Latest time a job of this webhook was postponed because its target's breaker was open. */
  breaker_open_at: Date | null;
  /** Latest attempt time (success or failure): a later one than breaker_open_at means the breaker let it through. */
  last_attempt_at: Date | null;
}

export function emptyHealth(): HealthState {
  return {
    minutes: [],
    hours: [],
    last_success: null,
    last_failure: null,
    consecutive_failures: 0,
    failing_since: null,
    streak: [],
    streak_overflow: 0,
    breaker_open_at: null,
    last_attempt_at: null,
  };
}

/** Results that say nothing about the target: no HTTP attempt was made. */
const NOT_ATTEMPTED = new Set(['breaker_open', 'target_busy', 'webhook_disabled', 'webhook_deleted', 'webhook_unknown']);

export type AttemptKind = { kind: 'success' } | { kind: 'failure'; class: FailureClass } | { kind: 'breaker_open' } | { kind: 'none' };

export function classify(r: Pick<DeliveryAttemptResult, 'outcome' | 'status_code' | 'error_class'>): AttemptKind {
  if (r.outcome === 'BREAKER_OPEN' || r.error_class === 'breaker_open') return { kind: 'breaker_open' };
  if (r.error_class !== null && NOT_ATTEMPTED.has(r.error_class)) return { kind: 'none' };
  if (r.outcome === 'SUCCEEDED') return { kind: 'success' };
  if (r.outcome === 'BLOCKED' || r.error_class === 'blocked_address') return { kind: 'failure', class: 'blocked' };
  const status = r.status_code;
  if (status !== null) return { kind: 'failure', class: status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : status >= 300 ? 'http_3xx' : 'other' };
  if (r.error_class === 'timeout') return { kind: 'failure', class: 'timeout' };
  if (r.error_class && ['connection_refused', 'connection_reset', 'dns', 'tls', 'network'].includes(r.error_class)) return { kind: 'failure', class: 'connection' };
  return { kind: 'failure', class: 'other' };
}

export function latencyBin(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i < 0 ? LATENCY_BOUNDS_MS.length : i;
}

/** Adds results to the state (mutates and returns it); `now` decides which buckets are still kept. */
export function applyResults(state: HealthState, results: DeliveryAttemptResult[], now: number): HealthState {
  const kept = oldestKept(now);
  for (const r of results) {
    const kind = classify(r);
    const at = new Date(r.attempted_at);
    if (kind.kind === 'none') continue;
    if (kind.kind === 'breaker_open') {
      if (!state.breaker_open_at || at > state.breaker_open_at) state.breaker_open_at = at;
      continue;
    }
    if (!state.last_attempt_at || at > state.last_attempt_at) state.last_attempt_at = at;
    countAttempt(state.minutes, MINUTE, kept.minute, r, kind);
    countAttempt(state.hours, HOUR, kept.hour, r, kind);
    const last: LastAttempt = { at, status_code: r.status_code, error: kind.kind === 'success' ? null : (r.error_class ?? 'failed') };
    // results of one webhook come from several partitions: the streak is kept by attempt time
    if (kind.kind === 'success') {
      if (!state.last_success || at >= new Date(state.last_success.at)) {
        state.last_success = last;
        // (most successes come with no streak to cut)
        const after = state.streak.length === 0 ? state.streak : state.streak.filter((t) => t > at.getTime());
        // the overflow is older than every kept failure: if one of those is before this success, so is all of it
        if (after.length < state.streak.length) state.streak_overflow = 0;
        state.streak = after;
      }
    } else {
      if (!state.last_failure || at >= new Date(state.last_failure.at)) state.last_failure = last;
      if (!state.last_success || at > new Date(state.last_success.at)) {
        const t = at.getTime();
        const i = state.streak.findIndex((u) => u > t);
        state.streak.splice(i < 0 ? state.streak.length : i, 0, t);
        if (state.streak.length > STREAK_KEPT) {
          state.streak.shift();
          state.streak_overflow++;
        }
      }
    }
    state.consecutive_failures = state.streak.length + state.streak_overflow;
    state.failing_since = state.streak_overflow > 0 ? state.failing_since : state.streak.length > 0 ? new Date(state.streak[0]) : null;
  }
  return prune(state, now);
}

/** Counts an attempt in the bucket of `series` (of `unit` ms) it falls in, unless older than `oldest`. */
function countAttempt(series: HealthBucket[], unit: number, oldest: number, r: DeliveryAttemptResult, kind: { kind: 'success' } | { kind: 'failure'; class: FailureClass }): void {
  const t = Math.floor(r.attempted_at / unit) * unit;
  if (t < oldest) return;
  const bucket = bucketAt(series, t);
  bucket.attempts++;
  if (kind.kind === 'success') bucket.successes++;
  else bucket.failures[kind.class] = (bucket.failures[kind.class] ?? 0) + 1;
  if (r.latency_ms !== null) {
    const bin = String(latencyBin(r.latency_ms));
    bucket.latency[bin] = (bucket.latency[bin] ?? 0) + 1;
  }
}

function bucketAt(series: HealthBucket[], t: number): HealthBucket {
  let bucket = series.find((b) => b.t === t);
  if (!bucket) {
    bucket = { t, attempts: 0, successes: 0, failures: {}, latency: {} };
    series.push(bucket);
    series.sort((a, b) => a.t - b.t);
  }
  return bucket;
}

/** The start of the oldest bucket of each series still kept at `now` (older ones are dropped, and results that would fall in them not counted). */
export function oldestKept(now: number): { minute: number; hour: number } {
  return { minute: Math.floor(now / MINUTE) * MINUTE - (MINUTES_KEPT - 1) * MINUTE, hour: Math.floor(now / HOUR) * HOUR - (HOURS_KEPT - 1) * HOUR };
}

function prune(state: HealthState, now: number): HealthState {
  const kept = oldestKept(now);
  state.minutes = state.minutes.filter((b) => b.t >= kept.minute);
  state.hours = state.hours.filter((b) => b.t >= kept.hour);
  return state;
}

export type BreakerView = 'closed' | 'open' | 'unknown';

/** The target's breaker as the results last showed it: open when the latest news is a postponed job, not an attempt. */
export function breakerState(state: HealthState): { state: BreakerView; as_of: Date | null } {
  if (!state.breaker_open_at && !state.last_attempt_at) return { state: 'unknown', as_of: null };
  if (state.breaker_open_at && (!state.last_attempt_at || state.breaker_open_at > state.last_attempt_at)) return { state: 'open', as_of: state.breaker_open_at };
  return { state: 'closed', as_of: state.last_attempt_at };
}

export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface SeriesPoint {
  start: Date;
  attempts: number;
  successes: number;
  failures: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
}

export interface WindowStats {
  window: HealthWindow;
  from: Date;
  to: Date;
  attempts: number;
  successes: number;
  failures: Record<FailureClass, number> & { total: number };
  /** successes / attempts, null without attempts. */
  success_rate: number | null;
  latency_ms: LatencyPercentiles;
  /** One point per bucket of the window (minutes for 1 h, hours otherwise), empty ones included. */
  series: SeriesPoint[];
}

/** The window's figures from the kept buckets. */
export function windowStats(state: HealthState, window: HealthWindow, now: number): WindowStats {
  const { ms, unit } = WINDOWS[window];
  const unitMs = UNIT_MS[unit];
  const last = Math.floor(now / unitMs) * unitMs;
  const count = ms / unitMs;
  const first = last - (count - 1) * unitMs;
  const source = (unit === 'minute' ? state.minutes : state.hours).filter((b) => b.t >= first && b.t <= last);
  const byStart = new Map(source.map((b) => [b.t, b]));
  const failures = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, 0])) as Record<FailureClass, number>;
  const latency: Record<string, number> = {};
  let attempts = 0;
  let successes = 0;
  for (const b of source) {
    attempts += b.attempts;
    successes += b.successes;
    for (const [c, n] of Object.entries(b.failures)) failures[c as FailureClass] += n ?? 0;
    for (const [bin, n] of Object.entries(b.latency)) latency[bin] = (latency[bin] ?? 0) + n;
  }
  const series: SeriesPoint[] = [];
  for (let t = first; t <= last; t += unitMs) {
    const b = byStart.get(t);
    series.push({
      start: new Date(t),
      attempts: b?.attempts ?? 0,
      successes: b?.successes ?? 0,
      failures: b ? b.attempts - b.successes : 0,
      latency_p50_ms: b ? percentile(b.latency, 0.5) : null,
      latency_p95_ms: b ? percentile(b.latency, 0.95) : null,
    });
  }
  return {
    window,
    from: new Date(first),
    to: new Date(now),
    attempts,
    successes,
    failures: { ...failures, total: attempts - successes },
    success_rate: attempts === 0 ? null : successes / attempts,
    latency_ms: { p50: percentile(latency, 0.5), p95: percentile(latency, 0.95), p99: percentile(latency, 0.99) },
    series,
  };
}

/** The q-quantile of a latency histogram, interpolated inside its bin (ms, rounded); null when empty. */
export function percentile(histogram: Record<string, number>, q: number): number | null {
  const bins = Object.entries(histogram)
    .map(([bin, n]) => [Number(bin), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [bin, n] of bins) {
    if (seen + n >= rank) {
      const lower = bin === 0 ? 0 : LATENCY_BOUNDS_MS[bin - 1];
      // the open bin above the last bound is reported at its lower bound: we know no more
      if (bin >= LATENCY_BOUNDS_MS.length) return lower;
      const upper = LATENCY_BOUNDS_MS[bin];
      return Math.round(lower + ((rank - seen) / n) * (upper - lower));
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}
