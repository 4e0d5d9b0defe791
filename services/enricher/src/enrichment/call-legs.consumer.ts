import { Controller, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { topicSpec, type CallLegEvent, type CallStateSnapshot } from '@callhooks/contracts';
import { fetchTopicOffsetsOnceLed, KafkaConsumer, KafkaContext, TopicReader, type BatchContext, type ConsumedRecord } from '@callhooks/kafka';
import { ENRICHER_CONFIG, type EnricherConfig } from '../config/enricher.config';
import { CallEnrichmentService } from './call-enrichment.service';
import { fromSnapshot, type CallRecord } from './call-state';
import { CallTimersScheduler } from './call-timers.scheduler';
import { legContractViolation } from './leg-contract';

/**
 * Wires the enricher to Kafka, as Kafka Streams would: one consumer runtime over the raw
 * call-leg topic, exactly-once (one transactional producer per input partition; the events,
 * the changelog records and the consumed offsets commit together), and the state of each
 * assigned partition restored from the compacted changelog before any of its records is
 * handled.
 */
@Controller()
export class CallLegsConsumer implements OnApplicationShutdown {
  private restoreReader?: TopicReader<CallStateSnapshot>;

  constructor(
    @Inject(ENRICHER_CONFIG) private readonly config: EnricherConfig,
    private readonly kafka: KafkaContext,
    private readonly enrichment: CallEnrichmentService,
    private readonly scheduler: CallTimersScheduler,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(CallLegsConsumer.name);
  }

  @KafkaConsumer<CallLegsConsumer, CallLegEvent>({
    name: 'call-legs',
    topics: ['callLegs'],
    exactlyOnce: true,
    fetchLinger: 'adaptive',
    settings: ({ config: { enrichment: e } }) => ({ groupId: e.consumerGroup, concurrency: e.partitionConcurrency, fetchLingerMs: e.fetchLingerMs }),
    validate: (_, leg, record, bounds) => legContractViolation(leg, record.key, bounds),
    prepare: (self) => self.prepareTopics(),
    onAssigned: (self, assignment) => self.restore(assignment),
    started: (self, runtime) => self.scheduler.start(runtime),
    ready: (self) => {
      if (self.enrichment.store.isRestoring()) throw new Error('restoring call state from the changelog');
    },
  })
  async handleLegs(records: Array<ConsumedRecord<CallLegEvent>>, ctx: BatchContext): Promise<void> {
    await this.enrichment.handleLegs(records, ctx);
  }

  private async prepareTopics(): Promise<void> {
    const provisioner = await this.kafka.provisioner();
    // the changelog is consumed too (restores), so it gets its DLQ
    await provisioner.ensure({ consumes: ['callLegs', 'enricherState'], produces: ['callEvents'] });
    await this.checkChangelogPartitions();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.restoreReader?.stop().catch(() => undefined);
  }

  /**
   * The changelog of input partition p is partition p of the changelog topic, so it needs at
   * least as many partitions as the input; fewer would put states where no restore finds them.
   */
  private async checkChangelogPartitions(): Promise<void> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      const input = this.kafka.topicName('callLegs');
      const changelog = this.kafka.topicName('enricherState');
      const { topics } = await admin.fetchTopicMetadata({ topics: [input, changelog] });
      const count = (name: string) => topics.find((t) => t.name === name)?.partitions.length ?? 0;
      if (count(changelog) < count(input)) {
        throw new Error(`the changelog ${changelog} has ${count(changelog)} partitions, fewer than the ${count(input)} of ${input}: add partitions to the changelog`);
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** A reader joining its own group costs seconds; an empty changelog (a new deployment) needs none. */
  private async changelogHasRecords(partitions: number[]): Promise<boolean> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      // right after the topic was created its partitions may still lack a leader (the first start of a deployment)
      const offsets = await fetchTopicOffsetsOnceLed(admin, this.kafka.topicName('enricherState'));
      return offsets.some((o) => partitions.includes(o.partition) && BigInt(o.high) > BigInt(o.low));
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * On every assignment: forget revoked partitions, then reload the assigned ones from the
   * changelog (the in-memory copy of a partition kept across a rebalance may be stale: another
   * instance may have owned it meanwhile). The runtime awaits this before handling batches.
   */
  private async restore(assignment: Record<string, number[]>): Promise<void> {
    const partitions = assignment[this.kafka.topicName('callLegs')] ?? [];
    const store = this.enrichment.store;
    store.retainOnly(partitions);
    store.beginRestore(partitions);
    await this.scheduler.idle();
    const started = Date.now();
    const loaded = new Map(partitions.map((p) => [p, new Map<string, CallRecord>()]));
    let unreadable = 0;
    if (partitions.length > 0 && (await this.changelogHasRecords(partitions))) {
      const topic = this.kafka.topicName('enricherState');
      this.restoreReader = new TopicReader<CallStateSnapshot>(this.kafka.kafka, this.kafka.serde, this.logger.logger, {
        topic,
        spec: topicSpec('enricherState'),
        purpose: `${this.config.enrichment.consumerGroup}-restore`,
        partitions,
        // a state that cannot be read goes to the changelog's DLQ (fromSnapshot throwing included)
        deadLetters: (letters, group) => this.kafka.sendDeadLetters(letters, group),
        onRecord: (r) => {
          const calls = loaded.get(r.partition);
          if (!calls) return;
          calls.delete(r.key);
          if (r.value !== null) calls.set(r.key, fromSnapshot(r.key, r.value));
        },
        onUnreadable: (letter) => {
          unreadable++;
          // the call's latest state is the unreadable one: an older one would be wrong
          loaded.get(letter.partition)?.delete(letter.key?.toString() ?? '');
          this.logger.error({ callUuid: letter.key?.toString(), partition: letter.partition, offset: letter.offset, reason: letter.reason }, 'unreadable call state in the changelog: the call is dropped');
        },
      });
      await this.restoreReader.readToEnd();
      this.restoreReader = undefined;
    }
    let calls = 0;
    for (const [p, states] of loaded) {
      store.finishRestore(p, states);
      calls += states.size;
    }
    this.enrichment.metrics.restores.inc(calls);
    this.logger.info({ partitions, calls, unreadable, ms: Date.now() - started }, 'call state restored from the changelog');
  }
}
