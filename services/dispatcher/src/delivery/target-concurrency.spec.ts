import { AdaptiveTargetConcurrency } from './target-concurrency';

const settings = { base: 10, max: 64, tolerance: 1.5, fastMs: 20, slowMs: 1000 };

/** `n` attempts at the limit in use, each with `latencyMs`. */
function feed(limits: AdaptiveTargetConcurrency, target: string, n: number, latencyMs: number | (() => number), ok = true): void {
  for (let i = 0; i < n; i++) limits.observe(target, typeof latencyMs === 'number' ? latencyMs : latencyMs(), ok, limits.limit(target));
}

describe('AdaptiveTargetConcurrency', () => {
  it('starts every target at the base limit', () => {
    expect(new AdaptiveTargetConcurrency(settings).limit('http://a')).toBe(10);
  });

  it('grows a fast target while its latency stays low, up to the maximum', () => {
    const limits = new AdaptiveTargetConcurrency(settings);
    feed(limits, 'http://fast', 200, 3);
    const after200 = limits.limit('http://fast');
    expect(after200).toBeGreaterThan(10);
    feed(limits, 'http://fast', 20_000, 3);
    expect(limits.limit('http://fast')).toBe(64);
    expect(after200).toBeLessThan(64); // additive: about one slot per limit's worth of successes
  });

  it('keeps a receiver that queues near the base limit: the protection of slow receivers', () => {
    const limits = new AdaptiveTargetConcurrency(settings);
    // 8 workers, 100 ms each: beyond 8 requests in flight, each waits its turn
    for (let i = 0; i < 5000; i++) {
      const inflight = limits.limit('http://queueing');
      limits.observe('http://queueing', 100 * Math.max(1, inflight / 8), true, inflight);
    }
    // at the base (10 in flight) it answers in 125 ms; 1.5 × that is reached at 15 in flight
    expect(limits.limit('http://queueing')).toBeLessThanOrEqual(15);
  });

  it('never grows a target slower than slowMs, however steady', () => {
    const limits = new AdaptiveTargetConcurrency(settings);
    feed(limits, 'http://slow', 5000, 2000);
    expect(limits.limit('http://slow')).toBe(10);
  });

  it('shrinks back when the latency rises, and on failures', () => {
    const limits = new AdaptiveTargetConcurrency(settings);
    feed(limits, 'http://t', 5000, 3);
    const grown = limits.limit('http://t');
    expect(grown).toBeGreaterThan(30);
    feed(limits, 'http://t', 20, 200);
    const afterSlow = limits.limit('http://t');
    expect(afterSlow).toBeLessThan(grown);
    feed(limits, 'http://t', 200, 3, false);
    expect(limits.limit('http://t')).toBe(10);
  });

  it('does not grow a limit that is not in use', () => {
    const limits = new AdaptiveTargetConcurrency(settings);
    for (let i = 0; i < 5000; i++) limits.observe('http://light', 3, true, 2);
    expect(limits.limit('http://light')).toBe(10);
  });

  it('keeps targets apart and forgets those back at the base', () => {
    const limits = new AdaptiveTargetConcurrency(settings);
    feed(limits, 'http://a', 3000, 3);
    feed(limits, 'http://b', 100, 3, false);
    limits.sweep();
    expect(limits.limit('http://a')).toBeGreaterThan(10);
    expect(limits.limit('http://b')).toBe(10);
  });

  it('refuses a maximum below the base', () => {
    expect(() => new AdaptiveTargetConcurrency({ ...settings, max: 5 })).toThrow('below the base');
  });
});
