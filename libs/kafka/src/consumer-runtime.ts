import type { EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { topicSpec, type TopicId, type TopicSpec } from '@callhooks/contracts';
import type { AvroSerde } from './avro-serde';
import { UnitScope, type BatchContext, type BatchHandler, type ConsumedRecord, type Deferral, type Unit } from './batch-context';
import { ConsumerGroupMember, type ConsumerLifecycleListener } from './consumer-group';
import type { DeadLetter } from './dead-letter';
import { AdaptiveFetchLinger } from './fetch-linger';
import type { KafkaMetrics } from './kafka.metrics';
import { nextOffset, partitionKey } from './partition-key';
import { PartitionLocks } from './partition-locks';
import { PartitionPauses } from './partition-pauses';
import { isDeadLetter, RecordDecoder } from './record-decoder';
import type { RecordPublisher } from './record-publisher';
import { TransactionalProducerPool } from './transactional-producers';
import { UnitCommitter } from './unit-commit';
import { UnitRetries, type BatchInFlight } from './unit-retries';

export type { BatchContext, BatchHandler, ConsumedRecord } from './batch-context';

export interface ConsumerRuntimeOptions<T> {
  groupId: string;
  topics: TopicId[];
  handler: BatchHandler<T>;
  /**
   * Contract check of a decoded value: a reason string sends the record to the dead-letter
   * topic. Should be total; if it throws anyway, the record is dead-lettered with the error.
   */
  validate?: (value: T, record: ConsumedRecord<T>) => string | null;
  /** Partitions processed at once. */
  concurrency?: number;
  /**
   * Exactly-once: each unit of work is a Kafka transaction holding the sends, the dead
   * letters and the consumed offsets. One transactional producer per input partition
   * (`<prefix>-<topic>-<partition>`), so a zombie owner of a partition is fenced.
   */
  transactionalIdPrefix?: string;
  /** Attempts of a unit of work before the runtime isolates records and dead-letters the failing one. */
  maxAttempts?: number;
  fromBeginning?: boolean;
  /**
   * Longest wait of a fetch for new records (kafkajs maxWaitTimeInMs, default 5000). A resumed
   * partition joins the next fetch only, so a consumer that pauses and resumes (delay topics)
   * wants it short.
   */
  maxWaitTimeMs?: number;
  /**
   * A fetch waits up to this long for LINGER_MIN_BYTES of records (replaces maxWaitTimeMs).
   * A trickle of records then comes in one batch per partition per interval instead of a batch
   * per record or two; in transactional mode that is one transaction per partition per interval
   * (what Kafka Streams' commit.interval.ms does under exactly-once). A backlog fills
   * LINGER_MIN_BYTES at once and is not slowed. Costs up to this long of latency.
   */
  fetchLingerMs?: number;
  /**
   * With a fixed fetchLingerMs, how much a fetch waits for before it returns early
   * (LINGER_MIN_BYTES when absent): a consumer whose per-unit cost is high sets it to what its
   * rate brings in a whole linger, so that the linger, not the size, makes its units.
   */
  fetchLingerBytes?: number;
  /**
   * 'adaptive': fetchLingerMs is the longest linger, and each partition rests after a unit of
   * work only as long as its load makes worth it (AdaptiveFetchLinger): none when idle.
   */
  fetchLinger?: 'fixed' | 'adaptive';
  /** Called when the group assigns partitions (restore state here); called before any batch of them is handled. */
  onAssigned?: (assignment: Record<string, number[]>) => Promise<void>;
}

/** Fetch size that ends a linger early: a quarter of one partition's fetch (kafkajs maxBytesPerPartition, 1 MB). */
export const LINGER_MIN_BYTES = 256 * 1024;
/** With an adaptive linger a fetch returns with the first record; this bounds how late a resting partition joins one. */
const ADAPTIVE_LINGER_FETCH_WAIT_MS = 20;

/**
 * The consumer runtime of the pipeline services: batches (`eachBatch`) of one partition as
 * units of work, each committed once (unit-commit.ts), bounded concurrency, retries and poison
 * isolation (unit-retries.ts), deferral and lingering (partition-pauses.ts), one chain of work
 * per partition (partition-locks.ts), the group membership (consumer-group.ts) and, for
 * exactly-once, a transactional producer per partition (transactional-producers.ts).
 * What a handler may assume: libs/kafka/README.md.
 */
export class ConsumerRuntime<T> {
  private readonly group: ConsumerGroupMember;
  private producer?: Producer;
  private readonly txProducers?: TransactionalProducerPool;
  private readonly committer: UnitCommitter;
  private readonly retries: UnitRetries<T>;
  private readonly decoder: RecordDecoder<T>;
  private readonly locks = new PartitionLocks();
  private readonly pauses: PartitionPauses;
  private readonly linger?: AdaptiveFetchLinger;
  /** The stop in progress or done, until the next start. */
  private stopped?: Promise<void>;
  /** Set when a stop begins: batches fetched from then on are left to the next owner, unread. */
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    serde: AvroSerde,
    private readonly publisher: RecordPublisher,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
    private readonly options: ConsumerRuntimeOptions<T>,
  ) {
    if (options.fetchLinger === 'adaptive' && options.fetchLingerMs) this.linger = new AdaptiveFetchLinger(options.fetchLingerMs);
    const specs = new Map<string, TopicSpec>();
    for (const id of options.topics) {
      if (!topicSpec(id).schema) throw new Error(`cannot consume ${id}: it has no schema`);
      specs.set(publisher.topicName(id), topicSpec(id));
    }
    this.decoder = new RecordDecoder<T>(serde, specs, options.validate);
    const exactlyOnce = options.transactionalIdPrefix;
    this.group = new ConsumerGroupMember(
      kafka,
      {
        groupId: options.groupId,
        topicNames: this.topicNames,
        fromBeginning: this.readsFromBeginning,
        concurrency: options.concurrency ?? 1,
        fetch: this.fetchSettings(),
      },
      {
        eachBatch: (payload) => this.locks.run(payload.batch.topic, payload.batch.partition, () => this.processBatch(payload)),
        prepareAssignment: options.onAssigned || exactlyOnce ? (assignment) => this.prepareAssignment(assignment) : undefined,
        // kafkajs passes over a fetch of markers only without a batch: commit past them, or the
        // group's committed offset (its lag) stays behind the log end forever
        markersOnly: (topic, partition, lastOffset) => void this.commitPastMarkers(topic, partition, lastOffset),
      },
      metrics,
      logger,
    );
    this.pauses = new PartitionPauses(this.group);
    if (exactlyOnce) this.txProducers = new TransactionalProducerPool(kafka, metrics, exactlyOnce);
    this.committer = new UnitCommitter(
      publisher,
      options.groupId,
      this.txProducers
        ? { transactional: this.txProducers }
        : { plain: { producer: () => this.producer!, commitAfterUnit: (topic, partition, offset) => this.group.commitAfterUnit(topic, partition, offset) } },
    );
    this.retries = new UnitRetries<T>(
      (unit, batch) => this.runUnit(unit, batch),
      (record, errorClass, reason) => this.decoder.letterFor(record, errorClass, reason),
      options.maxAttempts ?? 3,
      options.groupId,
      metrics,
      logger,
    );
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** The topic names this runtime consumes (with the deployment's prefix). */
  get topicNames(): string[] {
    return this.options.topics.map((id) => this.publisher.topicName(id));
  }

  get readsFromBeginning(): boolean {
    return this.options.fromBeginning ?? true;
  }

  watchLifecycle(listener: ConsumerLifecycleListener): void {
    this.group.watch(listener);
  }

  async start(): Promise<void> {
    this.stopped = undefined;
    this.stopping = false;
    // at-least-once units go out with one idempotent producer of the runtime's own
    await this.group.join(async () => {
      if (this.txProducers || this.producer) return;
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      this.metrics.watch(this.producer, 'producer');
      await this.producer.connect();
    });
  }

  /**
   * Joins the group again with a new kafkajs consumer, after the previous one stopped (a
   * crash). Producers and the state of partitions are kept; the assignment is prepared again
   * on joining, as after any rebalance.
   */
  rejoin(): Promise<void> {
    return this.group.rejoin();
  }

  /** Readiness: joined to the group and not crashed for good. */
  async check(): Promise<void> {
    this.group.check();
  }

  /**
   * Finishes the units in flight, commits them, leaves the group, closes the producers. Once:
   * the transport stops its consumers before the KafkaContext's shutdown would again. The
   * units finish before kafkajs is told to stop, as it then drops offset commits: a unit
   * finished during its stop would be read again by the next owner.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.pauses.clear();
      this.stopping = true;
      await this.locks.idle();
      await this.group.leave();
      await this.producer?.disconnect();
      await this.txProducers?.disconnectAll();
    })();
    return this.stopped;
  }

  /**
   * Out-of-band unit of work on one input partition (e.g. a timer firing): it runs under the
   * same lock as that partition's batches and, in transactional mode, commits its sends in
   * a transaction of the partition's producer, without consumed offsets. A failure aborts,
   * runs the onAborted hooks and rejects.
   */
  async transaction(topic: TopicId, partition: number, work: (ctx: BatchContext) => Promise<void>): Promise<void> {
    if (!this.txProducers) throw new Error('transaction() needs transactionalIdPrefix');
    const topicName = this.publisher.topicName(topic);
    await this.locks.run(topicName, partition, async () => {
      const scope = this.newScope({ heartbeat: async () => undefined, isRunning: () => this.group.isJoined }, null);
      await scope.settle(async () => {
        await work(scope.ctx);
        if (scope.sends.length > 0 || scope.letters.length > 0) await this.committer.commit({ topic: topicName, partition, sends: scope.sends, letters: scope.letters });
      });
    });
  }

  private fetchSettings(): { maxWaitTimeInMs?: number; minBytes?: number } {
    const { maxWaitTimeMs, fetchLingerMs, fetchLingerBytes } = this.options;
    if (this.linger) return { maxWaitTimeInMs: Math.min(ADAPTIVE_LINGER_FETCH_WAIT_MS, this.linger.maxMs) };
    if (fetchLingerMs) return { maxWaitTimeInMs: fetchLingerMs, minBytes: fetchLingerBytes ?? LINGER_MIN_BYTES };
    return maxWaitTimeMs !== undefined ? { maxWaitTimeInMs: maxWaitTimeMs } : {};
  }

  /** Before any work on newly assigned partitions: fence their previous owners (exactly-once), then onAssigned. */
  private async prepareAssignment(assignment: Record<string, number[]>): Promise<void> {
    await this.txProducers?.fence(assignment);
    await this.options.onAssigned?.(assignment);
  }

  /** Commits `lastOffset + 1` of a fetch that held only transaction markers (under the partition's lock, after any batch before it). */
  private async commitPastMarkers(topic: string, partition: number, lastOffset: string): Promise<void> {
    if (this.pauses.isPaused(topic, partition)) return;
    await this.locks.run(topic, partition, () => this.group.commitOffsets(topic, partition, nextOffset(lastOffset))).catch((err) =>
      // harmless: the next batch of the partition commits past them anyway
      this.logger.debug({ group: this.groupId, topic, partition, err }, 'committing past transaction markers failed'),
    );
  }

  private newScope(liveness: { heartbeat: () => Promise<void>; isRunning: () => boolean }, unit: Unit<T> | null): UnitScope {
    return new UnitScope(liveness, (record, errorClass, reason) => this.decoder.letterFor(record, errorClass, reason), unit as Unit<unknown> | null);
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // stopping: not read, not committed; the group's next owner of the partition reads it
    if (batch.messages.length === 0 || this.stopping) return;
    await this.group.assignmentReady;
    const timer = this.metrics.batchDuration.startTimer({ group: this.groupId, topic: batch.topic });
    const startedAt = Date.now();
    const units: Array<ConsumedRecord<T> | DeadLetter> = [];
    for (const m of batch.messages) units.push(await this.decoder.decode(batch.topic, batch.partition, m));
    const whole: Unit<T> = {
      records: units.filter((u): u is ConsumedRecord<T> => !isDeadLetter(u)),
      letters: units.filter(isDeadLetter),
      // past the batch's trailing transaction markers too (lastOffset counts them), or the
      // committed offset, hence the lag, would stay one marker behind the log end
      commitOffset: nextOffset(batch.lastOffset()),
    };
    const inFlight: BatchInFlight = {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat: payload.heartbeat,
      isRunning: () => payload.isRunning() && !payload.isStale(),
    };
    const failure = await this.retries.attempt(whole, inFlight);
    let deferred = whole.deferred;
    if (failure) {
      if (!inFlight.isRunning()) return;
      deferred = await this.retries.isolate(units, inFlight);
    }
    if (deferred) {
      // the records from the deferred one on are read again once the partition resumes
      // (kafkajs fetches a partition from its last resolved offset)
      payload.resolveOffset((BigInt(deferred.offset) - 1n).toString());
      this.pauses.deferUntil(batch.topic, batch.partition, deferred.resumeAt);
    } else {
      payload.resolveOffset(batch.lastOffset());
      if (this.linger) this.pauses.rest(batch.topic, batch.partition, this.linger.restAfter(partitionKey(batch.topic, batch.partition), batch.messages.length, startedAt, Date.now()));
    }
    timer();
    this.observeWait(batch, startedAt, deferred);
  }

  /** Record wait of the records the batch processed (a deferred tail waits on, and is observed when processed). */
  private observeWait(batch: EachBatchPayload['batch'], startedAt: number, deferred: Deferral | undefined): void {
    const end = deferred ? BigInt(deferred.offset) : undefined;
    const labels = { group: this.groupId, topic: batch.topic };
    for (const m of batch.messages) {
      if (end !== undefined && BigInt(m.offset) >= end) break;
      this.metrics.recordWait.observe(labels, Math.max(0, startedAt - Number(m.timestamp)) / 1000);
    }
  }

  /** One attempt of a unit of work: the handler, then the one commit path; the scope's hooks after it. */
  private async runUnit(unit: Unit<T>, batch: BatchInFlight): Promise<void> {
    const { topic, partition } = batch;
    unit.deferred = undefined;
    const scope = this.newScope({ heartbeat: batch.heartbeat, isRunning: batch.isRunning }, unit);
    const letters = scope.letters;
    letters.push(...unit.letters);
    await scope.settle(async () => {
      if (unit.records.length > 0) await this.options.handler(unit.records, scope.ctx);
      // set by ctx.defer() during the handler (TypeScript cannot see that assignment)
      const deferral = unit.deferred as Deferral | undefined;
      const commitOffset = deferral && BigInt(deferral.offset) < BigInt(unit.commitOffset) ? deferral.offset : unit.commitOffset;
      // records from the deferral on are read again later: their dead letters go then, not twice
      if (deferral) for (let i = letters.length - 1; i >= 0; i--) if (BigInt(letters[i].offset) >= BigInt(commitOffset)) letters.splice(i, 1);
      await this.committer.commit({ topic, partition, sends: scope.sends, letters, commitOffset });
    });
    this.metrics.records.inc({ group: this.groupId, topic, outcome: 'processed' }, unit.records.length - (letters.length - unit.letters.length));
    for (const l of letters) {
      this.metrics.records.inc({ group: this.groupId, topic, outcome: 'dead_lettered' });
      this.metrics.deadLetters.inc({ topic, reason: l.errorClass });
      this.logger.warn({ group: this.groupId, topic, partition: l.partition, offset: l.offset, errorClass: l.errorClass, reason: l.reason }, 'record sent to dead-letter topic');
    }
  }
}
