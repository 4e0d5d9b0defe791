import type { TopicId } from '@callhooks/contracts';
import type { DeadLetter } from './dead-letter';
import type { OutgoingRecord } from './record-publisher';

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

/** Records of one partition handled together, with the dead letters decoding made of the others. */
export interface Unit<T> {
  records: Array<ConsumedRecord<T>>;
  letters: DeadLetter[];
  /** Offset to commit when the unit succeeds: last offset + 1. */
  commitOffset: string;
  /** Set when the handler deferred part of the unit (see BatchContext.defer). */
  deferred?: Deferral;
}

export interface Deferral {
  offset: string;
  resumeAt: number;
}

/**
 * The context of one attempt of a unit of work, and what the handler queued in it. Every
 * attempt gets a fresh one: a failed attempt's sends, letters and hooks are gone with it.
 */
export class UnitScope {
  readonly sends: Array<{ topic: TopicId; records: OutgoingRecord[] }> = [];
  readonly letters: DeadLetter[] = [];
  private readonly committed: Array<() => void> = [];
  private readonly aborted: Array<() => void> = [];
  readonly ctx: BatchContext;

  constructor(
    liveness: { heartbeat: () => Promise<void>; isRunning: () => boolean },
    letterFor: (record: ConsumedRecord<unknown>, errorClass: string, reason: string) => DeadLetter,
    /** The batch unit a deferral applies to; null out of band (transaction()), where defer() throws. */
    unit: Unit<unknown> | null,
  ) {
    this.ctx = {
      send: (topic, records) => this.sends.push({ topic, records }),
      deadLetter: (record, errorClass, reason) => this.letters.push(letterFor(record, errorClass, reason)),
      onCommitted: (fn) => this.committed.push(fn),
      onAborted: (fn) => this.aborted.push(fn),
      heartbeat: liveness.heartbeat,
      isRunning: liveness.isRunning,
      defer: (record, resumeAt) => {
        if (!unit) throw new Error('defer() is only possible while handling a batch');
        if (!unit.deferred || BigInt(record.offset) < BigInt(unit.deferred.offset)) unit.deferred = { offset: record.offset, resumeAt };
      },
    };
  }

  /** Runs `work` in this scope: the onCommitted hooks after it succeeds, the onAborted ones when it fails. */
  async settle(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      for (const fn of this.aborted) fn();
      throw err;
    }
    for (const fn of this.committed) fn();
  }
}
