import { WebhookRateLimits } from './target-rate-limits';

describe('WebhookRateLimits', () => {
  it('spaces a webhook\u2019s requests 1/rate apart and refuses instants beyond the wait allowed', () => {
    let now = 1_000_000;
    const limits = new WebhookRateLimits(() => now);
    // 4 per second: 0, 250, 500, 750 ms; the fifth would be at 1000 ms, beyond an 800 ms wait
    expect([0, 1, 2, 3].map(() => limits.reserve('w1', 4, 800))).toEqual([0, 250, 500, 750]);
    expect(limits.reserve('w1', 4, 800)).toBeNull();
    // another webhook is not held back by the first
    expect(limits.reserve('w2', 4, 800)).toBe(0);
    // a refused reservation took nothing: later, the next instant is where the last left it
    now += 900;
    expect(limits.reserve('w1', 4, 800)).toBe(100);
  });

  it('never lets more than the rate through in any one-second window', () => {
    let now = 0;
    const limits = new WebhookRateLimits(() => now);
    const starts: number[] = [];
    for (let tick = 0; tick < 5000; tick += 7) {
      now = tick;
      for (let i = 0; i < 3; i++) {
        const wait = limits.reserve('w', 10, 2000);
        if (wait !== null) starts.push(now + wait);
      }
    }
    for (const s of starts) expect(starts.filter((t) => t >= s && t < s + 1000).length).toBeLessThanOrEqual(10);
    expect(starts.length).toBeGreaterThan(40);
  });
});
