import type { Kafka, Producer } from 'kafkajs';
import type { KafkaMetrics } from './kafka.metrics';

/**
 * One transactional producer per input partition, `<prefix>-<topic>-<partition>`: the owner of
 * a partition is the only one able to commit its transactions, so a zombie previous owner is
 * fenced when the new one initialises the producer.
 */
export class TransactionalProducerPool {
  private readonly producers = new Map<string, Producer>();

  constructor(
    private readonly kafka: Kafka,
    private readonly metrics: KafkaMetrics,
    private readonly prefix: string,
  ) {}

  async get(topic: string, partition: number): Promise<Producer> {
    const id = this.transactionalId(topic, partition);
    let p = this.producers.get(id);
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
      this.producers.set(id, p);
    }
    return p;
  }

  /**
   * Fences the previous owners of newly assigned partitions: initialising our producer bumps
   * the transactional id's epoch, and the coordinator aborts the transaction a crashed owner
   * left open (otherwise a read_committed restore would stall on it until the timeout).
   */
  async fence(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      await Promise.all(
        partitions.map(async (partition) => {
          const txn = await (await this.get(topic, partition)).transaction();
          await txn.abort();
        }),
      );
    }
  }

  /** Forgets a partition's producer (fenced, or in a state it cannot leave): the next unit makes a new one. */
  async drop(topic: string, partition: number): Promise<void> {
    const id = this.transactionalId(topic, partition);
    const p = this.producers.get(id);
    this.producers.delete(id);
    await p?.disconnect().catch(() => undefined);
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.producers.values()].map((p) => p.disconnect()));
    this.producers.clear();
  }

  private transactionalId(topic: string, partition: number): string {
    return `${this.prefix}-${topic}-${partition}`;
  }
}
