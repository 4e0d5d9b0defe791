import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaMetrics } from './kafka.metrics';
import type { PausablePartitions } from './partition-pauses';

/** What happens to a runtime's group membership, for the supervisor (consumer-supervisor.ts) and the lag monitor. */
export interface ConsumerLifecycleListener {
  /** start() was called: the consumer is joining its group. */
  starting?(): void;
  /** The consumer joined its group (again, after a rebalance or a restart). */
  joined?(): void;
  /** The consumer stopped on its own (kafkajs CRASH: a non-retriable error, retries exhausted, a lost group); it stays stopped until rejoin(). */
  crashed?(error: Error): void;
  /** stop() was called: the runtime was shut down on purpose. */
  stopped?(): void;
}

export interface ConsumerGroupOptions {
  groupId: string;
  topicNames: string[];
  fromBeginning: boolean;
  concurrency: number;
  /** kafkajs fetch settings (maxWaitTimeInMs, minBytes): how long a fetch waits for records. */
  fetch: Pick<ConsumerConfig, 'maxWaitTimeInMs' | 'minBytes'>;
}

/** What the member calls back: the batches, the preparation of an assignment, fetches of markers only. */
export interface ConsumerGroupHandlers {
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /** Work before any batch of newly assigned partitions (fencing, restoring); batches await it. Absent: nothing to do. */
  prepareAssignment?(assignment: Record<string, number[]>): Promise<void>;
  /** A fetch of a partition held only transaction markers (or aborted records): no batch came. */
  markersOnly(topic: string, partition: number, lastOffset: string): void;
}

/**
 * The group lifecycle of a consumer runtime: joining (a new kafkajs consumer each time, with
 * kafkajs' own restart off: the supervisor restarts), crashes, leaving, readiness, and the
 * pause/resume/commit calls that go to the current kafkajs consumer.
 */
export class ConsumerGroupMember implements PausablePartitions {
  private consumer?: Consumer;
  private joined = false;
  private crashed?: Error;
  /** Set by leave(): a restart scheduled before it must not join again. */
  private leaving = false;
  private readonly lifecycle: ConsumerLifecycleListener[] = [];
  private pendingAssignment?: Promise<void>;
  /** Offset commits sent by commitAfterUnit and not answered yet; leave() waits for them. */
  private readonly commitsInFlight = new Set<Promise<void>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerGroupOptions,
    private readonly handlers: ConsumerGroupHandlers,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
  ) {}

  get groupId(): string {
    return this.options.groupId;
  }

  get isJoined(): boolean {
    return this.joined;
  }

  /** The preparation of the current assignment, which batches wait for (undefined when there is none). */
  get assignmentReady(): Promise<void> | undefined {
    return this.pendingAssignment;
  }

  watch(listener: ConsumerLifecycleListener): void {
    this.lifecycle.push(listener);
  }

  /** Joins the group; `beforeJoining` runs once the listeners heard `starting` (the runtime connects its producer there). */
  async join(beforeJoining?: () => Promise<void>): Promise<void> {
    this.leaving = false;
    for (const l of this.lifecycle) l.starting?.();
    await beforeJoining?.();
    await this.joinGroup();
  }

  /** Joins again with a new kafkajs consumer, after the previous one stopped (a crash). */
  async rejoin(): Promise<void> {
    const previous = this.consumer;
    this.joined = false;
    await previous?.disconnect().catch((err) => this.logger.warn({ group: this.groupId, err }, 'disconnecting the stopped consumer failed'));
    if (this.leaving) return;
    for (const l of this.lifecycle) l.starting?.();
    await this.joinGroup();
  }

  /** Waits for the offset commits sent, finishes the batch in flight and leaves the group. */
  async leave(): Promise<void> {
    this.leaving = true;
    for (const l of this.lifecycle) l.stopped?.();
    // the commits of finished units first: kafkajs drops any made once it is stopping
    await Promise.all(this.commitsInFlight);
    await this.consumer?.disconnect();
    // readiness: a consumer that left is not in its group
    this.joined = false;
  }

  /** Readiness: joined to the group and not crashed for good. */
  check(): void {
    if (!this.consumer) throw new Error(`consumer ${this.groupId} not started`);
    if (!this.joined) throw new Error(`consumer ${this.groupId} has not joined its group${this.crashed ? `: ${this.crashed.message}` : ''}`);
  }

  pause(topic: string, partition: number): void {
    this.consumer?.pause([{ topic, partitions: [partition] }]);
  }

  resume(topic: string, partition: number): void {
    this.consumer?.resume([{ topic, partitions: [partition] }]);
  }

  async commitOffsets(topic: string, partition: number, offset: string): Promise<void> {
    if (!this.consumer) throw new Error(`consumer ${this.groupId} not started`);
    await this.consumer.commitOffsets([{ topic, partition, offset }]);
  }

  /**
   * Commits the offset after a unit whose sends are acknowledged, without holding the unit,
   * hence the partition's next fetch, for the answer. Nothing is lost if it fails: the next
   * unit's commit goes past it, and without one the records are read again (at least once).
   * Requests on the coordinator's connection are answered in order, so a later unit's commit
   * or a rebalance's JoinGroup (sent once the unit has returned) comes after this one, which
   * the current generation may still make while the group prepares the rebalance.
   */
  commitAfterUnit(topic: string, partition: number, offset: string): void {
    const sent = this.commitOffsets(topic, partition, offset).catch((err) =>
      this.logger.warn({ group: this.groupId, topic, partition, offset, err }, 'committing offsets failed: the next unit commits past them, or they are read again'),
    );
    this.commitsInFlight.add(sent);
    void sent.finally(() => this.commitsInFlight.delete(sent));
  }

  private async joinGroup(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      ...this.options.fetch,
      // kafkajs restarts a crashed consumer only for some errors, and says nothing while it is
      // down; the supervisor restarts every crash, with its own backoff, and reports the downtime
      retry: { restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    this.metrics.watch(consumer, 'consumer');
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (this.consumer !== consumer) return;
      this.joined = true;
      this.crashed = undefined;
      this.logger.info({ group: this.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
      for (const l of this.lifecycle) l.joined?.();
      if (this.handlers.prepareAssignment) {
        const pending = this.handlers.prepareAssignment(e.payload.memberAssignment);
        // batches await it (and fail with it); this only keeps a failure from going unhandled
        pending.catch((err) => this.logger.error({ group: this.groupId, err }, 'preparing the assigned partitions failed'));
        this.pendingAssignment = pending;
      }
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (this.consumer !== consumer) return;
      // restartOnFailure is off: whatever the error, this consumer has left its group for good
      this.crashed = e.payload.error;
      this.joined = false;
      this.logger.error({ group: this.groupId, err: e.payload.error }, 'consumer crashed: it left its group');
      for (const l of this.lifecycle) l.crashed?.(e.payload.error);
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.batchSize === 0) this.handlers.markersOnly(e.payload.topic, e.payload.partition, e.payload.lastOffset);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topicNames, fromBeginning: this.options.fromBeginning });
    // the series exist at 0 from the start: a first retry is an increase, and the panel has its series
    for (const topic of this.options.topicNames) this.metrics.batchRetries.inc({ group: this.groupId, topic }, 0);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatch: (payload) => this.handlers.eachBatch(payload),
    });
  }
}
