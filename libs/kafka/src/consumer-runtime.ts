import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { RetryableError, topicSpec, type TopicId, type TopicSpec } from '@callhooks/contracts';
import { DecodeError, type AvroSerde } from './avro-serde';
import { contractProblem, oversizeProblem, sendDeadLetters, type DeadLetter } from './dead-letter';
import { AdaptiveFetchLinger } from './fetch-linger';
import type { KafkaMetrics } from './kafka.metrics';
import type { OutgoingRecord, RecordPublisher } from './record-publisher';

export interface ConsumedRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  headers: Record<string, string>;
  timestamp: number;
}

/** What a handler may do inside one unit of work (one batch, or one record while isolating a poison one). */
export interface BatchContext {
  /** Queues records to send. They go out before the offsets are committed, inside the transaction in transactional mode. */
  send(topic: TopicId, records: OutgoingRecord[]): void;
  /** Sets one record aside to `<topic>.dlq` with a reason; the batch goes on. */
  deadLetter(record: ConsumedRecord<unknown>, errorClass: string, reason: string): void;
  /** Runs after the unit of work committed (offsets and sends are durable). */
  onCommitted(fn: () => void): void;
  /** Runs when the unit of work is abandoned (it will be processed again): undo in-memory changes here. */
  onAborted(fn: () => void): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /**
   * Leaves `record` and the records after it in its partition for later: the unit commits
   * only the records before it, and the partition is paused until `resumeAt` (epoch ms), then
   * read again from `record`. For delay topics (records not yet due); batches only.
   */
  defer(record: ConsumedRecord<unknown>, resumeAt: number): void;
}

export interface BatchHandler<T> {
  (records: Array<ConsumedRecord<T>>, ctx: BatchContext): Promise<void>;
}

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
   * 'adaptive': fetchLingerMs is the longest linger, and each partition rests after a unit of
   * work only as long as its load makes worth it (AdaptiveFetchLinger): none when idle.
   */
  fetchLinger?: 'fixed' | 'adaptive';
  /** Called when the group assigns partitions (restore state here); called before any batch of them is handled. */
  onAssigned?: (assignment: Record<string, number[]>) => Promise<void>;
}

interface Unit<T> {
  records: Array<ConsumedRecord<T>>;
  letters: DeadLetter[];
  /** Offset to commit when the unit succeeds: last offset + 1. */
  commitOffset: string;
  /** Set when the handler deferred part of the unit (see BatchContext.defer). */
  deferred?: Deferral;
}

interface Deferral {
  offset: string;
  resumeAt: number;
}

/** Fetch size that ends a linger early: a quarter of one partition's fetch (kafkajs maxBytesPerPartition, 1 MB). */
export const LINGER_MIN_BYTES = 256 * 1024;
/** With an adaptive linger a fetch returns with the first record; this bounds how late a resting partition joins one. */
const ADAPTIVE_LINGER_FETCH_WAIT_MS = 20;

/**
 * The consumer runtime of the pipeline services: batches (`eachBatch`), explicit commits,
 * bounded concurrency, a dead-letter path for records that cannot be decoded or break the
 * contract, and a poison-record isolation step so no record is retried forever.
 * A RetryableError (a dependency down) is retried with backoff for as long as it lasts:
 * it says nothing about the record.
 */
export class ConsumerRuntime<T> {
  private consumer?: Consumer;
  private producer?: Producer;
  private readonly txProducers = new Map<string, Producer>();
  private joined = false;
  private crashed?: Error;
  private readonly maxAttempts: number;
  /** The original message of each decoded record, so a dead letter carries the bytes as they arrived. */
  private readonly raw = new WeakMap<object, KafkaMessage>();
  /** Per input partition, the tail of the chain of work on it: batches and out-of-band transactions never interleave. */
  private readonly partitionLocks = new Map<string, Promise<unknown>>();
  /** Partitions paused by a deferral, with the timer that resumes them. */
  private readonly resumeTimers = new Map<string, NodeJS.Timeout>();
  /** Per partition ("topic\u0000partition"), the first offset its last batch deferred: read again, so still lag. */
  private readonly deferredFrom = new Map<string, bigint>();
  /** Partitions ("topic\u0000partition") this member reports lag for; see forgetLagOutside. */
  private readonly lagPartitions = new Set<string>();
  private readonly linger?: AdaptiveFetchLinger;
  /** The contract (schema, size bound) of each consumed topic, by its name in this deployment. */
  private readonly specs = new Map<string, TopicSpec>();

