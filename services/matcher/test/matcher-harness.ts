import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { samplePayload, type CallEvent, type ConfigRecord, type TopicId, type WebhookConfig } from '@callhooks/contracts';
import { KafkaContext, startKafkaConsumers } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { testEnv, testKafkaSettings, TopicCollector } from '@callhooks/testing';
import { AppModule } from '../src/app.module';
import { loadMatcherConfig } from '../src/config/matcher.config';

/**
 * The outside of a matcher under test: a Kafka context of the test's own (prefixed topics) to
 * publish config records and call events, and to collect delivery jobs and dead letters.
 */
export class MatcherHarness {
  readonly kafka: KafkaContext;
  private readonly collectors: Array<TopicCollector<unknown>> = [];

  constructor(readonly prefix: string) {
    this.kafka = new KafkaContext({ service: 'matcher-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
  }

  async provision(): Promise<void> {
    await (await this.kafka.provisioner()).ensure({ consumes: ['callEvents', 'webhookConfig', 'deliveries'], produces: [] });
  }

  /** Starts the matcher in this process (Nest application context: consumers and providers, no HTTP listener). */
  async startInProcess(extra: Record<string, string> = {}): Promise<INestApplicationContext> {
    const config = loadMatcherConfig(testEnv(this.prefix, extra));
    const app = await NestFactory.create(AppModule.register(config), { logger: false });
    app.enableShutdownHooks();
    await startKafkaConsumers(app);
    return app;
  }

  async publishConfig(records: ConfigRecord[]): Promise<void> {
    await this.kafka.send('webhookConfig', records.map((value) => ({ key: configKey(value), value })));
  }

  async publishEvents(events: CallEvent[]): Promise<void> {
    await this.kafka.send('callEvents', events.map((value) => ({ key: value.call_uuid, value })));
  }

  /** Bytes that are not Avro in the Confluent wire format. */
  async publishRaw(topic: TopicId, key: string, value: Buffer): Promise<void> {
    const producer = this.kafka.kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: this.kafka.topicName(topic), messages: [{ key, value }] });
    } finally {
      await producer.disconnect();
    }
  }

  async collect<T>(topic: string, decode = true): Promise<TopicCollector<T>> {
    const c = await new TopicCollector<T>(this.kafka.kafka, topic, decode ? this.kafka.serde : undefined).start();
    this.collectors.push(c as TopicCollector<unknown>);
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.collectors) await c.stop().catch(() => undefined);
    await this.kafka.onApplicationShutdown();
  }
}

/** Readiness problems of an application, by check name (empty when ready); only the named checks when given. */
export async function readinessProblems(app: INestApplicationContext, only?: string[]): Promise<Record<string, string>> {
  const problems: Record<string, string> = {};
  const checks = new Map(app.get(ReadinessChecks).entries());
  for (const name of only ?? [...checks.keys()]) {
    const check = checks.get(name);
    if (!check) {
      problems[name] = 'no such check';
      continue;
    }
    try {
      await check();
    } catch (err) {
      problems[name] = (err as Error).message;
    }
  }
  return problems;
}

export function configKey(record: ConfigRecord): string {
  return record.entity_type === 'WEBHOOK' ? `WEBHOOK:${record.entity_id}` : `ENVIRONMENT:${record.customer_id}:${record.entity_id}`;
}

export function webhookRecord(id: string, customerId: string, webhook: Partial<WebhookConfig> = {}, version = 1): ConfigRecord {
  return {
    entity_type: 'WEBHOOK',
    entity_id: id,
    customer_id: customerId,
    version,
    deleted: false,
    published_at: Date.now(),
    webhook: {
      id,
      enabled: true,
      event: 'Call:Answer',
      method: 'POST',
      url: `http://127.0.0.1:9/${id}`,
      body: null,
      headers: {},
      secrets: [{ secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0', expires_at: null }],
      ...webhook,
    },
    environment: null,
  };
}

export function environmentRecord(id: string, customerId: string, webhookIds: string[], timezone: string, version = 1): ConfigRecord {
  return {
    entity_type: 'ENVIRONMENT',
    entity_id: id,
    customer_id: customerId,
    version,
    deleted: false,
    published_at: Date.now(),
    webhook: null,
    environment: { id, name: `Environment ${id}`, timezone, webhook_ids: webhookIds },
  };
}

export function callEvent(over: Partial<CallEvent> & Pick<CallEvent, 'event' | 'customer_id' | 'environment_id'>): CallEvent {
  const callUuid = over.call_uuid ?? randomUUID();
  const started = Date.UTC(2024, 11, 2, 21, 4, 40, 701);
  return {
    event_id: randomUUID(),
    call_uuid: callUuid,
    occurred_at: started + 30_000,
    emitted_at: Date.now(),
    started_at_ms: started,
    answered_at_ms: started + 30_000,
    payload: { ...samplePayload(), uuid: callUuid, start_at: '21:04:40', answer_at: '21:05:10' },
    ...over,
  };
}
