import type { Logger } from 'pino';
import { RetryableError } from '@callhooks/contracts';
import type { ConsumedRecord, Deferral, Unit } from './batch-context';
import type { DeadLetter } from './dead-letter';
import type { KafkaMetrics } from './kafka.metrics';
import { nextOffset } from './partition-key';
import { isDeadLetter } from './record-decoder';

/** The batch a unit of work belongs to, as retries see it. */
export interface BatchInFlight {
  topic: string;
  partition: number;
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the partition was taken away (the batch is stale). */
  isRunning(): boolean;
}

/**
 * Retries and poison isolation: a unit of work is tried again with backoff; one that keeps
 * failing is handled again one record at a time, so that only the record that still fails is
 * dead-lettered. A RetryableError (a dependency is down) or a kafkajs error marked retriable
 * is retried for as long as it lasts: it says nothing about the records.
 */
export class UnitRetries<T> {
  constructor(
    private readonly runUnit: (unit: Unit<T>, batch: BatchInFlight) => Promise<void>,
    private readonly letterFor: (record: ConsumedRecord<T>, errorClass: string, reason: string) => DeadLetter,
    private readonly maxAttempts: number,
    private readonly groupId: string,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
  ) {}

  /** Runs one unit of work with retries; returns the error when it failed maxAttempts times with a non-retryable one. */
  async attempt(unit: Unit<T>, batch: BatchInFlight): Promise<Error | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runUnit(unit, batch);
        return undefined;
      } catch (err) {
        if (!batch.isRunning()) throw err;
        this.metrics.batchRetries.inc({ group: this.groupId, topic: batch.topic });
        const retryable = err instanceof RetryableError || isKafkaRetriable(err);
        this.logger.warn({ group: this.groupId, topic: batch.topic, partition: batch.partition, attempt, retryable, err }, 'unit of work failed');
        if (!retryable && attempt >= this.maxAttempts) return toError(err);
        await sleepWithHeartbeat(Math.min(200 * 2 ** Math.min(attempt, 5), 5000), () => batch.heartbeat());
      }
    }
  }

  /** Processes records one at a time so that only the one that keeps failing is dead-lettered; stops at a deferral. */
  async isolate(units: Array<ConsumedRecord<T> | DeadLetter>, batch: BatchInFlight): Promise<Deferral | undefined> {
    this.logger.warn({ group: this.groupId, topic: batch.topic, partition: batch.partition, size: units.length }, 'batch keeps failing; isolating the failing record');
    for (const u of units) {
      if (!batch.isRunning()) return;
      if (isDeadLetter(u)) {
        if (!(await this.sendLetter(u, batch))) return;
        continue;
      }
      const single: Unit<T> = { records: [u], letters: [], commitOffset: nextOffset(u.offset) };
      const failure = await this.attempt(single, batch);
      if (single.deferred) return single.deferred;
      if (failure) {
        const letter = this.letterFor(u, 'handler_error', `${failure.name}: ${failure.message}`);
        if (!(await this.sendLetter(letter, batch))) return;
      }
    }
  }

  /**
   * Commits one dead letter (and its offset), trying until it is written: moving past a record
   * whose dead letter was not written would lose it. False when the partition was taken away.
   */
  private async sendLetter(letter: DeadLetter, batch: BatchInFlight): Promise<boolean> {
    for (;;) {
      if (!batch.isRunning()) return false;
      const failure = await this.attempt({ records: [], letters: [letter], commitOffset: nextOffset(letter.offset) }, batch);
      if (!failure) return true;
      this.logger.error({ group: this.groupId, topic: letter.topic, partition: letter.partition, offset: letter.offset, err: failure }, 'cannot write a dead letter; trying again');
    }
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function isKafkaRetriable(err: unknown): boolean {
  return Boolean((err as { retriable?: boolean })?.retriable);
}

async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(1000, end - Date.now())));
    await heartbeat().catch(() => undefined);
  }
}
