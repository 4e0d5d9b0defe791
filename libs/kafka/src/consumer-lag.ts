import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumerLifecycleListener } from './consumer-group';
import type { KafkaMetrics } from './kafka.metrics';
import { partitionKey } from './partition-key';

/** The consumer group whose lag is read. */
export interface LagSource {
  readonly groupId: string;
  readonly topicNames: string[];
  /** Where a partition with no committed offset starts: the log start (true) or its end. */
  readonly readsFromBeginning: boolean;
}

/**
 * `callhooks_consumer_lag`, read from the broker: per partition of the group's topics, the log
 * end offset minus the group's committed offset (admin fetchOffsets / fetchTopicOffsets, every
 * KAFKA_LAG_REFRESH_MS once the consumer started). Measured where the truth is, it does not
 * depend on the consumer doing anything: a crashed or stuck group shows its real backlog, and
 * a deferred tail (records left for later, not committed) counts until it is processed.
 * Every instance reports the whole group, so dashboards and alerts take the max per partition.
 */
export class ConsumerLagMonitor implements ConsumerLifecycleListener {
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  /** The lag series set, by partitionKey, with their labels (to remove them). */
  private readonly reported = new Map<string, { topic: string; partition: string }>();
  private failing = false;

  constructor(
    private readonly source: LagSource,
    private readonly admin: () => Promise<Admin>,
    private readonly metrics: KafkaMetrics,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  starting(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
    void this.refresh();
  }

  stopped(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const labels of this.reported.values()) this.metrics.lag.remove({ group: this.source.groupId, ...labels });
    this.reported.clear();
  }

  /** Reads the lag once (one refresh at a time; a call during one waits for it). */
  refresh(): Promise<void> {
    this.inflight ??= this.read().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async read(): Promise<void> {
    const { groupId, topicNames, readsFromBeginning } = this.source;
    try {
      const admin = await this.admin();
      const committed = await admin.fetchOffsets({ groupId, topics: topicNames });
      const seen = new Map<string, { topic: string; partition: string }>();
      for (const topic of topicNames) {
        const ends = await admin.fetchTopicOffsets(topic);
        const commits = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          const high = BigInt(end.high);
          const commit = BigInt(commits.find((p) => p.partition === end.partition)?.offset ?? '-1');
          const low = BigInt(end.low);
          const from = commit >= 0n ? (commit > low ? commit : low) : readsFromBeginning ? low : high;
          const lag = high > from ? high - from : 0n;
          this.metrics.lag.set({ group: groupId, topic, partition: String(end.partition) }, Number(lag));
          seen.set(partitionKey(topic, end.partition), { topic, partition: String(end.partition) });
        }
      }
      for (const [key, labels] of this.reported) if (!seen.has(key)) this.metrics.lag.remove({ group: groupId, ...labels });
      this.reported.clear();
      for (const [key, labels] of seen) this.reported.set(key, labels);
      if (this.failing) this.logger.info({ group: groupId }, 'consumer lag readable again');
      this.failing = false;
    } catch (err) {
      // the last values stay: better a stale lag than none while the broker does not answer
      if (!this.failing) this.logger.warn({ group: groupId, err }, 'cannot read the consumer group lag from the broker');
      this.failing = true;
    }
  }
}
