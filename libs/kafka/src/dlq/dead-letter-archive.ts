import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, Message } from 'kafkajs';
import { deadLetterTopicOf } from '@callhooks/contracts';
import { DLQ_HEADERS } from '../dead-letter';
import { fetchTopicOffsetsOnceLed } from '../topic-reader';

/** One dead-lettered record: where it came from, why, and its original key, value and headers. */
export interface ArchivedLetter {
  /** Where the letter sits in the DLQ. */
  dlqPartition: number;
  dlqOffset: string;
  /** When it was dead-lettered (epoch ms): the x-callhooks-dlq-at header, else the DLQ record's timestamp. */
  at: number;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  group: string;
  errorClass: string;
  reason: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The original headers, without the x-callhooks-dlq-* ones. */
  headers: IHeaders;
  /** Letters of the same source record (readers such as the config views set a record aside once per reader and start). */
  copies: number;
}

export interface TimeRange {
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
}

/** Header of a replayed record: the DLQ letter it was replayed from (`<dlq>/<partition>/<offset>`). */
export const REPLAYED_FROM_HEADER = 'x-callhooks-replayed-from';

/**
 * The dead letters of one topic (`<topic>.dlq`), for operators: list them, and replay them to
 * the topic they came from once the cause is fixed. Reads the DLQ from its beginning up to its
 * end at the time of the call, in a throwaway group that commits nothing.
 */
export class DeadLetterArchive {
  constructor(
    private readonly kafka: Kafka,
    /** The source topic's name in the deployment (with its prefix). */
    readonly topic: string,
  ) {}

  get dlqTopic(): string {
    return deadLetterTopicOf(this.topic);
  }

  /** Letters dead-lettered within `range`, one per source record, in DLQ order. */
  async list(range: TimeRange = {}): Promise<ArchivedLetter[]> {
    const bySource = new Map<string, ArchivedLetter>();
    for (const letter of await this.readAll()) {
      if ((range.from !== undefined && letter.at < range.from) || (range.to !== undefined && letter.at >= range.to)) continue;
      const id = `${letter.sourceTopic}\u0000${letter.sourcePartition}\u0000${letter.sourceOffset}`;
      const seen = bySource.get(id);
      if (seen) seen.copies++;
      else bySource.set(id, letter);
    }
    return [...bySource.values()];
  }

  /**
   * Re-produces the letters of `range` to their source topic and partition, with their original
   * key, value and headers (and REPLAYED_FROM_HEADER), acks from all replicas. Consumers
   * deduplicate by event and delivery ids, so a record replayed twice is harmless.
   */
  async replay(range: TimeRange = {}): Promise<ArchivedLetter[]> {
    const letters = (await this.list(range)).filter((l) => l.sourceTopic === this.topic);
    if (letters.length === 0) return letters;
    const admin = this.kafka.admin();
    await admin.connect();
    let partitions: number;
    try {
      partitions = (await fetchTopicOffsetsOnceLed(admin, this.topic)).length;
    } finally {
      await admin.disconnect();
    }
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const messages = letters.map(
        (l): Message => ({
          key: l.key,
          value: l.value,
          // the partition it came from, so it meets the other records of its key again
          partition: l.sourcePartition < partitions ? l.sourcePartition : undefined,
          headers: { ...l.headers, [REPLAYED_FROM_HEADER]: `${this.dlqTopic}/${l.dlqPartition}/${l.dlqOffset}` },
        }),
      );
      await producer.send({ topic: this.topic, messages, acks: -1 });
    } finally {
      await producer.disconnect();
    }
    return letters;
  }

  private async readAll(): Promise<ArchivedLetter[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const remaining = new Map<number, bigint>();
    try {
      for (const p of await fetchTopicOffsetsOnceLed(admin, this.dlqTopic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(p.partition, BigInt(p.high));
      }
    } finally {
      await admin.disconnect();
    }
    const letters: ArchivedLetter[] = [];
    if (remaining.size === 0) return letters;
    const ends = new Map(remaining);
    const consumer = this.kafka.consumer({ groupId: `callhooks-dlq-tool-${randomUUID()}`, allowAutoTopicCreation: false, readUncommitted: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.dlqTopic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const progress = (partition: number, lastOffset: string) => {
          const end = remaining.get(partition);
          if (end !== undefined && BigInt(lastOffset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) resolve();
        };
        // also emitted for batches of transaction markers only, which count towards the end offset
        consumer.on(consumer.events.END_BATCH_PROCESS, (e) => progress(e.payload.partition, e.payload.lastOffset));
        consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                const end = ends.get(batch.partition);
                if (end !== undefined && BigInt(m.offset) < end) letters.push(toLetter(batch.partition, m));
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return letters.sort((a, b) => a.dlqPartition - b.dlqPartition || Number(BigInt(a.dlqOffset) - BigInt(b.dlqOffset)));
  }
}

function toLetter(partition: number, m: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers?: IHeaders }): ArchivedLetter {
  const header = (name: string) => {
    const v = m.headers?.[name];
    return v === undefined ? '' : (Array.isArray(v) ? v[0] : v).toString();
  };
  const headers: IHeaders = {};
  const ours = new Set<string>(Object.values(DLQ_HEADERS));
  for (const [name, value] of Object.entries(m.headers ?? {})) if (!ours.has(name) && value !== undefined) headers[name] = value;
  const at = Date.parse(header(DLQ_HEADERS.at));
  return {
    dlqPartition: partition,
    dlqOffset: m.offset,
    at: Number.isNaN(at) ? Number(m.timestamp) : at,
    sourceTopic: header(DLQ_HEADERS.sourceTopic),
    sourcePartition: Number(header(DLQ_HEADERS.sourcePartition)),
    sourceOffset: header(DLQ_HEADERS.sourceOffset),
    group: header(DLQ_HEADERS.consumerGroup),
    errorClass: header(DLQ_HEADERS.errorClass),
    reason: header(DLQ_HEADERS.reason),
    key: m.key,
    value: m.value,
    headers,
    copies: 1,
  };
}
