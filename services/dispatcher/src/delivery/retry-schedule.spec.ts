import { RetrySchedule, parseRetryAfter } from './retry-schedule';

const TIERS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
const T0 = Date.UTC(2025, 0, 1);

function schedule(jitter = 0, random = () => 0.5) {
  return new RetrySchedule({ tierDelaysMs: TIERS, jitter, maxAttempts: 10, maxAgeMs: 24 * 3_600_000 }, random);
}

describe('RetrySchedule', () => {
  it('climbs the tier ladder, then stays on the last tier (hourly)', () => {
    const s = schedule();
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempt) => {
      const d = s.afterFailure({ attempt, created_at: T0 }, T0);
      if (d.kind !== 'retry') throw new Error('expected a retry');
      return [d.tier.name, d.notBefore - T0];
    });
    expect(waits).toEqual([
      ['5s', 5_000],
      ['30s', 30_000],
      ['2m', 120_000],
      ['10m', 600_000],
      ['1h', 3_600_000],
      ['1h', 3_600_000],
      ['1h', 3_600_000],
    ]);
  });

  it('adds jitter up to the configured fraction of the tier delay', () => {
    const low = schedule(0.1, () => 0).afterFailure({ attempt: 2, created_at: T0 }, T0);
    const high = schedule(0.1, () => 0.999).afterFailure({ attempt: 2, created_at: T0 }, T0);
    expect(low).toMatchObject({ kind: 'retry', notBefore: T0 + 30_000 });
    expect(high.kind === 'retry' && high.notBefore - T0).toBeGreaterThan(32_900);
    expect(high.kind === 'retry' && high.notBefore - T0).toBeLessThanOrEqual(33_000);
  });

  it('gives up after the last attempt', () => {
    expect(schedule().afterFailure({ attempt: 10, created_at: T0 }, T0)).toEqual({ kind: 'give_up', reason: 'max_attempts' });
    expect(schedule().afterFailure({ attempt: 9, created_at: T0 }, T0).kind).toBe('retry');
  });

  it('counts the budget from first_attempt: a recovery resend after attempt 10 gets the usual retries and backoff', () => {
    expect(schedule().afterFailure({ attempt: 11, first_attempt: 11, created_at: T0 }, T0)).toMatchObject({ kind: 'retry', tier: { name: '5s' } });
    expect(schedule().afterFailure({ attempt: 12, first_attempt: 11, created_at: T0 }, T0)).toMatchObject({ kind: 'retry', tier: { name: '30s' } });
    expect(schedule().afterFailure({ attempt: 20, first_attempt: 11, created_at: T0 }, T0)).toEqual({ kind: 'give_up', reason: 'max_attempts' });
    expect(schedule().afterFailure({ attempt: 11, first_attempt: null, created_at: T0 }, T0)).toEqual({ kind: 'give_up', reason: 'max_attempts' });
  });

  it('gives up when the next attempt would be past the maximum age', () => {
    const now = T0 + 23.5 * 3_600_000;
    expect(schedule().afterFailure({ attempt: 5, created_at: T0 }, now)).toEqual({ kind: 'give_up', reason: 'max_age' });
    expect(schedule().postpone({ created_at: T0 }, T0 + 24 * 3_600_000)).toEqual({ kind: 'give_up', reason: 'max_age' });
  });

  it('honours Retry-After by moving to the first tier that waits at least as long', () => {
    const d = schedule().afterFailure({ attempt: 1, created_at: T0 }, T0, 45_000);
    expect(d).toMatchObject({ kind: 'retry', tier: { name: '2m' }, notBefore: T0 + 120_000 });
    // shorter than the backoff: the backoff wins
    expect(schedule().afterFailure({ attempt: 3, created_at: T0 }, T0, 1_000)).toMatchObject({ tier: { name: '2m' } });
    // longer than the last tier: capped at the last tier
    expect(schedule().afterFailure({ attempt: 1, created_at: T0 }, T0, 5 * 3_600_000)).toMatchObject({ tier: { name: '1h' } });
  });

  it('postpones without an attempt through the first tier', () => {
    expect(schedule().postpone({ created_at: T0 }, T0)).toMatchObject({ kind: 'retry', tier: { name: '5s', topic: 'deliveriesRetry5s' }, notBefore: T0 + 5_000 });
  });

  it('holds a job for an open breaker in the one tier covering the reset period, back when the probe may go', () => {
    const s = schedule(0.1);
    // whatever the time left, the same tier (a call's held events stay in order), due at the probe
    expect(s.hold({ created_at: T0 }, T0, T0 + 29_000, 30_000)).toEqual({ kind: 'retry', tier: expect.objectContaining({ name: '30s' }), notBefore: T0 + 29_000 });
    expect(s.hold({ created_at: T0 }, T0, T0 + 1_000, 30_000)).toEqual({ kind: 'retry', tier: expect.objectContaining({ name: '30s' }), notBefore: T0 + 1_000 });
    // never later than the tier's delay from now (the tier's partition is not held paused by it), never in the past
    expect(s.hold({ created_at: T0 }, T0, T0 + 90_000, 30_000)).toMatchObject({ notBefore: T0 + 30_000 });
    expect(s.hold({ created_at: T0 }, T0, T0 - 5_000, 30_000)).toMatchObject({ notBefore: T0 });
    expect(s.hold({ created_at: T0 }, T0, T0 + 1_000, 100_000)).toMatchObject({ tier: { name: '2m' } });
    expect(s.hold({ created_at: T0 }, T0 + 24 * 3_600_000, T0 + 24 * 3_600_000 + 1_000, 30_000)).toEqual({ kind: 'give_up', reason: 'max_age' });
  });

  it('uses overridden tier delays (tests)', () => {
    const s = new RetrySchedule({ tierDelaysMs: [100, 200, 400, 800, 1600], jitter: 0, maxAttempts: 3, maxAgeMs: 60_000 });
    expect(s.afterFailure({ attempt: 1, created_at: T0 }, T0)).toMatchObject({ tier: { name: '5s' }, notBefore: T0 + 100 });
    expect(s.tierOf('deliveriesRetry2m')?.delayMs).toBe(400);
    expect(s.tierOf('deliveries')).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores what is neither', () => {
    for (const v of [undefined, null, '', '-5', '1.5', 'soon-ish', 'abc']) expect(parseRetryAfter(v, now)).toBeNull();
  });
});
