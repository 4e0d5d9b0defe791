import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { KafkaSettings, LogFormat, RegistrySettings } from '@callhooks/config';
import { DEFAULT_CONTRACT_BOUNDS, type ContractBounds, type TopicId } from '@callhooks/contracts';
import { createLogger, LivenessChecks, ReadinessChecks } from '@callhooks/observability';
import { AvroSerde } from './avro-serde';
import { ConsumerLagMonitor } from './consumer-lag';
import { ConsumerRuntime, type ConsumerRuntimeOptions } from './consumer-runtime';
import { ConsumerSupervisor } from './consumer-supervisor';
import { sendDeadLetters, type DeadLetter } from './dead-letter';
import { createKafka } from './kafka.client';
import { KafkaMetrics } from './kafka.metrics';
import { RecordPublisher, type OutgoingRecord } from './record-publisher';
import { TopicProvisioner } from './topic-provisioner';
import { TopicReader, type TopicReaderOptions } from './topic-reader';

export interface KafkaModuleOptions {
  service: string;
  logLevel: string;
  /** json unless set (tests and tools that build a context by hand) */
  logFormat?: LogFormat;
  kafka: KafkaSettings;
  registry: RegistrySettings;
  /** The window of consumed timestamps the contract checks use; DEFAULT_CONTRACT_BOUNDS when absent. */
  contractBounds?: ContractBounds;
}

export const KAFKA_MODULE_OPTIONS = Symbol('KAFKA_MODULE_OPTIONS');

/**
 * The Kafka side of a service: one client, one serde, one admin, a plain idempotent
 * producer, and factories for consumer runtimes and topic readers. Everything it creates
 * is disconnected on shutdown, in reverse order of creation.
 */
