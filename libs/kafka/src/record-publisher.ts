import type { IHeaders, Message, Producer, Transaction } from 'kafkajs';
import { topicSpec, type TopicId } from '@callhooks/contracts';
import type { AvroSerde } from './avro-serde';

export interface OutgoingRecord {
  key: string | null;
  /** The record value, encoded with the topic's Avro schema; null is a tombstone. */
  value: unknown;
  headers?: IHeaders;
  /** Optional explicit partition (the enricher writes its changelog to the input partition). */
  partition?: number;
}

/**
 * Encodes records with their topic's schema and sends them. The one place that turns a
 * topic id into a (prefixed) name and a schema, so no service encodes by hand.
 */
export class RecordPublisher {
  constructor(
    private readonly serde: AvroSerde,
    private readonly topicPrefix: string,
  ) {}

  topicName(id: TopicId): string {
    return `${this.topicPrefix}${topicSpec(id).name}`;
  }

  async encode(id: TopicId, records: OutgoingRecord[]): Promise<{ topic: string; messages: Message[] }> {
    const spec = topicSpec(id);
    const topic = this.topicName(id);
    const encode = spec.schema ? await this.serde.encoder(topic, spec.schema) : undefined;
    const messages = records.map((r): Message => {
      let value: Buffer | null = null;
      if (r.value !== null && r.value !== undefined) {
        if (!encode) throw new Error(`topic ${topic} has no schema`);
        value = encode(r.value);
      }
      return { key: r.key, value, headers: r.headers, partition: r.partition };
    });
    return { topic, messages };
  }

  /**
   * Sends with acks from all in-sync replicas; resolves once Kafka has them. Large sends go
   * out in several requests of at most MAX_REQUEST_BYTES: kafkajs puts all of one request's
   * records for a partition in one record batch, and the broker refuses a batch above
   * message.max.bytes (1 MB by default) — a big consumed batch would otherwise never commit.
   */
  async send(sender: Producer | Transaction, batches: Array<{ topic: TopicId; records: OutgoingRecord[] }>): Promise<void> {
    const topicMessages = await Promise.all(batches.filter((b) => b.records.length > 0).map((b) => this.encode(b.topic, b.records)));
    for (const request of splitBySize(topicMessages, MAX_REQUEST_BYTES)) await sender.sendBatch({ topicMessages: request, acks: -1 });
  }
}

/** Well under the broker's default message.max.bytes (1 MB), leaving room for batch overhead. */
const MAX_REQUEST_BYTES = 512 * 1024;

function sizeOf(m: Message): number {
  let n = 64 + (m.value ? (m.value as Buffer).length : 0) + (m.key ? Buffer.byteLength(m.key as string | Buffer) : 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + (v ? Buffer.byteLength(v as string | Buffer) : 0);
  return n;
}

/** Cuts the messages into requests of at most `limit` bytes each, keeping their order within each topic. */
export function splitBySize(topicMessages: Array<{ topic: string; messages: Message[] }>, limit: number): Array<Array<{ topic: string; messages: Message[] }>> {
  const requests: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let current: Array<{ topic: string; messages: Message[] }> = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let group: { topic: string; messages: Message[] } | undefined;
    for (const m of messages) {
      const size = sizeOf(m);
      if (bytes + size > limit && bytes > 0) {
        requests.push(current);
        current = [];
        bytes = 0;
        group = undefined;
      }
      if (!group) {
        group = { topic, messages: [] };
        current.push(group);
      }
      group.messages.push(m);
      bytes += size;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
