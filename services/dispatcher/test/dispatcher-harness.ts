import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import type { ConfigRecord, DeliveryAttemptResult, DeliveryJob, TopicId } from '@callhooks/contracts';
import { KafkaContext, startKafkaConsumers } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { testEnv, testKafkaSettings, TopicCollector } from '@callhooks/testing';
import { AppModule } from '../src/app.module';
import { loadDispatcherConfig } from '../src/config/dispatcher.config';
import { targetOrigin } from '@callhooks/contracts';

/** Settings that make the dispatcher quick to observe in tests: short tiers, short timeouts, loopback targets. */
export const FAST_DISPATCHER_ENV: Record<string, string> = {
  DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
  DISPATCHER_RETRY_DELAYS_MS: '300,600,1200,2400,4800',
  DISPATCHER_RETRY_JITTER: '0',
  DISPATCHER_ATTEMPT_TIMEOUT_MS: '2000',
  DISPATCHER_BATCH_DEADLINE_MS: '300',
  DISPATCHER_BREAKER_RESET_MS: '60000',
  DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: '5',
  DISPATCHER_MAX_ATTEMPTS: '4',
};

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The outside of a dispatcher under test: a Kafka context of the test's own (prefixed
 * topics), to publish webhook configs and delivery jobs and to collect what comes out.
 */
export class DispatcherHarness {
  readonly kafka: KafkaContext;
  private readonly collectors: Array<TopicCollector<unknown>> = [];

  constructor(readonly prefix: string) {
    this.kafka = new KafkaContext({ service: 'dispatcher-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return testEnv(this.prefix, { ...FAST_DISPATCHER_ENV, ...extra });
  }

  async provision(): Promise<void> {
    const tiers: TopicId[] = ['deliveriesRetry5s', 'deliveriesRetry30s', 'deliveriesRetry2m', 'deliveriesRetry10m', 'deliveriesRetry1h'];
    await (await this.kafka.provisioner()).ensure({ consumes: ['deliveries', ...tiers, 'webhookConfig', 'deliveryResults'], produces: ['deliveriesDlq'] });
  }

  /** Starts the dispatcher in this process (Nest application context: consumers and providers, no HTTP listener). */
  async startInProcess(extra: Record<string, string> = {}): Promise<INestApplicationContext> {
    const config = loadDispatcherConfig(this.env(extra));
    const app = await NestFactory.create(AppModule.register(config), { logger: false });
    app.enableShutdownHooks();
    await startKafkaConsumers(app);
    return app;
  }

  async publishWebhook(id: string, secrets: string[], options: { enabled?: boolean; customerId?: string; version?: number; deleted?: boolean; headers?: Record<string, string> } = {}): Promise<void> {
    const record: ConfigRecord = {
      entity_type: 'WEBHOOK',
      entity_id: id,
      customer_id: options.customerId ?? 'cust-1',
      version: options.version ?? 1,
      deleted: options.deleted ?? false,
      published_at: Date.now(),
      webhook: {
        id,
        enabled: options.enabled ?? true,
        event: 'Call:Hangup',
        method: 'POST',
        url: 'http://unused.invalid/',
        body: null,
        headers: options.headers ?? {},
        secrets: secrets.map((secret) => ({ secret, expires_at: null })),
      },
      environment: null,
    };
    await this.kafka.send('webhookConfig', [{ key: `WEBHOOK:${id}`, value: record }]);
  }

  async publishJobs(jobs: DeliveryJob[], partition?: number): Promise<void> {
    await this.kafka.send(
      'deliveries',
      jobs.map((job) => ({ key: targetOrigin(job.url), value: job, partition })),
    );
  }

  async collect<T>(topic: TopicId | string, decode = true): Promise<TopicCollector<T>> {
    const name = topic.includes('.') ? topic : this.kafka.topicName(topic as TopicId);
    const c = await new TopicCollector<T>(this.kafka.kafka, name, decode ? this.kafka.serde : undefined).start();
    this.collectors.push(c as TopicCollector<unknown>);
    return c;
  }

  async results(): Promise<TopicCollector<DeliveryAttemptResult>> {
    return this.collect<DeliveryAttemptResult>('deliveryResults');
  }

  async stop(): Promise<void> {
    for (const c of this.collectors) await c.stop().catch(() => undefined);
    await this.kafka.onApplicationShutdown();
  }
}

export function deliveryJob(webhookId: string, url: string, over: Partial<DeliveryJob> = {}): DeliveryJob {
  const id = over.delivery_id ?? `dlv_${randomUUID()}`;
  return {
    delivery_id: id,
    webhook_id: webhookId,
    customer_id: 'cust-1',
    environment_id: 'env-1',
    event_id: `evt_${randomUUID()}`,
    event: 'Call:Hangup',
    call_uuid: randomUUID(),
    origin: 'EVENT',
    method: 'POST',
    url,
    body: JSON.stringify({ delivery: id, cause: 'answer' }),
    headers: {},
    attempt: 1,
    created_at: Date.now(),
    not_before: null,
    ...over,
  };
}
