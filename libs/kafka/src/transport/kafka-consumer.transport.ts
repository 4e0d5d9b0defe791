import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ReadinessChecks } from '@callhooks/observability';
import type { BatchContext, ConsumedRecord } from '../batch-context';
import type { ConsumerRuntime } from '../consumer-runtime';
import { KafkaContext } from '../kafka-context';
import { handlerFailures, KAFKA_CONSUMER, KAFKA_CONSUMER_TRANSPORT, type DeclaredKafkaConsumer, type KafkaConsumerDeclaration } from './kafka-consumer.decorator';

/** Where a consumer is in its start, for readiness. */
interface ConsumerState {
  runtime?: ConsumerRuntime<unknown>;
  phase: 'preparing' | 'waiting' | 'joining' | 'started' | 'failed';
  failure?: Error;
}

/**
 * The consumers of a service as a NestJS microservice transport: every handler declared with
 * @KafkaConsumer becomes a consumer runtime (consumer-runtime.ts: batches, commits, dead
 * letters, retries, deferral, supervision, lag) made by the KafkaContext, started by
 * `startAllMicroservices()` once the application is initialised, with a readiness check each,
 * and stopped by `close()`, which Nest calls before the onApplicationShutdown hooks: consumers
 * stop (finishing and committing their batch in flight) before producers and databases close.
 * Start a service's consumers with startKafkaConsumers(app).
 */
@Injectable()
export class KafkaConsumerTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = KAFKA_CONSUMER_TRANSPORT;
  private readonly states = new Map<string, ConsumerState>();
  private closing = false;

  constructor(
    private readonly kafka: KafkaContext,
    private readonly moduleRef: ModuleRef,
    private readonly readiness: ReadinessChecks,
  ) {
    super();
  }

  listen(callback: (err?: unknown) => void): void {
    this.startAll().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  /** Stops every consumer, the last started first: each finishes and commits its batch in flight. */
  async close(): Promise<void> {
    this.closing = true;
    for (const state of [...this.states.values()].reverse()) {
      await state.runtime?.stop().catch((err) => this.kafka.logger.warn({ err }, 'error while stopping a Kafka consumer'));
    }
  }

  /** The consumer runtimes, by consumer name. */
  unwrap<T>(): T {
    return new Map([...this.states].map(([name, s]) => [name, s.runtime])) as T;
  }

  on(): never {
    throw new Error('the Kafka consumer transport has no events to listen to');
  }

  private async startAll(): Promise<void> {
    const declared = [...this.getHandlers()].map(([pattern, handler]) => this.declarationOf(pattern, handler));
    // one after the other, in declaration order: the start of a service is the same each time
    for (const [handler, consumer] of declared) await this.start(handler, consumer);
  }

  /** A handler's declaration; at start-up, an error for a handler this transport cannot serve. */
  private declarationOf(pattern: string, handler: MessageHandler): [MessageHandler, DeclaredKafkaConsumer] {
    const declared = (handler.extras as Record<string, unknown> | undefined)?.[KAFKA_CONSUMER] as DeclaredKafkaConsumer | undefined;
    if (!declared) throw new Error(`@EventPattern('${pattern}') has no Kafka consumer declaration: declare consumers with @KafkaConsumer`);
    if (handler.next) throw new Error(`two handlers declare the Kafka consumer '${pattern}': a consumer has one handler`);
    return [handler, declared];
  }

  private async start(handler: MessageHandler, { declaration: d, owner: ownerType }: DeclaredKafkaConsumer): Promise<void> {
    const owner: unknown = this.moduleRef.get(ownerType, { strict: false });
    const settings = d.settings(owner);
    const state: ConsumerState = { phase: 'preparing' };
    this.states.set(d.name, state);
    this.readiness.register(`${d.name}-consumer`, () => this.checkReady(d, owner, state));
    const runtime = this.kafka.consumer<unknown>({
      groupId: settings.groupId,
      topics: typeof d.topics === 'function' ? d.topics(owner) : d.topics,
      transactionalIdPrefix: d.exactlyOnce ? this.kafka.groupName(settings.groupId) : undefined,
      concurrency: settings.concurrency,
      maxWaitTimeMs: settings.maxWaitTimeMs,
      fetchLingerMs: settings.fetchLingerMs,
      fetchLingerBytes: settings.fetchLingerBytes,
      fetchLinger: d.fetchLinger,
      maxAttempts: settings.maxAttempts,
      validate: d.validate && ((value, record) => d.validate!(owner, value, record, this.kafka.contractBounds)),
      onAssigned: d.onAssigned && ((assignment) => d.onAssigned!(owner, assignment)),
      handler: (records, ctx) => this.handle(handler, records, ctx),
    });
    state.runtime = runtime;
    const join = async () => {
      if (d.waitFor) {
        state.phase = 'waiting';
        await d.waitFor(owner);
      }
      state.phase = 'joining';
      await runtime.start();
      state.phase = 'started';
      d.started?.(owner, runtime);
      this.kafka.logger.info({ consumer: d.name, group: runtime.groupId, topics: runtime.topicNames }, 'consumer started');
    };
    switch (d.startup ?? 'with-the-service') {
      case 'with-the-service':
        await d.prepare?.(owner);
        await join();
        return;
      case 'in-background':
        await d.prepare?.(owner);
        void join().catch((err: Error) => {
          state.phase = 'failed';
          state.failure = err;
          this.kafka.logger.error({ consumer: d.name, err }, 'consumer could not start');
        });
        return;
      case 'retried-in-background':
        void this.retryUntilStarted(d, owner, state, join);
    }
  }

  private async retryUntilStarted(d: KafkaConsumerDeclaration<unknown, unknown>, owner: unknown, state: ConsumerState, join: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        state.phase = 'preparing';
        await d.prepare?.(owner);
        await join();
        return;
      } catch (err) {
        const waitMs = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
        this.kafka.logger.warn({ consumer: d.name, err, attempt, waitMs }, 'consumer could not start; trying again');
        await state.runtime?.stop().catch(() => undefined);
        await new Promise((r) => setTimeout(r, waitMs).unref());
      }
    }
  }

  private async checkReady(d: KafkaConsumerDeclaration<unknown, unknown>, owner: unknown, state: ConsumerState): Promise<void> {
    const consumer = `the ${d.name.replace(/-/g, ' ')} consumer`;
    if (state.phase === 'failed') throw new Error(`${consumer} failed to start: ${state.failure?.message}`);
    if (state.phase === 'waiting' && d.waitingFor) throw new Error(`${consumer} waits for ${d.waitingFor}`);
    if (state.phase !== 'started' || !state.runtime) throw new Error(`${consumer} has not started`);
    await state.runtime.check();
    await d.ready?.(owner);
  }

  /**
   * One unit of work through Nest's handler (its interceptors and pipes included). The
   * handler's own error comes back as thrown (handlerFailures), for the runtime's retries.
   */
  private async handle(handler: MessageHandler, records: Array<ConsumedRecord<unknown>>, ctx: BatchContext): Promise<void> {
    await lastValueFrom(this.transformToObservable(await handler(records, ctx)), { defaultValue: undefined });
    if (handlerFailures.has(ctx)) {
      const err = handlerFailures.get(ctx);
      handlerFailures.delete(ctx);
      throw err;
    }
  }
}
