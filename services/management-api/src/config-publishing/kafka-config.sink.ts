import { Injectable } from '@nestjs/common';
import { Partitioners, type Producer } from 'kafkajs';
import type { ConfigRecord } from '@callhooks/contracts';
import { KafkaContext, TopicProvisioner } from '@callhooks/kafka';
import { ConfigSink } from './config-store';

/** Few, quick retries: a failed publish is retried by the publisher's backoff and the reconciler, not by blocking here. */
const RETRY = { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 };

/**
 * Sends config records to the compacted config topic with a producer of its own: its
 * retries are short (the shared producer would retry for a minute while Kafka is down),
 * and it is only ever used by one publishing loop at a time. The topic is created on the
 * first successful connection, so the API starts, and takes writes, while Kafka is down.
 */
@Injectable()
export class KafkaConfigSink extends ConfigSink {
  private producer?: Producer;
  private topicReady = false;

  constructor(private readonly kafka: KafkaContext) {
    super();
  }

  async send(records: Array<{ key: string; value: ConfigRecord }>): Promise<void> {
    if (records.length === 0) return;
    await this.ensureTopic();
    const producer = await this.connectedProducer();
    try {
      await this.kafka.publisher.send(producer, [{ topic: 'webhookConfig', records }]);
    } catch (err) {
      // a producer that failed mid-send may hold a stale idempotence state: start afresh next time
      await this.dropProducer();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.dropProducer();
  }

  private async ensureTopic(): Promise<void> {
    if (this.topicReady) return;
    const admin = this.kafka.kafka.admin({ retry: RETRY });
    try {
      await admin.connect();
      await new TopicProvisioner(admin, this.kafka.options.kafka, this.kafka.logger).ensure({ produces: ['webhookConfig'] });
      this.topicReady = true;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    // not idempotent: a record sent twice is harmless (same key and version), and one request in
    // flight keeps the records of a key in order, which is what compaction needs
    const producer = this.kafka.kafka.producer({
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: RETRY,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }
}
