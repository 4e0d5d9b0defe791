import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import type { CallEvent, CallLegEvent, TopicId } from '@callhooks/contracts';
import { KafkaContext, startKafkaConsumers } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { eventually, testEnv, testKafkaSettings, TopicCollector } from '@callhooks/testing';
import { AppModule } from '../src/app.module';
import { loadEnricherConfig } from '../src/config/enricher.config';
import type { EnrichmentTimings } from '../src/enrichment/call-state.reducer';

/** Short waits, so a test sees Hangup and Reporting within a couple of seconds. */
export const FAST_ENRICHER_ENV: Record<string, string> = {
  ENRICHER_HANGUP_SETTLE_MS: '1000',
  ENRICHER_REPORTING_GRACE_MS: '1500',
  ENRICHER_REPORTING_MAX_WAIT_MS: '15000',
  ENRICHER_CLOSED_RETENTION_MS: '600000',
  ENRICHER_TIMER_INTERVAL_MS: '100',
};

/** The same waits, for the pure reducer's replay that the tests compare against. */
export const FAST_TIMINGS: EnrichmentTimings = { hangupSettleMs: 1000, reportingGraceMs: 1500, reportingMaxWaitMs: 15000, closedRetentionMs: 600000, staleCallMs: 86400000 };

const REPO_ROOT = join(__dirname, '../../..');

/**
 * The outside of an enricher under test: a Kafka context of the test's own (prefixed
 * topics) to publish raw legs and collect events, and ways to run the enricher in this
 * process or as a child process from the build.
 */
export class EnricherHarness {
  readonly kafka: KafkaContext;
  private readonly collectors: Array<TopicCollector<unknown>> = [];
  private readonly children = new Set<ChildProcess>();

  constructor(readonly prefix: string) {
    this.kafka = new KafkaContext({ service: 'enricher-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return testEnv(this.prefix, { ...FAST_ENRICHER_ENV, ...extra });
  }

  async provision(): Promise<void> {
    await (await this.kafka.provisioner()).ensure({ consumes: ['callLegs'], produces: ['callEvents', 'enricherState'] });
  }

  /** The enricher in this process (its Nest application context: consumer, timers, metrics; no HTTP listener). */
  async startInProcess(extra: Record<string, string> = {}): Promise<INestApplicationContext> {
    const app = await NestFactory.create(AppModule.register(loadEnricherConfig(this.env(extra))), { logger: false });
    app.enableShutdownHooks();
    await startKafkaConsumers(app);
    return app;
  }

  /** The built enricher (`bash scripts/build.sh`) as a child process, listening on `port`. */
  startChild(port: number, extra: Record<string, string> = {}): ChildProcess {
    const main = join(REPO_ROOT, 'dist/services/enricher/src/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build first with \`bash scripts/build.sh\``);
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...this.env({ HTTP_PORT: String(port), ...extra }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    // keep the pipes drained; show the child's errors in the test output
    const relay = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (/"level":"(error|fatal)"/.test(line) || (line && !line.startsWith('{'))) process.stderr.write(`[enricher child] ${line}\n`);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Resolves once the child at `port` answers /readyz with 200 (joined, state restored). */
  async childReady(port: number, timeoutMs = 60_000): Promise<void> {
    await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status !== 200) throw new Error(`readyz answered ${res.status}: ${await res.text()}`);
    }, timeoutMs, 250);
  }

  async publishLegs(legs: CallLegEvent[]): Promise<void> {
    await this.kafka.send('callLegs', legs.map((leg) => ({ key: leg.call_uuid, value: leg })));
  }

  /** Bytes that are not a valid record of the topic, straight to the input topic. */
  async publishRaw(key: string, value: Buffer): Promise<void> {
    const producer = this.kafka.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: this.kafka.topicName('callLegs'), messages: [{ key, value }], acks: -1 });
    } finally {
      await producer.disconnect();
    }
  }

  async collect<T>(topic: TopicId | string, decode = true): Promise<TopicCollector<T>> {
    const name = topic.includes('.') ? topic : this.kafka.topicName(topic as TopicId);
    const c = await new TopicCollector<T>(this.kafka.kafka, name, decode ? this.kafka.serde : undefined).start();
    this.collectors.push(c as TopicCollector<unknown>);
    return c;
  }

  async events(): Promise<TopicCollector<CallEvent>> {
    return this.collect<CallEvent>('callEvents');
  }

  async stop(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    for (const c of this.collectors) await c.stop().catch(() => undefined);
    await this.kafka.onApplicationShutdown();
  }
}

/** Events of one call, from a collector's values. */
export function eventsOf(events: CallEvent[], callUuid: string): CallEvent[] {
  return events.filter((e) => e.call_uuid === callUuid);
}

