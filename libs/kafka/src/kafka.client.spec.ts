import { logLevel } from 'kafkajs';
import pino from 'pino';
import { createKafka, KAFKA_STARTUP_MS, kafkajsLogLevel } from './kafka.client';

const settings = { brokers: ['127.0.0.1:1'], clientId: 'spec', ssl: false, topicPrefix: '', topicPartitions: 1, replicationFactor: 1 };

/** A pino logger that keeps every line it writes. */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('kafkajs log levels', () => {
  it('puts the transient errors of a starting cluster at debug while the client starts, at warn afterwards', () => {
    const metadata = { error: 'This server does not host this topic-partition', correlationId: 3 };
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', metadata, 1_000)).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', metadata, KAFKA_STARTUP_MS + 1)).toBe('warn');
    expect(kafkajsLogLevel(logLevel.ERROR, 'The group coordinator is not available', {}, 1_000)).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Failed to send messages: There is no leader for this topic-partition as we are in the middle of a leadership election', {}, 1_000)).toBe('debug');
  });

  it('keeps every other error and warning at its level', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response SaslAuthenticate(key: 36, version: 2)', { error: 'SASL PLAIN authentication failed' }, 1_000)).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: The producer attempted to use a sequence number which is out of range', {}, 1_000)).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, 'Connection timeout', {}, KAFKA_STARTUP_MS * 2)).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, 'Consumer has joined the group', {}, 1_000)).toBe('info');
  });

  it('gives no producer a warning: bounded idempotent retries at debug, the partitioner chosen explicitly', () => {
    const { logger, lines } = recordingLogger();
    const kafka = createKafka(settings, logger);
    kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    kafka.producer({ transactionalId: 'spec-tx', idempotent: true, maxInFlightRequests: 1, retry: { retries: 12 } });
    kafka.producer();
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    // the idempotent notice is still there for whoever debugs, not lost
    expect(lines.filter((l) => l.level === 'debug').map((l) => l.msg)).toContain('Limiting retries for the idempotent producer may invalidate EoS guarantees');
    expect(lines.map((l) => l.msg).join('\n')).not.toContain('partitioner');
  });
});
