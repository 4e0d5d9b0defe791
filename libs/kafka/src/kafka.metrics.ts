import type { Consumer, Producer } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metrics of the Kafka runtime, registered once per process registry. */
export class KafkaMetrics {
  readonly records: Counter<'group' | 'topic' | 'outcome'>;
  readonly deadLetters: Counter<'topic' | 'reason'>;
  readonly batchDuration: Histogram<'group' | 'topic'>;
  readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  readonly recordWait: Histogram<'group' | 'topic'>;
  readonly batchRetries: Counter<'group' | 'topic'>;
  readonly requests: Counter<'client' | 'api'>;
  readonly consumerUp: Gauge<'group'>;
  readonly consumerRestarts: Counter<'group'>;

  private static readonly byRegistry = new WeakMap<Registry, KafkaMetrics>();

  static for(registry: Registry): KafkaMetrics {
    let m = KafkaMetrics.byRegistry.get(registry);
    if (!m) {
      m = new KafkaMetrics(registry);
      KafkaMetrics.byRegistry.set(registry, m);
    }
    return m;
  }

  private constructor(registry: Registry) {
    this.records = new Counter({
      name: 'callhooks_consumer_records_total',
      help: 'Records consumed, by outcome: processed, dead_lettered',
      labelNames: ['group', 'topic', 'outcome'],
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: 'callhooks_dead_letter_records_total',
      help: 'Records set aside to a dead-letter topic, by source topic and reason class',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    });
    this.batchDuration = new Histogram({
      name: 'callhooks_consumer_batch_duration_seconds',
      help: 'Time to process one consumed batch, including its produce and commit',
      labelNames: ['group', 'topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'callhooks_consumer_lag',
      help: 'Records between the consumer group\'s committed offset and the log end offset, per partition of its topics, read from the broker every KAFKA_LAG_REFRESH_MS (so a stopped group shows its backlog; every instance reports the whole group)',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
    });
    this.recordWait = new Histogram({
      name: 'callhooks_consumer_record_wait_seconds',
      help: 'Time from a record\'s timestamp to the start of the batch that processed it: how far behind its consumer group is, in time (retry tiers include their deliberate delay)',
      labelNames: ['group', 'topic'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    });
    this.requests = new Counter({
      name: 'callhooks_kafka_requests_total',
      help: 'Requests sent to the Kafka brokers, by client (consumer, producer, transactional producer) and API (Fetch, Produce, EndTxn, ...)',
      labelNames: ['client', 'api'],
      registers: [registry],
    });
    this.consumerUp = new Gauge({
      name: 'callhooks_consumer_up',
      help: 'Whether the consumer is a member of its group (1) or down (0: joining, crashed, waiting to restart), per consumer group',
      labelNames: ['group'],
      registers: [registry],
    });
    this.consumerRestarts = new Counter({
      name: 'callhooks_consumer_restarts_total',
      help: 'Restarts of a consumer that stopped on its own (a non-retriable error, a lost group), per consumer group',
      labelNames: ['group'],
      registers: [registry],
    });
    this.batchRetries = new Counter({
      name: 'callhooks_consumer_batch_retries_total',
      help: 'Batches processed again after a handler or produce failure',
      labelNames: ['group', 'topic'],
      registers: [registry],
    });
  }

  /** Counts the requests a kafkajs client sends (what the brokers' CPU goes to). */
  watch(client: Consumer | Producer, kind: 'consumer' | 'producer' | 'transactional_producer'): void {
    const count = (e: { payload: { apiName: string } }) => this.requests.inc({ client: kind, api: e.payload.apiName });
    // the same call twice: TypeScript cannot pick an on() overload on the union, only on each side of it
    if ('subscribe' in client) client.on(client.events.REQUEST, count);
    else client.on(client.events.REQUEST, count);
  }
}
