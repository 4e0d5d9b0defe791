import type { Producer, Transaction } from 'kafkajs';
import type { TopicId } from '@callhooks/contracts';
import { sendDeadLetters, type DeadLetter } from './dead-letter';
import type { OutgoingRecord, RecordPublisher } from './record-publisher';
import type { TransactionalProducerPool } from './transactional-producers';

/** What a unit of work leaves to make durable, on one input partition. */
export interface UnitOutput {
  topic: string;
  partition: number;
  sends: Array<{ topic: TopicId; records: OutgoingRecord[] }>;
  letters: DeadLetter[];
  /** The consumed offset to commit; absent for an out-of-band transaction (it consumed nothing). */
  commitOffset?: string;
}

/** Where a plain (at-least-once) unit goes: the idempotent producer, then the group's offset commit. */
export interface PlainCommitTarget {
  producer(): Producer;
  /** Sends the offset commit; the unit does not wait for its answer (ConsumerGroupMember.commitAfterUnit). */
  commitAfterUnit(topic: string, partition: number, offset: string): void;
}

/**
 * The one commit path of a unit of work: its sends, its dead letters and its offset.
 * Transactional: all three in one transaction of the partition's producer (the offset with
 * sendOffsets, first). Plain: acknowledged sends first, then the offset commit, so a failure in
 * between repeats the unit rather than losing it; the commit's answer is not waited for.
 */
export class UnitCommitter {
  constructor(
    private readonly publisher: RecordPublisher,
    private readonly groupId: string,
    private readonly target: { transactional: TransactionalProducerPool } | { plain: PlainCommitTarget },
  ) {}

  async commit(out: UnitOutput): Promise<void> {
    if ('plain' in this.target) {
      await this.write(this.target.plain.producer(), out);
      if (out.commitOffset !== undefined) this.target.plain.commitAfterUnit(out.topic, out.partition, out.commitOffset);
      return;
    }
    const pool = this.target.transactional;
    const txn = await (await pool.get(out.topic, out.partition)).transaction();
    try {
      // the offsets before the records: a transaction's order does not matter to what it
      // commits, but its records are read (read_committed) only once it commits, so every
      // request between their send and the commit delays them: two fewer this way
      if (out.commitOffset !== undefined) {
        await txn.sendOffsets({ consumerGroupId: this.groupId, topics: [{ topic: out.topic, partitions: [{ partition: out.partition, offset: out.commitOffset }] }] });
      }
      await this.write(txn, out);
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => pool.drop(out.topic, out.partition));
      if (isFenced(err)) await pool.drop(out.topic, out.partition);
      throw err;
    }
  }

  private async write(sink: Producer | Transaction, out: UnitOutput): Promise<void> {
    await this.publisher.send(sink, out.sends);
    await sendDeadLetters(sink, out.letters, this.groupId);
  }
}

function isFenced(err: unknown): boolean {
  const type = (err as { type?: string })?.type ?? '';
  return /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|INVALID_TXN_STATE|TRANSACTIONAL_ID_AUTHORIZATION/.test(type);
}
