import type { Type } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { ContractBounds, TopicId } from '@callhooks/contracts';
import type { BatchContext, ConsumedRecord } from '../batch-context';
import type { ConsumerRuntime } from '../consumer-runtime';

/** What a consumer reads from its service's config. */
export interface KafkaConsumerSettings {
  /** The group's base name (the deployment's prefix is added: KafkaContext.groupName). */
  groupId: string;
  /** Partitions processed at once (1 when absent). */
  concurrency?: number;
  maxWaitTimeMs?: number;
  fetchLingerMs?: number;
  fetchLingerBytes?: number;
  maxAttempts?: number;
}

/**
 * How the service's start waits for a consumer:
 * - `with-the-service` (default): prepare, waitFor and joining are part of the start; a failure fails it.
 * - `in-background`: prepare is part of the start; waitFor and joining happen after it, and a failure
 *   is reported by readiness (`failed to start: ...`).
 * - `retried-in-background`: prepare and joining happen after the start, tried again with backoff
 *   (1 s doubling, at most 30 s) until they succeed: the service works without Kafka meanwhile.
 */
export type KafkaConsumerStartup = 'with-the-service' | 'in-background' | 'retried-in-background';

/**
 * A consumer, declared on its handler with @KafkaConsumer. `Owner` is the class that declares it
 * (a controller): the functions below get its instance, for the settings and hooks that depend
 * on the service's config and state.
 */
export interface KafkaConsumerDeclaration<Owner, T> {
  /** The consumer's name: its pattern, its readiness check (`<name>-consumer`), its logs. */
  name: string;
  topics: TopicId[] | ((owner: Owner) => TopicId[]);
  settings: (owner: Owner) => KafkaConsumerSettings;
  /**
   * Exactly-once: each unit of work is one Kafka transaction (sends, dead letters, consumed
   * offsets), on a transactional producer per input partition named after the group.
   */
  exactlyOnce?: boolean;
  /** See ConsumerRuntimeOptions.fetchLinger. */
  fetchLinger?: 'fixed' | 'adaptive';
  /** The contract check of a decoded value: a reason sends the record to `<topic>.dlq`. */
  validate?: (owner: Owner, value: T, record: ConsumedRecord<T>, bounds: ContractBounds) => string | null;
  /** Runs when the group assigns partitions, before any batch of them (restore state here). */
  onAssigned?: (owner: Owner, assignment: Record<string, number[]>) => Promise<void>;
  /** Before joining, as part of the start (see startup): provision topics, check them. */
  prepare?: (owner: Owner) => Promise<void>;
  /** What joining waits for, after prepare (a config view catching up); readiness says so, with `waitingFor`. */
  waitFor?: (owner: Owner) => Promise<void>;
  /** Readiness while waitFor runs: `the <name> consumer waits for <waitingFor>`. */
  waitingFor?: string;
  /** Once the consumer joined (the enricher's timers get the runtime for out-of-band transactions). */
  started?: (owner: Owner, consumer: ConsumerRuntime<T>) => void;
  /** Readiness beyond being in the group (the enricher restoring its state): throws what is missing. */
  ready?: (owner: Owner) => Promise<void> | void;
  startup?: KafkaConsumerStartup;
}

/** The transport id of the KafkaConsumerTransport: its handlers are bound to it alone. */
export const KAFKA_CONSUMER_TRANSPORT = Symbol('callhooks-kafka-consumers');

/** The key of the declaration in the @EventPattern extras. */
export const KAFKA_CONSUMER = 'callhooks.kafkaConsumer';

/** A declaration as the transport finds it: with the class that declared it. */
export interface DeclaredKafkaConsumer {
  declaration: KafkaConsumerDeclaration<unknown, unknown>;
  owner: Type;
}

/**
 * The error each handler call threw, by its BatchContext. Nest's RPC exception layer would turn
 * it into `{ status, message }`; the runtime needs it as thrown (a RetryableError is retried
 * for as long as it lasts, a dead letter's reason quotes the message).
 */
export const handlerFailures = new WeakMap<BatchContext, unknown>();

type BatchHandlerMethod<T> = (records: Array<ConsumedRecord<T>>, ctx: BatchContext) => Promise<void>;

/**
 * Declares a Kafka consumer on its batch handler, an `@EventPattern(name)` served by the
 * KafkaConsumerTransport: `handler(records, ctx)` gets the records of one unit of work (one
 * batch of one partition) and its BatchContext. The class must be a controller of its module
 * (Nest finds message handlers on controllers only).
 */
export function KafkaConsumer<Owner, T>(declaration: KafkaConsumerDeclaration<Owner, T>) {
  return <M extends BatchHandlerMethod<T>>(target: Owner, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): TypedPropertyDescriptor<M> => {
    const handler = descriptor.value;
    if (!handler) throw new Error(`@KafkaConsumer('${declaration.name}') must decorate a method`);
    const wrapped = async function (this: unknown, records: Array<ConsumedRecord<T>>, ctx: BatchContext): Promise<void> {
      try {
        await handler.call(this, records, ctx);
      } catch (err) {
        // resolved, not thrown: the transport rethrows it as it was (handlerFailures)
        handlerFailures.set(ctx, err);
      }
    };
    Object.defineProperty(wrapped, 'name', { value: handler.name });
    const wrappedDescriptor = { ...descriptor, value: wrapped as M };
    const declared: DeclaredKafkaConsumer = { declaration: declaration as KafkaConsumerDeclaration<unknown, unknown>, owner: (target as object).constructor as Type };
    EventPattern(declaration.name, KAFKA_CONSUMER_TRANSPORT, { [KAFKA_CONSUMER]: declared })(target as object, key, wrappedDescriptor);
    // Nest passes a handler its payload only, unless told: (records, ctx) as @Payload() and @Ctx()
    Payload()(target as object, key, 0);
    Ctx()(target as object, key, 1);
    return wrappedDescriptor;
  };
}
