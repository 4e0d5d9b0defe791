import pino from 'pino';
import { Registry } from 'prom-client';
import type { ConsumerSupervisionSettings } from '@callhooks/config';
import { ConsumerSupervisor, type SupervisedConsumer } from './consumer-supervisor';
import { KafkaMetrics } from './kafka.metrics';

const SETTINGS: ConsumerSupervisionSettings = { restart: true, restartMaxBackoffMs: 4000, downLivenessMs: 60_000, lagRefreshMs: 1000 };

/** A consumer whose rejoin() calls are recorded; the next `failRejoins(n)` of them fail (Kafka unreachable). */
function consumer() {
  const rejoins: number[] = [];
  let failNext = 0;
  const target: SupervisedConsumer = {
    groupId: 'g',
    rejoin: async () => {
      rejoins.push(Date.now());
      if (failNext > 0) {
        failNext--;
        throw new Error('connect ECONNREFUSED');
      }
    },
  };
  return { target, rejoins, failRejoins: (n: number) => (failNext = n) };
}

async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.group === 'g')?.value;
}

describe('ConsumerSupervisor', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('restarts a crashed consumer with a doubling backoff up to the maximum, and is up again once it joins', async () => {
    const registry = new Registry();
    const c = consumer();
    const s = new ConsumerSupervisor(c.target, SETTINGS, KafkaMetrics.for(registry), pino({ level: 'silent' }));
    s.starting();
    s.joined();
    expect(await gauge(registry, 'callhooks_consumer_up')).toBe(1);

    c.failRejoins(3);
    s.crashed(new Error('boom'));
    expect(await gauge(registry, 'callhooks_consumer_up')).toBe(0);
    // 1 s, then (each rejoin failing) 2 s, 4 s, 4 s (the maximum)
    for (const wait of [1000, 2000, 4000, 4000]) {
      const before = c.rejoins.length;
      await jest.advanceTimersByTimeAsync(wait - 1);
      expect(c.rejoins.length).toBe(before);
      await jest.advanceTimersByTimeAsync(1);
      expect(c.rejoins.length).toBe(before + 1);
    }
    s.joined();
    expect(await gauge(registry, 'callhooks_consumer_up')).toBe(1);
    expect(await gauge(registry, 'callhooks_consumer_restarts_total')).toBe(4);
    // back to the first delay after a success
    s.crashed(new Error('again'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(c.rejoins).toHaveLength(5);
  });

  it('reports a liveness problem once down for its bound, not before, and none once back', () => {
    const c = consumer();
    const s = new ConsumerSupervisor(c.target, { ...SETTINGS, restart: false }, KafkaMetrics.for(new Registry()), pino({ level: 'silent' }));
    s.starting();
    s.joined();
    s.crashed(new Error('the assignment cannot be prepared'));
    const at = Date.now();
    expect(s.livenessProblem(at + 59_999)).toBeNull();
    expect(s.livenessProblem(at + 60_000)).toBe('consumer g has been out of its group for 60 s (the assignment cannot be prepared)');
    // restarts off: nothing rejoins it
    jest.advanceTimersByTime(10 * 60_000);
    expect(c.rejoins).toEqual([]);
    s.joined();
    expect(s.livenessProblem(Date.now() + 600_000)).toBeNull();
  });

  it('counts the time to the first join as down, and nothing once stopped on purpose', async () => {
    const registry = new Registry();
    const c = consumer();
    const s = new ConsumerSupervisor(c.target, SETTINGS, KafkaMetrics.for(registry), pino({ level: 'silent' }));
    expect(s.livenessProblem(Date.now() + 3_600_000)).toBeNull();
    s.starting();
    expect(s.downFor(Date.now() + 5000)).toBe(5000);
    s.crashed(new Error('x'));
    s.stopped();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(c.rejoins).toEqual([]);
    expect(s.livenessProblem(Date.now() + 3_600_000)).toBeNull();
    expect(await gauge(registry, 'callhooks_consumer_up')).toBeUndefined();
  });
});
