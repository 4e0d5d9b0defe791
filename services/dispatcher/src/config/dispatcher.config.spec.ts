import { ConfigError } from '@callhooks/config';
import { loadDispatcherConfig } from './dispatcher.config';

describe('dispatcher configuration', () => {
  it('has working defaults', () => {
    const c = loadDispatcherConfig({});
    expect(c.delivery).toMatchObject({
      consumerGroup: 'callhooks-dispatcher',
      attemptTimeoutMs: 15_000,
      targetConcurrency: 10,
      targetConcurrencyMax: 64,
      maxAttempts: 10,
      maxAgeMs: 24 * 3_600_000,
      tierDelaysMs: [5_000, 30_000, 120_000, 600_000, 3_600_000],
      allowPrivateTargets: false,
      snippetBytes: 4096,
    });
    expect(c.delivery.userAgent).toMatch(/^callhooks\/\d+\.\d+\.\d+$/);
    expect(c.http.port).toBe(3003);
  });

  it('takes shortened tier delays for tests', () => {
    expect(loadDispatcherConfig({ DISPATCHER_RETRY_DELAYS_MS: '100, 200,400,800,1600' }).delivery.tierDelaysMs).toEqual([100, 200, 400, 800, 1600]);
  });

  it('reads the consumer group and refuses a blank one', () => {
    expect(loadDispatcherConfig({ DISPATCHER_CONSUMER_GROUP: 'dispatcher-blue' }).delivery.consumerGroup).toBe('dispatcher-blue');
    expect(() => loadDispatcherConfig({ DISPATCHER_CONSUMER_GROUP: '  ' })).toThrow('DISPATCHER_CONSUMER_GROUP');
  });

  it('names every bad key at once', () => {
    let error: ConfigError | undefined;
    try {
      loadDispatcherConfig({ DISPATCHER_RETRY_DELAYS_MS: '100,50,400', DISPATCHER_ALLOW_PRIVATE_TARGETS: 'maybe', DISPATCHER_TARGET_CONCURRENCY: '0' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = [...new Set(error!.problems.map((p) => p.split(':')[0]))].sort();
    expect(keys).toEqual(['DISPATCHER_ALLOW_PRIVATE_TARGETS', 'DISPATCHER_RETRY_DELAYS_MS', 'DISPATCHER_TARGET_CONCURRENCY']);
  });

  it('refuses an adaptive maximum below the base concurrency, naming it', () => {
    expect(() => loadDispatcherConfig({ DISPATCHER_TARGET_CONCURRENCY: '20', DISPATCHER_TARGET_CONCURRENCY_MAX: '10' })).toThrow('DISPATCHER_TARGET_CONCURRENCY_MAX');
    expect(loadDispatcherConfig({ DISPATCHER_TARGET_CONCURRENCY: '10', DISPATCHER_TARGET_CONCURRENCY_MAX: '10' }).delivery.targetConcurrencyMax).toBe(10);
  });

  it('reads "false" as false', () => {
    expect(loadDispatcherConfig({ DISPATCHER_ALLOW_PRIVATE_TARGETS: 'false' }).delivery.allowPrivateTargets).toBe(false);
    expect(loadDispatcherConfig({ DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true' }).delivery.allowPrivateTargets).toBe(true);
  });
});
