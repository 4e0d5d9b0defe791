import { randomUUID } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import type { AvroSerde } from '@callhooks/kafka';

export interface CollectedRecord<T> {
  partition: number;
  offset: string;
  key: string | null;
  value: T | null;
  raw: Buffer | null;
  headers: IHeaders;
}

/**
 * Reads a topic from the beginning (read_committed) in a group of its own and keeps every
 * record, decoded when it is Avro. Tests wait on `until()` for what they expect to appear.
 */
export class TopicCollector<T> {
  readonly records: Array<CollectedRecord<T>> = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly serde?: AvroSerde,
  ) {}

  async start(): Promise<this> {
    this.consumer = this.kafka.consumer({ groupId: `test-collector-${randomUUID()}`, readUncommitted: false, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let joined!: () => void;
    const join = new Promise<void>((r) => (joined = r));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        let value: T | null = null;
        if (this.serde && message.value && message.value[0] === 0) {
          try {
            value = await this.serde.decode<T>(message.value);
          } catch {
            value = null;
          }
        }
        this.records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value, raw: message.value, headers: message.headers ?? {} });
      },
    });
    await join;
    return this;
  }

  values(): T[] {
    return this.records.map((r) => r.value).filter((v): v is T => v !== null);
  }

  async until(predicate: (records: Array<CollectedRecord<T>>) => boolean, timeoutMs = 30000): Promise<Array<CollectedRecord<T>>> {
    const end = Date.now() + timeoutMs;
    while (!predicate(this.records)) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting on ${this.topic}; have ${this.records.length} records`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.records;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
