import { Registry } from 'prom-client';
import { loadConfig, commonEnvSchema, kafkaSettings, registrySettings } from '@callhooks/config';
import { LivenessChecks, ReadinessChecks } from '@callhooks/observability';
import { KafkaContext } from './kafka.module';

describe('KafkaContext liveness of its consumers', () => {
  it('passes while the brokers do not answer, even with a consumer down past its bound: a pod restart cures no outage', async () => {
    // port 1 on loopback: nothing listens, every connection is refused
    const e = loadConfig('test', commonEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CONSUMER_DOWN_LIVENESS_MS: '1000', LOG_LEVEL: 'silent' });
    const liveness = new LivenessChecks();
    const ctx = new KafkaContext({ service: 'test', logLevel: 'silent', kafka: kafkaSettings(e, 'test'), registry: registrySettings(e) }, new Registry(), new ReadinessChecks(), liveness);
    const runtime = ctx.consumer({ groupId: 'g', topics: ['callLegs'], handler: async () => undefined });
    // joining never succeeds: the consumer is down from here on
    const starting = runtime.start().catch(() => undefined);
    const [[name, check]] = liveness.entries();
    expect(name).toBe('kafka-consumers');
    await expect(check()).resolves.toBeUndefined();
    await expect(ctx.consumersLive(Date.now() + 60_000)).resolves.toBeUndefined();
    await runtime.stop().catch(() => undefined);
    await starting;
    await ctx.onApplicationShutdown();
  }, 60_000);
});
