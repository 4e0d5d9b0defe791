import type { Admin, ITopicConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { DEAD_LETTER_RETENTION_MS, deadLetterTopicOf, topicSpec, type TopicId, type TopicSpec } from '@callhooks/contracts';
import type { KafkaSettings } from '@callhooks/config';

/**
 * Creates the topics a service needs (and the `<topic>.dlq` of each topic it consumes),
 * idempotently: existing topics are left alone, a partition count below the declared one
 * is reported, never silently changed.
 */
export class TopicProvisioner {
  constructor(
    private readonly admin: Admin,
    private readonly settings: KafkaSettings,
    private readonly logger: Logger,
  ) {}

  /** `produces`: topics written; `consumes`: topics read, which also get their dead-letter topic. */
  async ensure(topics: { produces?: TopicId[]; consumes?: TopicId[] }): Promise<void> {
    const wanted = new Map<string, ITopicConfig>();
    for (const id of [...(topics.produces ?? []), ...(topics.consumes ?? [])]) {
      const spec = topicSpec(id);
      wanted.set(this.name(spec), this.configOf(spec));
    }
    for (const id of topics.consumes ?? []) {
      const dlq = deadLetterTopicOf(this.name(topicSpec(id)));
      wanted.set(dlq, {
        topic: dlq,
        numPartitions: 1,
        replicationFactor: this.settings.replicationFactor,
        configEntries: [
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'retention.ms', value: String(DEAD_LETTER_RETENTION_MS) },
        ],
      });
    }
    const existing = new Set(await this.admin.listTopics());
    const missing = [...wanted.values()].filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await this.admin.createTopics({ topics: missing, waitForLeaders: false });
      } catch (err) {
        // another instance may have created them a moment ago: that is the outcome we want
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
      this.logger.info({ topics: missing.map((t) => t.topic) }, 'created topics');
      await this.waitForLeaders(missing.map((t) => t.topic));
    }
    await this.reportUnderPartitioned([...wanted.values()].filter((t) => existing.has(t.topic)));
  }

  /**
   * Waits until every partition of the topics has a leader. Right after a topic is created, by
   * this instance or by another one starting at the same moment, a broker may not know it yet
   * (UNKNOWN_TOPIC_OR_PARTITION, retriable) or its leaders; kafkajs' own wait in createTopics
   * gives up on the former, and is skipped when another instance created the topics first.
   */
  private async waitForLeaders(topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: meta } = await this.admin.fetchTopicMetadata({ topics });
        const led = meta.filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (led.length === topics.length) return;
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable) throw err;
      }
      if (Date.now() > deadline) throw new Error(`topics still without a partition leader after ${timeoutMs} ms: ${topics.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private name(spec: TopicSpec): string {
    return `${this.settings.topicPrefix}${spec.name}`;
  }

  private configOf(spec: TopicSpec): ITopicConfig {
    const configEntries: Array<{ name: string; value: string }> = [{ name: 'cleanup.policy', value: spec.cleanupPolicy }];
    if (spec.cleanupPolicy === 'delete') configEntries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
    return {
      topic: this.name(spec),
      numPartitions: spec.partitions ?? this.settings.topicPartitions,
      replicationFactor: this.settings.replicationFactor,
      configEntries,
    };
  }

  private async reportUnderPartitioned(topics: ITopicConfig[]): Promise<void> {
    if (topics.length === 0) return;
    const { topics: meta } = await this.admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
    for (const t of topics) {
      const have = meta.find((m) => m.name === t.topic)?.partitions.length ?? 0;
      if (t.numPartitions && have < t.numPartitions) {
        this.logger.warn({ topic: t.topic, have, declared: t.numPartitions }, 'topic has fewer partitions than declared; scaling out stops at its partition count');
      }
    }
  }
}
