import { randomBytes } from 'node:crypto';
import { Controller, Inject, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { PinoLogger } from 'nestjs-pino';
import type { DeliveryJob, TopicId } from '@callhooks/contracts';
import { KafkaConsumer, KafkaContext, type BatchContext, type ConsumedRecord } from '@callhooks/kafka';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../config/dispatcher.config';
import { DeliveryBatchRunner } from './delivery-batch.runner';
import { deliveryJobProblem } from './delivery-job.validation';
import { DeliveryExecutor, type Outgoing } from './delivery.executor';
import { DeliveryMetrics } from './delivery.metrics';
import { DetachedAttempts } from './detached-attempts';
import { RetrySchedule } from './retry-schedule';
import { TargetBreakers } from './target-breakers';
import { AdaptiveTargetConcurrency } from './target-concurrency';
import { TargetHttpClient } from './target-http.client';
import { TargetSlots } from './target-slots';
import { WebhookDirectory } from './webhook-directory';

/**
 * Wires the delivery pipeline to Kafka: one consumer runtime (group DISPATCHER_CONSUMER_GROUP)
 * over the deliveries topic and every retry tier, at-least-once (results, reschedules and
 * dead letters are produced before the offsets are committed; HTTP cannot be part of a
 * transaction anyway, so a crash repeats an attempt, with the same webhook-id). It starts
 * only once the webhook view has caught up, so no job is judged on a partial config.
 */
@Controller()
export class DeliveryConsumer implements OnApplicationShutdown {
  readonly schedule: RetrySchedule;
  readonly breakers: TargetBreakers;
  readonly slots: TargetSlots;
  private readonly http: TargetHttpClient;
  private readonly detached: DetachedAttempts;
  private readonly runner: DeliveryBatchRunner;
  private admin?: Admin;
  private readonly topicIds = new Map<string, TopicId>();

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    private readonly kafka: KafkaContext,
    private readonly webhooks: WebhookDirectory,
    private readonly metrics: DeliveryMetrics,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(DeliveryConsumer.name);
    const d = config.delivery;
    this.schedule = new RetrySchedule({ tierDelaysMs: d.tierDelaysMs, jitter: d.retryJitter, maxAttempts: d.maxAttempts, maxAgeMs: d.maxAgeMs });
    this.breakers = new TargetBreakers(
      {
        resetTimeoutMs: d.breaker.resetTimeoutMs,
        errorThresholdPercentage: d.breaker.errorThresholdPercentage,
        volumeThreshold: d.breaker.volumeThreshold,
        rollingWindowMs: d.breaker.rollingWindowMs,
        consecutiveFailures: d.breaker.consecutiveFailures,
        idleEvictionMs: 15 * 60_000,
      },
      metrics,
    );
    const limits =
      d.targetConcurrencyMax > d.targetConcurrency
        ? new AdaptiveTargetConcurrency({ base: d.targetConcurrency, max: d.targetConcurrencyMax, tolerance: 1.5, fastMs: 20, slowMs: 1000 })
        : d.targetConcurrency;
    this.slots = new TargetSlots(limits, d.maxInflight, metrics);
    if (typeof limits !== 'number') setInterval(() => limits.sweep(), 15 * 60_000).unref();
    this.http = new TargetHttpClient({
      attemptTimeoutMs: d.attemptTimeoutMs,
      snippetBytes: d.snippetBytes,
      allowPrivateTargets: d.allowPrivateTargets,
      maxSocketsPerTarget: d.targetConcurrencyMax,
    });
    // a copy comes back after at most an attempt timeout plus the tier it lands in
    this.detached = new DetachedAttempts(d.attemptTimeoutMs + Math.max(...d.tierDelaysMs) + 10 * 60_000);
    const executor = new DeliveryExecutor({ userAgent: d.userAgent, unknownWebhookGraceMs: d.unknownWebhookGraceMs }, this.schedule, this.breakers, this.http, webhooks, metrics);
    this.runner = new DeliveryBatchRunner(
      { batchDeadlineMs: d.batchDeadlineMs, attemptTimeoutMs: d.attemptTimeoutMs, instanceId: randomBytes(6).toString('hex') },
      executor,
      this.slots,
      this.detached,
      this.schedule,
      (outputs) => this.publishLate(outputs),
      metrics,
      this.logger.logger,
    );
    for (const id of this.consumedTopics()) this.topicIds.set(kafka.topicName(id), id);
  }

  consumedTopics(): TopicId[] {
    return ['deliveries', ...this.schedule.tiers.map((t) => t.topic)];
  }

  @KafkaConsumer<DeliveryConsumer, DeliveryJob>({
    name: 'deliveries',
    topics: (self) => self.consumedTopics(),
    settings: ({ config: { delivery: d } }) => ({ groupId: d.consumerGroup, concurrency: d.partitionConcurrency, maxWaitTimeMs: d.fetchMaxWaitMs }),
    validate: (_, job, _record, bounds) => deliveryJobProblem(job, bounds),
    prepare: (self) => self.prepare(),
    // the config view registers its own readiness check (config-view)
    waitFor: (self) => self.webhooks.ready(),
  })
  async handle(records: Array<ConsumedRecord<DeliveryJob>>, ctx: BatchContext): Promise<void> {
    const topic = this.topicIds.get(records[0].topic);
    if (!topic) throw new Error(`records from an unexpected topic ${records[0].topic}`);
    await this.runner.handle(topic, records, ctx);
  }

  private async prepare(): Promise<void> {
    const provisioner = await this.kafka.provisioner();
    await provisioner.ensure({ consumes: [...this.consumedTopics(), 'webhookConfig'], produces: ['deliveryResults', 'deliveriesDlq'] });
    this.watchTierDepth();
  }

  async onApplicationShutdown(): Promise<void> {
    this.breakers.shutdown();
    this.detached.stop();
    this.http.destroy();
    await this.admin?.disconnect().catch(() => undefined);
  }

  private lateBatch?: { outputs: Outgoing[]; sent: Promise<void> };

  /**
   * The results of detached attempts that end in the same turn of the event loop go out in
   * one send: a batch's detached attempts often end together, and one send each queued them
   * on the shared producer's lock (which kafkajs gives up on after 65.5 s).
   */
  private publishLate(outputs: Outgoing[]): Promise<void> {
    if (!this.lateBatch) {
      const batch: { outputs: Outgoing[]; sent?: Promise<void> } = { outputs: [] };
      batch.sent = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.lateBatch = undefined;
        const byTopic = new Map<TopicId, Outgoing['record'][]>();
        for (const o of batch.outputs) {
          const list = byTopic.get(o.topic);
          if (list) list.push(o.record);
          else byTopic.set(o.topic, [o.record]);
        }
        for (const [topic, records] of byTopic) await this.kafka.send(topic, records);
      });
      this.lateBatch = batch as { outputs: Outgoing[]; sent: Promise<void> };
    }
    this.lateBatch.outputs.push(...outputs);
    return this.lateBatch.sent;
  }

  /**
   * callhooks_retry_tier_pending, computed when scraped: per tier, end offsets minus this
   * group's committed offsets. Paused tier partitions report no consumer lag of their own,
   * so the depth is read from the broker instead.
   */
  private watchTierDepth(): void {
    let cached: { at: number; values: Map<string, number> } | undefined;
    const tiers = this.schedule.tiers;
    const read = async (): Promise<Map<string, number>> => {
      if (cached && Date.now() - cached.at < 5000) return cached.values;
      if (!this.admin) {
        this.admin = this.kafka.kafka.admin();
        await this.admin.connect();
      }
      const values = new Map<string, number>();
      const admin = this.admin;
      const names = tiers.map((t) => this.kafka.topicName(t.topic));
      const committed = await admin.fetchOffsets({ groupId: this.kafka.groupName(this.config.delivery.consumerGroup), topics: names });
      for (const [i, tier] of tiers.entries()) {
        const ends = await admin.fetchTopicOffsets(names[i]);
        const group = committed.find((c) => c.topic === names[i])?.partitions ?? [];
        let pending = 0;
        for (const end of ends) {
          const done = Number(group.find((p) => p.partition === end.partition)?.offset ?? '-1');
          pending += Math.max(0, Number(end.high) - Math.max(done, Number(end.low)));
        }
        values.set(tier.name, pending);
      }
      cached = { at: Date.now(), values };
      return values;
    };
    this.metrics.tierDepth = async () => {
      try {
        return await read();
      } catch (err) {
        this.logger.warn({ err }, 'could not read the retry tiers depth');
        return new Map();
      }
    };
  }
}