@Injectable()
export class KafkaContext implements OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly publisher: RecordPublisher;
  readonly logger: Logger;
  readonly metrics: KafkaMetrics;
  readonly contractBounds: ContractBounds;
  private admin?: Promise<Admin>;
  private producer?: Promise<Producer>;
  private readonly stoppables: Array<{ stop(): Promise<void> }> = [];
  private readonly supervisors: ConsumerSupervisor[] = [];

  constructor(
    @Inject(KAFKA_MODULE_OPTIONS) readonly options: KafkaModuleOptions,
    @Inject(Registry) registry: Registry,
    readiness: ReadinessChecks,
    @Optional() liveness?: LivenessChecks,
  ) {
    this.logger = createLogger(options.service, options.logLevel, options.logFormat).child({ component: 'kafka' });
    this.kafka = createKafka(options.kafka, this.logger);
    this.serde = new AvroSerde(options.registry);
    this.publisher = new RecordPublisher(this.serde, options.kafka.topicPrefix);
    this.metrics = KafkaMetrics.for(registry);
    this.contractBounds = options.contractBounds ?? DEFAULT_CONTRACT_BOUNDS;
    readiness.register('kafka', () => this.ping());
    readiness.register('schema-registry', () => this.serde.ping());
    liveness?.register('kafka-consumers', () => this.consumersLive());
  }

  /**
   * Liveness of the consumers: fails once one has been out of its group for longer than
   * KAFKA_CONSUMER_DOWN_LIVENESS_MS, unless the brokers do not answer either (a Kafka outage:
   * restarting the pod would not help, and readiness already says it).
   */
  async consumersLive(now = Date.now()): Promise<void> {
    const problems = this.supervisors.map((s) => s.livenessProblem(now)).filter((p): p is string => p !== null);
    if (problems.length === 0) return;
    try {
      // within the probe's own timeout: a broker that does not answer is an outage, not a reason to fail
      await Promise.race([this.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref())]);
    } catch (err) {
      this.logger.warn({ err, problems }, 'consumers are down while Kafka does not answer: liveness left to pass');
      return;
    }
    throw new Error(problems.join('; '));
  }

  topicName(id: TopicId): string {
    return this.publisher.topicName(id);
  }

  /**
   * A consumer group's name in this deployment: behind the topic prefix, like the topics, so
   * installations (and test runs) sharing a cluster never join each other's groups.
   */
  groupName(base: string): string {
    return `${this.options.kafka.topicPrefix}${base}`;
  }

  async provisioner(): Promise<TopicProvisioner> {
    return new TopicProvisioner(await this.connectedAdmin(), this.options.kafka, this.logger);
  }

  /** Sends records (acks=all) with the shared idempotent producer. */
  async send(topic: TopicId, records: OutgoingRecord[]): Promise<void> {
    await this.publisher.send(await this.sharedProducer(), [{ topic, records }]);
  }

  /**
   * The one shared producer, connected once: concurrent first sends share the same
   * connection attempt (each used to open a producer of its own, left connected), and a
   * failed connect is forgotten so the next send tries again.
   */
  private sharedProducer(): Promise<Producer> {
    if (!this.producer) {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      this.metrics.watch(p, 'producer');
      const connected = p.connect().then(() => p);
      connected.catch(() => {
        if (this.producer === connected) this.producer = undefined;
      });
      this.producer = connected;
    }
    return this.producer;
  }

  /**
   * A consumer runtime that stops with the application, supervised (restarted when it stops
   * on its own; liveness and callhooks_consumer_up report it down) and with its group's lag
   * read from the broker. Call start() on it. The group id gets the deployment's prefix (groupName).
   */
  consumer<T>(options: ConsumerRuntimeOptions<T>): ConsumerRuntime<T> {
    const runtime = new ConsumerRuntime<T>(this.kafka, this.serde, this.publisher, this.metrics, this.logger, { ...options, groupId: this.groupName(options.groupId) });
    const settings = this.options.kafka.consumers;
    const supervisor = new ConsumerSupervisor(runtime, settings, this.metrics, this.logger);
    runtime.watchLifecycle(supervisor);
    runtime.watchLifecycle(new ConsumerLagMonitor(runtime, () => this.connectedAdmin(), this.metrics, settings.lagRefreshMs, this.logger));
    this.supervisors.push(supervisor);
    this.stoppables.push(runtime);
    return runtime;
  }

  /**
   * A topic reader that stops with the application; records it cannot read go to `<topic>.dlq`
   * (unless options say otherwise). Supervised like the consumers (restarted when it stops on
   * its own, reported down).
   */
  reader<T>(options: TopicReaderOptions<T>): TopicReader<T> {
    const reader = new TopicReader<T>(this.kafka, this.serde, this.logger, { deadLetters: (letters, group) => this.sendDeadLetters(letters, group), ...options });
    const supervisor = new ConsumerSupervisor(reader, this.options.kafka.consumers, this.metrics, this.logger);
    reader.watchLifecycle(supervisor);
    this.supervisors.push(supervisor);
    this.stoppables.push(reader);
    return reader;
  }

  /** Sends dead letters with the shared producer and counts them (for readers; consumer runtimes send their own, in their unit of work). */
  async sendDeadLetters(letters: DeadLetter[], group: string): Promise<void> {
    await sendDeadLetters(await this.sharedProducer(), letters, group);
    for (const l of letters) {
      this.metrics.deadLetters.inc({ topic: l.topic, reason: l.errorClass });
      this.logger.warn({ group, topic: l.topic, partition: l.partition, offset: l.offset, errorClass: l.errorClass, reason: l.reason }, 'record sent to dead-letter topic');
    }
  }

  /** The one shared admin client, connected once (concurrent callers share the attempt; a failed one is forgotten). */
  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const connected = admin.connect().then(() => admin);
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined;
      });
      this.admin = connected;
    }
    return this.admin;
  }

  /** Readiness: a broker answers a metadata request. */
  private async ping(): Promise<void> {
    const admin = await this.connectedAdmin();
    await admin.describeCluster();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const s of this.stoppables.reverse()) {
      await s.stop().catch((err) => this.logger.warn({ err }, 'error while stopping a Kafka consumer'));
    }
    await this.producer?.then((p) => p.disconnect()).catch(() => undefined);
    await this.admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
