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
    const messages = await Promise.all(
      records.map(async (r): Promise<Message> => {
        let value: Buffer | null = null;
        if (r.value !== null && r.value !== undefined) {
          if (!spec.schema) throw new Error(`topic ${topic} has no schema`);
          value = await this.serde.encode(topic, spec.schema, r.value);
        }
        return { key: r.key, value, headers: r.headers, partition: r.partition };
      }),
    );
    return { topic, messages };
  }

  /** Sends with acks from all in-sync replicas; resolves once Kafka has them. */
  async send(sender: Producer | Transaction, batches: Array<{ topic: TopicId; records: OutgoingRecord[] }>): Promise<void> {
    const topicMessages = await Promise.all(batches.filter((b) => b.records.length > 0).map((b) => this.encode(b.topic, b.records)));
    if (topicMessages.length === 0) return;
    await sender.sendBatch({ topicMessages, acks: -1 });
  }
}
