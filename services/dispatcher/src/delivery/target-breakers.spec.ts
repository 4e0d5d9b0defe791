import { TargetBreakers, type BreakerState } from './target-breakers';

const settings = { resetTimeoutMs: 10_000, errorThresholdPercentage: 50, volumeThreshold: 10, rollingWindowMs: 30_000, consecutiveFailures: 3 };
const ok = () => Promise.resolve({ healthy: true });
const bad = () => Promise.resolve({ healthy: false });
const unhealthy = (r: { healthy: boolean }) => !r.healthy;

describe('TargetBreakers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens after consecutive failures, rejects without calling, probes once after the reset timeout', async () => {
    const states: Array<[string, BreakerState]> = [];
    const breakers = new TargetBreakers(settings, { stateChanged: (t, s) => states.push([t, s]), forgotten: () => undefined });
    const t = 'http://dead:80';
    for (let i = 0; i < 3; i++) expect(await breakers.call(t, bad, unhealthy)).toEqual({ ran: true, result: { healthy: false } });
    expect(breakers.state(t)).toBe('open');
    expect(breakers.allows(t)).toBe(false);

    let called = 0;
    const counted = () => (called++, ok());
    expect(await breakers.call(t, counted, unhealthy)).toEqual({ ran: false, reason: 'open' });
    expect(called).toBe(0);

    jest.advanceTimersByTime(10_001);
    expect(breakers.state(t)).toBe('half_open');
    expect(breakers.allows(t)).toBe(true);
    // the probe fails: open again
    expect((await breakers.call(t, bad, unhealthy)).ran).toBe(true);
    expect(breakers.state(t)).toBe('open');

    jest.advanceTimersByTime(10_001);
    expect(await breakers.call(t, counted, unhealthy)).toEqual({ ran: true, result: { healthy: true } });
    expect(breakers.state(t)).toBe('closed');
    expect(called).toBe(1);
    expect(states.map(([, s]) => s)).toEqual(['closed', 'open', 'half_open', 'open', 'half_open', 'closed']);
    breakers.shutdown();
  });

  it('tells how long an open breaker stays shut, so its jobs wait that long and not one short tier after another', async () => {
    let now = 1_000_000;
    const breakers = new TargetBreakers(settings, undefined, () => now);
    const t = 'http://dead:80';
    expect(breakers.openFor(t)).toBe(0);
    for (let i = 0; i < 3; i++) await breakers.call(t, bad, unhealthy);
    expect(breakers.openFor(t)).toBe(10_000);
    now += 4_000;
    expect(breakers.openFor(t)).toBe(6_000);
    jest.advanceTimersByTime(10_001);
    // half-open: the probe may go now
    expect(breakers.openFor(t)).toBe(0);
    breakers.shutdown();
  });

  it('lets only one probe through while half-open', async () => {
    const breakers = new TargetBreakers(settings);
    const t = 'http://flaky:80';
    for (let i = 0; i < 3; i++) await breakers.call(t, bad, unhealthy);
    jest.advanceTimersByTime(10_001);
    let release!: () => void;
    const slow = () => new Promise<{ healthy: boolean }>((r) => (release = () => r({ healthy: true })));
    const probe = breakers.call(t, slow, unhealthy);
    expect(breakers.allows(t)).toBe(false);
    expect(await breakers.call(t, ok, unhealthy)).toEqual({ ran: false, reason: 'open' });
    release();
    expect((await probe).ran).toBe(true);
    expect(breakers.state(t)).toBe('closed');
    breakers.shutdown();
  });

  it('shows the half-open probe in flight, so callers can wait for its outcome instead of being refused', async () => {
    const breakers = new TargetBreakers(settings);
    const t = 'http://back:80';
    for (let i = 0; i < 3; i++) await breakers.call(t, bad, unhealthy);
    expect(breakers.probe(t)).toBeUndefined();
    jest.advanceTimersByTime(10_001);
    expect(breakers.probe(t)).toBeUndefined(); // half-open, but nobody probes yet
    let release!: () => void;
    const slow = () => new Promise<{ healthy: boolean }>((r) => (release = () => r({ healthy: true })));
    const probing = breakers.call(t, slow, unhealthy);
    const probe = breakers.probe(t);
    expect(probe).toBeInstanceOf(Promise);
    let settled = false;
    void probe!.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    release();
    await probing;
    await probe;
    expect(settled).toBe(true);
    expect(breakers.probe(t)).toBeUndefined();
    expect(breakers.allows(t)).toBe(true);
    // a failed probe: settled too, and the breaker refuses again
    for (let i = 0; i < 3; i++) await breakers.call(t, bad, unhealthy);
    jest.advanceTimersByTime(10_001);
    const failing = breakers.call(t, bad, unhealthy);
    const second = breakers.probe(t);
    await failing;
    await second;
    expect(breakers.probe(t)).toBeUndefined();
    expect(breakers.allows(t)).toBe(false);
    breakers.shutdown();
  });

  it('opens on the error percentage within the window once the volume threshold is met', async () => {
    const breakers = new TargetBreakers({ ...settings, consecutiveFailures: 1000 });
    const t = 'http://half:80';
    // 60% failures, but below the volume threshold (10 calls) nothing opens
    const pattern = [bad, ok, bad, bad, ok, bad, ok, ok, bad, bad];
    for (const fn of pattern.slice(0, 9)) await breakers.call(t, fn, unhealthy);
    expect(breakers.state(t)).toBe('closed');
    await breakers.call(t, pattern[9], unhealthy);
    expect(breakers.state(t)).toBe('open');
    breakers.shutdown();
  });

  it('does not count failures the result says are not the target’s (e.g. 4xx)', async () => {
    const breakers = new TargetBreakers(settings);
    const t = 'http://strict:80';
    for (let i = 0; i < 20; i++) await breakers.call(t, () => Promise.resolve({ healthy: true, status: 400 }), unhealthy);
    expect(breakers.state(t)).toBe('closed');
    breakers.shutdown();
  });

  it('keeps one breaker per target: a dead target does not open a healthy one', async () => {
    const breakers = new TargetBreakers(settings);
    for (let i = 0; i < 5; i++) await breakers.call('http://dead:80', bad, unhealthy);
    expect(breakers.state('http://dead:80')).toBe('open');
    expect(breakers.allows('http://healthy:80')).toBe(true);
    expect((await breakers.call('http://healthy:80', ok, unhealthy)).ran).toBe(true);
    breakers.shutdown();
  });

  it('forgets idle closed breakers', async () => {
    const forgotten: string[] = [];
    const breakers = new TargetBreakers({ ...settings, idleEvictionMs: 60_000 }, { stateChanged: () => undefined, forgotten: (t) => forgotten.push(t) });
    await breakers.call('http://idle:80', ok, unhealthy);
    jest.advanceTimersByTime(121_000);
    expect(forgotten).toEqual(['http://idle:80']);
    breakers.shutdown();
  });
});
