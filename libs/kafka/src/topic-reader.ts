import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { RetryableError, type TopicSpec } from '@callhooks/contracts';
import { DecodeError, type AvroSerde } from './avro-serde';
import type { ConsumerLifecycleListener } from './consumer-group';
import { contractProblem, oversizeProblem, type DeadLetter } from './dead-letter';

export interface TableRecord<T> {
  partition: number;
  offset: string;
  key: string;
  /** null for a tombstone. */
  value: T | null;
  /** The record's timestamp (ms): its producer's create time unless the topic says log-append time. */
  timestamp: number;
}

export interface TopicReaderOptions<T> {
  topic: string;
  /** The contract of the topic: records are read as its schema (the writer's resolved to it) and bounded by its size. */
  spec: TopicSpec;
  /** Used in the throwaway consumer group's name, for operators reading group lists. */
  purpose: string;
  onRecord: (record: TableRecord<T>) => void | Promise<void>;
  /** Only these partitions (others are read past and ignored); all when absent. */
  partitions?: number[];
  /** Contract check of a decoded value; total (a throw counts as a violation). A reason sets the record aside. */
  validate?: (value: T, key: string) => string | null;
  /**
   * Sends records set aside to `<topic>.dlq` (KafkaContext.reader wires it); the batch is read
   * again if it fails. Without it they are only reported to onUnreadable.
   */
  deadLetters?: (letters: DeadLetter[], group: string) => Promise<void>;
  /**
   * Called for each record set aside, and reading goes on: one larger than the topic's bound,
   * not readable as its schema, breaking the contract, or making onRecord throw (except a
   * RetryableError, which fails the batch to be read again).
   */
  onUnreadable?: (letter: DeadLetter) => void;
}

/**
 * Reads a whole topic from its beginning, as Kafka Streams restores a table: a consumer in a
 * group of its own (no commits), read_committed, that knows it has caught up once every
 * partition reached the end offset it had when reading began. `follow()` keeps reading
 * after that (a materialized view); `readToEnd()` stops there (a state restore).
 */
export class TopicReader<T> {
  private consumer?: Consumer;
  private endOffsets = new Map<number, bigint>();
  private caughtUp = false;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (err: Error) => void;
  private readonly lifecycle: ConsumerLifecycleListener[] = [];
  private stopped = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly serde: AvroSerde,
    private readonly logger: Logger,
    private readonly options: TopicReaderOptions<T>,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    this.ready.catch(() => undefined);
  }

  isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** The name the supervisor reports this reader under (its consumer group is a throwaway one). */
  get groupId(): string {
    return `callhooks-${this.options.purpose}`;
  }

  /**
   * A reader with a listener (the supervisor) is not restarted by kafkajs: a crash goes to the
   * listener, which calls rejoin(), and `ready` waits on. Without one (a state restore), kafkajs
   * restarts it on retriable errors and any other crash before catching up fails `ready`.
   */
  watchLifecycle(listener: ConsumerLifecycleListener): void {
    this.lifecycle.push(listener);
  }

  /**
   * Reads the topic again from its beginning with a new consumer, after the previous one
   * stopped. A view keeps the highest version per key, so records read twice change nothing.
   */
  async rejoin(): Promise<void> {
    await this.consumer?.disconnect().catch((err) => this.logger.warn({ topic: this.options.topic, err }, 'disconnecting the stopped reader failed'));
    if (this.stopped) return;
    for (const l of this.lifecycle) l.starting?.();
    await this.run();
  }

  /** Reads to the end, then keeps following new records. Resolves once caught up. */
  async follow(): Promise<void> {
    await this.start();
    await this.ready;
  }

  /** Reads to the end and stops. */
  async readToEnd(): Promise<void> {
    await this.start();
    try {
      await this.ready;
    } finally {
      await this.stop();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.lifecycle) l.stopped?.();
    const c = this.consumer;
    this.consumer = undefined;
    await c?.disconnect();
  }

  private async start(): Promise<void> {
    for (const l of this.lifecycle) l.starting?.();
    const { topic } = this.options;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const p of await fetchTopicOffsetsOnceLed(admin, topic)) {
        if (this.options.partitions && !this.options.partitions.includes(p.partition)) continue;
        // high is the next offset to be written; nothing to read when low == high
        if (BigInt(p.high) > BigInt(p.low)) this.endOffsets.set(p.partition, BigInt(p.high));
      }
    } finally {
      await admin.disconnect();
    }
    await this.run();
  }

  private async run(): Promise<void> {
    const { topic } = this.options;
    const groupId = `${this.groupId}-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      retry: { restartOnFailure: async () => this.lifecycle.length === 0 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer === consumer) for (const l of this.lifecycle) l.joined?.();
    });
    // END_BATCH_PROCESS is emitted also for batches holding only transaction markers,
    // whose offsets count towards the end offset but never reach eachBatch
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => this.progress(e.payload.partition, e.payload.lastOffset));
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart || this.consumer !== consumer) return;
      if (this.lifecycle.length > 0) for (const l of this.lifecycle) l.crashed?.(e.payload.error);
      else if (!this.caughtUp) this.rejectCaughtUp(e.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    this.checkCaughtUp();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (this.options.partitions && !this.options.partitions.includes(batch.partition)) return;
        const letters: DeadLetter[] = [];
        for (const m of batch.messages) {
          const letter = await this.read(batch.partition, m);
          if (letter) letters.push(letter);
        }
        if (letters.length === 0) return;
        await this.options.deadLetters?.(letters, groupId);
        for (const letter of letters) this.options.onUnreadable?.(letter);
      },
    });
  }

  /** Hands one record to onRecord; the dead letter it makes when it cannot. A registry outage throws. */
  private async read(partition: number, m: KafkaMessage): Promise<DeadLetter | undefined> {
    const { topic, spec } = this.options;
    const key = m.key?.toString() ?? '';
    const letter = (errorClass: string, reason: string): DeadLetter => ({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, errorClass, reason });
    let value: T | null = null;
    if (m.value) {
      const oversized = oversizeProblem(spec, topic, m.value);
      if (oversized) return letter('oversized', oversized);
      try {
        value = await this.serde.decode<T>(m.value, spec.schema ?? undefined);
      } catch (err) {
        // a registry outage is not the record's fault: fail the batch, the consumer reads it again
        if (!(err instanceof DecodeError)) throw err;
        return letter('decode_error', err.message);
      }
      const decoded = value;
      const problem = contractProblem(() => this.options.validate?.(decoded, key));
      if (problem) return letter('contract_violation', problem);
    }
    try {
      await this.options.onRecord({ partition, offset: m.offset, key, value, timestamp: Number(m.timestamp) });
    } catch (err) {
      if (err instanceof RetryableError) throw err;
      return letter('handler_error', `${(err as Error).name}: ${(err as Error).message}`);
    }
    return undefined;
  }

  private progress(partition: number, lastOffset: string): void {
    const end = this.endOffsets.get(partition);
    if (end !== undefined && BigInt(lastOffset) + 1n >= end) this.endOffsets.delete(partition);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (!this.caughtUp && this.endOffsets.size === 0) {
      this.caughtUp = true;
      this.logger.info({ topic: this.options.topic, purpose: this.options.purpose }, 'caught up with topic');
      this.resolveCaughtUp();
    }
  }
}

/**
 * The end offsets of a topic. Right after a topic is created, possibly by another service
 * starting at the same moment, a partition can still lack a leader and the broker answers
 * with a retriable error (NOT_LEADER_OR_FOLLOWER): retry those for a few seconds.
 */
export async function fetchTopicOffsetsOnceLed(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
