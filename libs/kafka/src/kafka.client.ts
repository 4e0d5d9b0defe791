import { Kafka, logLevel, Partitioners, type KafkaConfig, type LogEntry, type Producer, type ProducerConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSettings } from '@callhooks/config';
import { cacheCoordinatorLookups } from './coordinator-cache';
import { quietIdleRequestQueues } from './idle-request-queues';

type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<number, PinoLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Protocol errors a cluster answers while topics, partition leaders and group coordinators come
 * into being (a first start, a new topic, a leader moving). kafkajs retries them itself and logs
 * each try at error level; a try that finally fails reaches our code, which logs that failure.
 */
const TRANSIENT_ERROR_TYPES = [
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_LOAD_IN_PROGRESS',
  'REBALANCE_IN_PROGRESS',
];
// kafkajs' own table of protocol errors (type, code, message): its log lines carry only the message
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: Array<{ type: string; message: string }> };
const TRANSIENT_ERROR_MESSAGES = errorCodes.filter((e) => TRANSIENT_ERROR_TYPES.includes(e.type)).map((e) => e.message);

/** How long after a client is made its cluster's churn counts as start-up (topics created, group joined). */
export const KAFKA_STARTUP_MS = 60_000;

/**
 * Messages that say nothing wrong with this deployment:
 * - an idempotent producer with bounded retries: a send that gives up fails to our code, which
 *   either aborts its transaction (the enricher: read_committed readers never see the attempt)
 *   or sends again, and every record downstream of the enricher is deduplicated by its
 *   deterministic id. Unbounded retries would instead hang a batch, and shutdown, on a lost broker.
 */
const HARMLESS_MESSAGES = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/**
 * The level a kafkajs log line gets here: its transient start-up errors at debug while the
 * client starts and at warn afterwards (a retried leader move is worth a look, not a page);
 * the harmless notices at debug; everything else as kafkajs says.
 */
export function kafkajsLogLevel(level: number, message: string, extra: Record<string, unknown>, sinceStartMs: number): PinoLevel {
  const given = LEVELS[level] ?? 'info';
  if (HARMLESS_MESSAGES.includes(message)) return 'debug';
  if (given !== 'error' && given !== 'warn') return given;
  const text = `${message} ${typeof extra.error === 'string' ? extra.error : ''}`;
  if (TRANSIENT_ERROR_MESSAGES.some((m) => text.includes(m))) return sinceStartMs < KAFKA_STARTUP_MS ? 'debug' : 'warn';
  return given;
}

/**
 * kafkajs with the partitioner chosen explicitly: its default (murmur2, as the Java client), so
 * keys keep their partitions, and kafkajs has no reason for its v2 migration notice.
 */
class CallhooksKafka extends Kafka {
  override producer(config: ProducerConfig = {}): Producer {
    return super.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
  }
}

/** A kafkajs client from validated settings, logging through pino. */
export function createKafka(settings: Pick<KafkaSettings, 'brokers' | 'clientId' | 'ssl' | 'sasl'>, logger: Logger): Kafka {
  cacheCoordinatorLookups();
  quietIdleRequestQueues();
  const createdAt = Date.now();
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    sasl: settings.sasl as SASLOptions | undefined,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8 },
    // kafkajs INFO is chatty (every join/leave); keep WARN and up unless debugging
    logLevel: logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        logger[kafkajsLogLevel(level, message, extra, Date.now() - createdAt)]({ kafkajs: namespace, ...extra }, message);
      },
  };
  return new CallhooksKafka(config);
}