  constructor(
    private readonly kafka: Kafka,
    private readonly serde: AvroSerde,
    private readonly publisher: RecordPublisher,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
    private readonly options: ConsumerRuntimeOptions<T>,
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    if (options.fetchLinger === 'adaptive' && options.fetchLingerMs) this.linger = new AdaptiveFetchLinger(options.fetchLingerMs);
    for (const id of options.topics) {
      if (!topicSpec(id).schema) throw new Error(`cannot consume ${id}: it has no schema`);
      this.specs.set(publisher.topicName(id), topicSpec(id));
    }
  }

  get groupId(): string {
    return this.options.groupId;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      ...(this.options.maxWaitTimeMs !== undefined ? { maxWaitTimeInMs: this.options.maxWaitTimeMs } : {}),
      ...(this.options.fetchLingerMs && !this.linger ? { maxWaitTimeInMs: this.options.fetchLingerMs, minBytes: LINGER_MIN_BYTES } : {}),
      ...(this.linger ? { maxWaitTimeInMs: Math.min(ADAPTIVE_LINGER_FETCH_WAIT_MS, this.linger.maxMs) } : {}),
    });
    this.consumer = consumer;
    this.metrics.watch(consumer, 'consumer');
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.logger.info({ group: this.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
      this.forgetLagOutside(e.payload.memberAssignment);
      if (this.options.onAssigned || this.options.transactionalIdPrefix) {
        const pending = this.prepareAssignment(e.payload.memberAssignment);
        // batches await it (and fail with it); this only keeps a failure from going unhandled
        pending.catch((err) => this.logger.error({ group: this.groupId, err }, 'preparing the assigned partitions failed'));
        this.pendingAssignment = pending;
      }
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.crashed = e.payload.error;
      this.logger.error({ group: this.groupId, err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      if (!e.payload.restart) this.joined = false;
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const key = `${e.payload.topic}\u0000${e.payload.partition}`;
      // a deferred tail was fetched but not processed: it is still lag
      const unprocessed = this.deferredFrom.get(key);
      const lag = unprocessed === undefined ? Number(e.payload.offsetLag) : Math.max(0, Number(BigInt(e.payload.highWatermark) - unprocessed));
      this.metrics.lag.set({ group: this.groupId, topic: e.payload.topic, partition: String(e.payload.partition) }, lag);
      this.lagPartitions.add(key);
    });
    if (!this.options.transactionalIdPrefix) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      this.metrics.watch(this.producer, 'producer');
      await this.producer.connect();
    }
    await consumer.connect();
    await consumer.subscribe({
      topics: this.options.topics.map((id) => this.publisher.topicName(id)),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    // the series exist at 0 from the start: a first retry is an increase, and the panel has its series
    for (const id of this.options.topics) this.metrics.batchRetries.inc({ group: this.groupId, topic: this.publisher.topicName(id) }, 0);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private pendingAssignment?: Promise<void>;

  /**
   * Before any work on newly assigned partitions: in transactional mode, fence the previous
   * owner of each partition (initialising our producer for it bumps the transactional id's
   * epoch, and the coordinator aborts the transaction a crashed owner left open; otherwise a
   * read_committed restore would stall on it until the transaction timeout), then onAssigned.
   */
  private async prepareAssignment(assignment: Record<string, number[]>): Promise<void> {
    if (this.options.transactionalIdPrefix) {
      for (const [topic, partitions] of Object.entries(assignment)) {
        await Promise.all(
          partitions.map(async (partition) => {
            const producer = await this.txProducer(topic, partition);
            const txn = await producer.transaction();
            await txn.abort();
          }),
        );
      }
    }
    await this.options.onAssigned?.(assignment);
  }

  /** Readiness: joined to the group and not crashed for good. */
  async check(): Promise<void> {
    if (!this.consumer) throw new Error(`consumer ${this.groupId} not started`);
    if (!this.joined) throw new Error(`consumer ${this.groupId} has not joined its group${this.crashed ? `: ${this.crashed.message}` : ''}`);
  }

  pause(topic: TopicId, partitions?: number[]): void {
    this.consumer?.pause([{ topic: this.publisher.topicName(topic), partitions }]);
  }

  resume(topic: TopicId, partitions?: number[]): void {
    this.consumer?.resume([{ topic: this.publisher.topicName(topic), partitions }]);
  }

  /**
   * After a rebalance, drops the lag series of partitions that moved to other members: the
   * gauge is only set when a batch ends, so a moved partition would otherwise keep its last
   * value here forever and be counted twice in every sum (and alert on lag nobody has).
   */
  private forgetLagOutside(assignment: Record<string, number[]>): void {
    for (const key of [...this.lagPartitions]) {
      const [topic, partition] = key.split('\u0000');
      if (!(assignment[topic] ?? []).includes(Number(partition))) {
        this.metrics.lag.remove({ group: this.groupId, topic, partition });
        this.lagPartitions.delete(key);
        this.deferredFrom.delete(key);
      }
    }
  }

  /** Finishes the batch in flight, commits it, leaves the group. */
  async stop(): Promise<void> {
    for (const t of this.resumeTimers.values()) clearTimeout(t);
    this.resumeTimers.clear();
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await Promise.all([...this.txProducers.values()].map((p) => p.disconnect()));
    this.txProducers.clear();
  }

  /**
   * Out-of-band unit of work on one input partition (e.g. a timer firing): it runs under the
   * same lock as that partition's batches and, in transactional mode, commits its sends in
   * a transaction of the partition's producer, without consumed offsets. A failure aborts,
   * runs the onAborted hooks and rejects.
   */
  async transaction(topic: TopicId, partition: number, work: (ctx: BatchContext) => Promise<void>): Promise<void> {
    if (!this.options.transactionalIdPrefix) throw new Error('transaction() needs transactionalIdPrefix');
    const topicName = this.publisher.topicName(topic);
    await this.withPartitionLock(topicName, partition, async () => {
      const { ctx, sends, letters, committed, aborted } = this.newContext({ heartbeat: async () => undefined, isRunning: () => this.joined }, null);
      try {
        await work(ctx);
        if (sends.length > 0 || letters.length > 0) {
          const producer = await this.txProducer(topicName, partition);
          const txn = await producer.transaction();
          try {
            await this.publisher.send(txn, sends);
            await sendDeadLetters(txn, letters, this.groupId);
            await txn.commit();
          } catch (err) {
            await txn.abort().catch(() => this.dropTxProducer(topicName, partition));
            if (isFenced(err)) await this.dropTxProducer(topicName, partition);
            throw err;
          }
        }
      } catch (err) {
        for (const fn of aborted) fn();
        throw err;
      }
      for (const fn of committed) fn();
    });
  }

  private async withPartitionLock<R>(topic: string, partition: number, fn: () => Promise<R>): Promise<R> {
    const key = `${topic}:${partition}`;
    const previous = this.partitionLocks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.partitionLocks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.partitionLocks.get(key) === tail) this.partitionLocks.delete(key);
    }
  }

  private newContext(payload: { heartbeat: () => Promise<void>; isRunning: () => boolean }, unit: Unit<T> | null) {
    const sends: Array<{ topic: TopicId; records: OutgoingRecord[] }> = [];
    const letters: DeadLetter[] = [];
    const committed: Array<() => void> = [];
    const aborted: Array<() => void> = [];
    const ctx: BatchContext = {
      send: (t, records) => sends.push({ topic: t, records }),
      deadLetter: (record, errorClass, reason) => letters.push(this.letterFor(record as ConsumedRecord<T>, errorClass, reason)),
      onCommitted: (fn) => committed.push(fn),
      onAborted: (fn) => aborted.push(fn),
      heartbeat: payload.heartbeat,
      isRunning: payload.isRunning,
      defer: (record, resumeAt) => {
        if (!unit) throw new Error('defer() is only possible while handling a batch');
        if (!unit.deferred || BigInt(record.offset) < BigInt(unit.deferred.offset)) unit.deferred = { offset: record.offset, resumeAt };
      },
    };
    return { ctx, sends, letters, committed, aborted };
  }

  private onBatch(payload: EachBatchPayload): Promise<void> {
    return this.withPartitionLock(payload.batch.topic, payload.batch.partition, () => this.processBatch(payload));
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    if (this.pendingAssignment) await this.pendingAssignment;
    const timer = this.metrics.batchDuration.startTimer({ group: this.groupId, topic: batch.topic });
    const startedAt = Date.now();
    const units: Array<ConsumedRecord<T> | DeadLetter> = [];
    for (const m of batch.messages) units.push(await this.decode(batch.topic, batch.partition, m));
    const whole: Unit<T> = {
      records: units.filter((u): u is ConsumedRecord<T> => !('errorClass' in u)),
      letters: units.filter((u): u is DeadLetter => 'errorClass' in u),
      commitOffset: next(batch.messages[batch.messages.length - 1].offset),
    };
    const failure = await this.runWithAttempts(whole, payload);
    let deferred = whole.deferred;
    if (failure) {
      if (!payload.isRunning() || payload.isStale()) return;
      deferred = await this.isolate(units, payload);
    }
    if (deferred) this.pauseUntil(payload, deferred);
    else payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    if (!deferred && this.linger) this.rest(batch.topic, batch.partition, this.linger.restAfter(`${batch.topic}:${batch.partition}`, batch.messages.length, startedAt, Date.now()));
    timer();
    this.observeWait(batch, startedAt, deferred);
  }

  /** Record wait of the records the batch processed (a deferred tail waits on, and is observed when processed); deferred lag. */
  private observeWait(batch: EachBatchPayload['batch'], startedAt: number, deferred: Deferral | undefined): void {
    const key = `${batch.topic}\u0000${batch.partition}`;
    const end = deferred ? BigInt(deferred.offset) : undefined;
    if (end === undefined) this.deferredFrom.delete(key);
    else this.deferredFrom.set(key, end);
    const labels = { group: this.groupId, topic: batch.topic };
    for (const m of batch.messages) {
      if (end !== undefined && BigInt(m.offset) >= end) break;
      this.metrics.recordWait.observe(labels, Math.max(0, startedAt - Number(m.timestamp)) / 1000);
    }
  }

  /**
   * A deferral: the records from `deferred.offset` on are read again once the partition
   * resumes (kafkajs fetches a partition from its last resolved offset).
   */
  private pauseUntil(payload: EachBatchPayload, deferred: Deferral): void {
    const { topic, partition } = payload.batch;
    payload.resolveOffset((BigInt(deferred.offset) - 1n).toString());
    // due already (a dispatcher batch leaving its tail for the next one): no pause, the next fetch reads it
    if (deferred.resumeAt <= Date.now()) return;
    const key = `${topic}:${partition}`;
    clearTimeout(this.resumeTimers.get(key));
    this.consumer?.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      this.resumeTimers.delete(key);
      this.consumer?.resume([{ topic, partitions: [partition] }]);
    }, Math.max(0, deferred.resumeAt - Date.now()));
    this.resumeTimers.set(key, timer);
  }

  /** Leaves a partition out of the fetches for `ms` (an adaptive linger), so its records of that time share one unit. */
  private rest(topic: string, partition: number, ms: number): void {
    if (ms <= 0) return;
    const key = `${topic}:${partition}`;
    if (this.resumeTimers.has(key)) return;
    this.consumer?.pause([{ topic, partitions: [partition] }]);
    this.resumeTimers.set(
      key,
      setTimeout(() => {
        this.resumeTimers.delete(key);
        this.consumer?.resume([{ topic, partitions: [partition] }]);
      }, ms),
    );
  }

  /** Processes records one at a time so that only the one that keeps failing is dead-lettered; stops at a deferral. */
  private async isolate(units: Array<ConsumedRecord<T> | DeadLetter>, payload: EachBatchPayload): Promise<Deferral | undefined> {
    this.logger.warn({ group: this.groupId, topic: payload.batch.topic, partition: payload.batch.partition, size: units.length }, 'batch keeps failing; isolating the failing record');
    for (const u of units) {
      if (!payload.isRunning() || payload.isStale()) return;
      if ('errorClass' in u) {
        if (!(await this.sendLetter(u, payload))) return;
        continue;
      }
      const single: Unit<T> = { records: [u], letters: [], commitOffset: next(u.offset) };
      const failure = await this.runWithAttempts(single, payload);
      if (single.deferred) return single.deferred;
      if (failure) {
        const letter = this.letterFor(u, 'handler_error', `${failure.name}: ${failure.message}`);
        if (!(await this.sendLetter(letter, payload))) return;
      }
    }
  }

  /**
   * Commits one dead letter (and its offset), trying until it is written: moving past a record
   * whose dead letter was not written would lose it. False when the partition was taken away.
   */
  private async sendLetter(letter: DeadLetter, payload: EachBatchPayload): Promise<boolean> {
    for (;;) {
      if (!payload.isRunning() || payload.isStale()) return false;
      const failure = await this.runWithAttempts({ records: [], letters: [letter], commitOffset: next(letter.offset) }, payload);
      if (!failure) return true;
      this.logger.error({ group: this.groupId, topic: letter.topic, partition: letter.partition, offset: letter.offset, err: failure }, 'cannot write a dead letter; trying again');
    }
  }

  /** Runs one unit of work with retries; the error when it failed maxAttempts times with a non-retryable error. */
  private async runWithAttempts(unit: Unit<T>, payload: EachBatchPayload): Promise<Error | undefined> {
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        await this.runUnit(unit, payload);
        return undefined;
      } catch (err) {
        if (!payload.isRunning() || payload.isStale()) throw err;
        this.metrics.batchRetries.inc({ group: this.groupId, topic: payload.batch.topic });
        const retryable = err instanceof RetryableError || isKafkaRetriable(err);
        this.logger.warn({ group: this.groupId, topic: payload.batch.topic, partition: payload.batch.partition, attempt, retryable, err }, 'unit of work failed');
        if (!retryable && attempt >= this.maxAttempts) return toError(err);
        await sleepWithHeartbeat(Math.min(200 * 2 ** Math.min(attempt, 5), 5000), payload.heartbeat);
      }
    }
  }

  private async runUnit(unit: Unit<T>, payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    unit.deferred = undefined;
    const { ctx, sends, letters, committed, aborted } = this.newContext(
      {
        heartbeat: payload.heartbeat,
        isRunning: () => payload.isRunning() && !payload.isStale(),
      },
      unit,
    );
    letters.push(...unit.letters);
    try {
      if (unit.records.length > 0) await this.options.handler(unit.records, ctx);
      // set by ctx.defer() during the handler (TypeScript cannot see that assignment)
      const deferral = unit.deferred as Deferral | undefined;
      const commitOffset = deferral && BigInt(deferral.offset) < BigInt(unit.commitOffset) ? deferral.offset : unit.commitOffset;
      // records from the deferral on are read again later: their dead letters go then, not twice
      if (deferral) for (let i = letters.length - 1; i >= 0; i--) if (BigInt(letters[i].offset) >= BigInt(commitOffset)) letters.splice(i, 1);
      if (this.options.transactionalIdPrefix) {
        const producer = await this.txProducer(topic, partition);
        const txn = await producer.transaction();
        try {
          await this.publisher.send(txn, sends);
          await sendDeadLetters(txn, letters, this.groupId);
          await txn.sendOffsets({ consumerGroupId: this.groupId, topics: [{ topic, partitions: [{ partition, offset: commitOffset }] }] });
          await txn.commit();
        } catch (err) {
          await txn.abort().catch(() => this.dropTxProducer(topic, partition));
          if (isFenced(err)) await this.dropTxProducer(topic, partition);
          throw err;
        }
      } else {
        await this.publisher.send(this.producer!, sends);
        await sendDeadLetters(this.producer!, letters, this.groupId);
        await this.consumer!.commitOffsets([{ topic, partition, offset: commitOffset }]);
      }
    } catch (err) {
      for (const fn of aborted) fn();
      throw err;
    }
    for (const fn of committed) fn();
    this.metrics.records.inc({ group: this.groupId, topic, outcome: 'processed' }, unit.records.length - (letters.length - unit.letters.length));
    for (const l of letters) {
      this.metrics.records.inc({ group: this.groupId, topic, outcome: 'dead_lettered' });
      this.metrics.deadLetters.inc({ topic, reason: l.errorClass });
      this.logger.warn({ group: this.groupId, topic, partition: l.partition, offset: l.offset, errorClass: l.errorClass, reason: l.reason }, 'record sent to dead-letter topic');
    }
  }

  /**
   * A record as its handler sees it, or the dead letter it makes: larger than its topic's bound,
   * not readable as the topic's contract (DecodeError), or breaking the contract check. Only a
   * registry outage throws (retried: it is not the record's fault).
   */
  private async decode(topic: string, partition: number, m: KafkaMessage): Promise<ConsumedRecord<T> | DeadLetter> {
    const base = { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers };
    const spec = this.specs.get(topic);
    const oversized = spec && oversizeProblem(spec, topic, m.value);
    if (oversized) return { ...base, errorClass: 'oversized', reason: oversized };
    let value: T;
    try {
      value = await this.serde.decode<T>(m.value, spec?.schema ?? undefined);
    } catch (err) {
      if (err instanceof DecodeError) return { ...base, errorClass: 'decode_error', reason: err.message };
      // the registry being unreachable is not the record's fault
      throw new RetryableError(`schema registry: ${(err as Error).message}`);
    }
    const record: ConsumedRecord<T> = {
      topic,
      partition,
      offset: m.offset,
      key: m.key ? m.key.toString() : null,
      value,
      headers: stringHeaders(m.headers),
      timestamp: Number(m.timestamp),
    };
    this.raw.set(record, m);
    const problem = contractProblem(() => this.options.validate?.(value, record));
    if (problem) return { ...base, errorClass: 'contract_violation', reason: problem };
    return record;
  }

  private letterFor(record: ConsumedRecord<T>, errorClass: string, reason: string): DeadLetter {
    const m = this.raw.get(record);
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: m?.key ?? record.key,
      value: m?.value ?? null,
      headers: m?.headers,
      errorClass,
      reason,
    };
  }

  private async txProducer(topic: string, partition: number): Promise<Producer> {
    const id = `${this.options.transactionalIdPrefix}-${topic}-${partition}`;
    let p = this.txProducers.get(id);
    if (!p) {
      p = this.kafka.producer({
        transactionalId: id,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        transactionTimeout: 60000,
        // the first send after a commit often meets CONCURRENT_TRANSACTIONS while the broker
        // writes the previous commit's markers (milliseconds); the client's 300 ms first
        // backoff would then cost every unit of work 300 ms
        retry: { initialRetryTime: 20, maxRetryTime: 2000, retries: 12 },
      });
      this.metrics.watch(p, 'transactional_producer');
      await p.connect();
      this.txProducers.set(id, p);
    }
    return p;
  }

  private async dropTxProducer(topic: string, partition: number): Promise<void> {
    const id = `${this.options.transactionalIdPrefix}-${topic}-${partition}`;
    const p = this.txProducers.get(id);
    this.txProducers.delete(id);
    await p?.disconnect().catch(() => undefined);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function next(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}

function isKafkaRetriable(err: unknown): boolean {
  return Boolean((err as { retriable?: boolean })?.retriable);
}

function isFenced(err: unknown): boolean {
  const type = (err as { type?: string })?.type ?? '';
  return /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|INVALID_TXN_STATE|TRANSACTIONAL_ID_AUTHORIZATION/.test(type);
}

async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(1000, end - Date.now())));
    await heartbeat().catch(() => undefined);
  }
}
