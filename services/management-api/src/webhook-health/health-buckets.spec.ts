import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { testDeliveryResult } from '@callhooks/testing/record-factories';
import { applyResults, breakerState, classify, emptyHealth, percentile, windowStats, latencyBin } from './health-buckets';

const NOW = Date.UTC(2026, 11, 5, 12, 30, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

function result(over: Partial<DeliveryAttemptResult>): DeliveryAttemptResult {
  return testDeliveryResult({ delivery_id: 'd', webhook_id: 'w', customer_id: 'c', event_id: 'e', attempted_at: NOW - MIN, ...over });
}

const fail = (at: number, over: Partial<DeliveryAttemptResult> = {}) => result({ outcome: 'RETRYING', status_code: 503, error_class: 'http_status', attempted_at: at, ...over });

describe('webhook health buckets', () => {
  it('classifies failures by status class, timeout, connection and blocked, and leaves out what was not attempted', () => {
    expect(classify(fail(0, { status_code: 404 }))).toEqual({ kind: 'failure', class: 'http_4xx' });
    expect(classify(fail(0, { status_code: 502 }))).toEqual({ kind: 'failure', class: 'http_5xx' });
    expect(classify(fail(0, { status_code: 302, error_class: 'redirect' }))).toEqual({ kind: 'failure', class: 'http_3xx' });
    expect(classify(fail(0, { status_code: null, error_class: 'timeout' }))).toEqual({ kind: 'failure', class: 'timeout' });
    expect(classify(fail(0, { status_code: null, error_class: 'connection_refused' }))).toEqual({ kind: 'failure', class: 'connection' });
    expect(classify(fail(0, { status_code: null, error_class: 'dns' }))).toEqual({ kind: 'failure', class: 'connection' });
    expect(classify(fail(0, { outcome: 'BLOCKED', status_code: null, error_class: 'blocked_address' }))).toEqual({ kind: 'failure', class: 'blocked' });
    expect(classify(fail(0, { outcome: 'GONE', status_code: 410 }))).toEqual({ kind: 'failure', class: 'http_4xx' });
    expect(classify(result({ outcome: 'BREAKER_OPEN', status_code: null, error_class: 'breaker_open' }))).toEqual({ kind: 'breaker_open' });
    expect(classify(result({ outcome: 'FAILED', status_code: null, error_class: 'webhook_disabled' }))).toEqual({ kind: 'none' });
  });

  it('counts a window from its buckets: attempts, successes, failures by class, rate and a full series', () => {
    const state = applyResults(
      emptyHealth(),
      [
        result({ attempted_at: NOW - 2 * MIN }),
        result({ attempted_at: NOW - 2 * MIN + 1000 }),
        result({ attempted_at: NOW - 3 * HOUR }),
        fail(NOW - 30 * MIN, { status_code: 500 }),
        fail(NOW - 5 * HOUR, { status_code: null, error_class: 'timeout', latency_ms: 15_000 }),
        fail(NOW - 8 * 24 * HOUR),
      ],
      NOW,
    );
    const hour = windowStats(state, '1h', NOW);
    expect(hour).toMatchObject({ attempts: 3, successes: 2, success_rate: 2 / 3 });
    expect(hour.failures).toMatchObject({ total: 1, http_5xx: 1, timeout: 0 });
    expect(hour.series).toHaveLength(60);
    expect(hour.series.reduce((s, p) => s + p.attempts, 0)).toBe(3);
    const day = windowStats(state, '24h', NOW);
    expect(day).toMatchObject({ attempts: 5, successes: 3 });
    expect(day.failures).toMatchObject({ total: 2, http_5xx: 1, timeout: 1 });
    expect(day.series).toHaveLength(24);
    // older than the week: not kept at all
    expect(windowStats(state, '7d', NOW).attempts).toBe(5);
    expect(windowStats(emptyHealth(), '7d', NOW)).toMatchObject({ attempts: 0, success_rate: null, latency_ms: { p50: null, p95: null, p99: null } });
  });

  it('estimates percentiles within the bin that holds them', () => {
    const hist: Record<string, number> = {};
    for (let i = 0; i < 98; i++) hist[latencyBin(40)] = (hist[latencyBin(40)] ?? 0) + 1;
    hist[latencyBin(900)] = 2;
    const p50 = percentile(hist, 0.5)!;
    expect(p50).toBeGreaterThan(35);
    expect(p50).toBeLessThanOrEqual(50);
    const p99 = percentile(hist, 0.99)!;
    expect(p99).toBeGreaterThan(750);
    expect(p99).toBeLessThanOrEqual(1000);
    expect(percentile({}, 0.5)).toBeNull();
  });

  it('tracks consecutive failures, the failing start and the last success and failure by attempt time, whatever the order results are read in', () => {
    let state = applyResults(emptyHealth(), [result({ attempted_at: NOW - 10 * MIN }), fail(NOW - 8 * MIN), fail(NOW - 6 * MIN)], NOW);
    expect(state.consecutive_failures).toBe(2);
    expect(state.failing_since).toEqual(new Date(NOW - 8 * MIN));
    expect(state.last_failure).toMatchObject({ at: new Date(NOW - 6 * MIN), status_code: 503, error: 'http_status' });
    // an older failure read late moves the start back
    state = applyResults(state, [fail(NOW - 9 * MIN)], NOW);
    expect(state.failing_since).toEqual(new Date(NOW - 9 * MIN));
    expect(state.consecutive_failures).toBe(3);
    // a success read late, between those failures: the streak is what failed after it, by attempt time
    state = applyResults(state, [result({ attempted_at: NOW - 7 * MIN })], NOW);
    expect(state.failing_since).toEqual(new Date(NOW - 6 * MIN));
    expect(state.consecutive_failures).toBe(1);
    // and a failure older than the last success, read later still, changes nothing
    state = applyResults(state, [fail(NOW - 7.5 * MIN)], NOW);
    expect(state.consecutive_failures).toBe(1);
    state = applyResults(state, [result({ attempted_at: NOW - MIN, status_code: 204 })], NOW);
    expect(state).toMatchObject({ consecutive_failures: 0, failing_since: null, last_success: { at: new Date(NOW - MIN), status_code: 204, error: null } });
  });

  it('ends up with the same streak in any reading order', () => {
    const times = [1, 2, 3, 4, 5, 6, 7, 8].map((m) => NOW - (10 - m) * MIN);
    // by time: F F S F S F F F: the streak is the last three failures
    const results = times.map((t, i) => ([2, 4].includes(i) ? result({ attempted_at: t }) : fail(t)));
    for (const order of [results, [...results].reverse(), [results[7], results[0], results[4], results[2], results[6], results[1], results[5], results[3]]]) {
      const state = applyResults(emptyHealth(), order, NOW);
      expect({ streak: state.consecutive_failures, since: state.failing_since }).toEqual({ streak: 3, since: new Date(times[5]) });
    }
  });

  it('tells the breaker open when the latest news of the target is a postponed job', () => {
    expect(breakerState(emptyHealth()).state).toBe('unknown');
    let state = applyResults(emptyHealth(), [fail(NOW - 3 * MIN), result({ outcome: 'BREAKER_OPEN', status_code: null, error_class: 'breaker_open', attempted_at: NOW - 2 * MIN })], NOW);
    expect(breakerState(state)).toEqual({ state: 'open', as_of: new Date(NOW - 2 * MIN) });
    expect(windowStats(state, '1h', NOW).attempts).toBe(1);
    state = applyResults(state, [result({ attempted_at: NOW - MIN })], NOW);
    expect(breakerState(state)).toEqual({ state: 'closed', as_of: new Date(NOW - MIN) });
  });

  it('drops buckets that left the kept range', () => {
    const state = applyResults(emptyHealth(), [result({ attempted_at: NOW - 2 * HOUR })], NOW);
    expect(state.minutes).toHaveLength(0);
    expect(state.hours).toHaveLength(1);
    applyResults(state, [], NOW + 8 * 24 * HOUR);
    expect(state.hours).toHaveLength(0);
  });
});
