// npm run dlq -- list|replay --topic <topic> [--from <time>] [--to <time>]
// Kafka comes from the usual KAFKA_* variables (KAFKA_TOPIC_PREFIX included).
import { parseArgs } from 'node:util';
import { TOPICS, type TopicId } from '@callhooks/contracts';
import pino from 'pino';
import { createKafka } from '../kafka.client';
import { loadDlqToolConnection } from './config/dlq.config';
import { DeadLetterArchive, type ArchivedLetter, type TimeRange } from './dead-letter-archive';

const USAGE = `usage: npm run dlq -- list|replay --topic TOPIC [options]
  list                 print the dead letters of TOPIC (its <topic>.dlq) as JSON lines
  replay               re-produce them to TOPIC, to the partition they came from, with their
                       original key, value and headers (after fixing what made them fail)
  --topic TOPIC        the source topic: its id (callLegs, callEvents, webhookConfig, deliveries,
                       deliveriesRetry5s, ..., deliveryResults, enricherState) or its name
                       (the deployment's KAFKA_TOPIC_PREFIX is added to both)
  --from TIME          only letters dead-lettered at or after TIME (ISO 8601 or epoch ms)
  --to TIME            only letters dead-lettered before TIME
  --dry-run            replay: print what would be replayed, send nothing
Each source record is listed and replayed once, however many letters it has (config views and
restores set a record aside once per reader).`;

function time(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`--${name} must be an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(value)}`);
  return ms;
}

function describe(l: ArchivedLetter): Record<string, unknown> {
  return {
    at: new Date(l.at).toISOString(),
    dlq_offset: `${l.dlqPartition}/${l.dlqOffset}`,
    source: `${l.sourceTopic}/${l.sourcePartition}/${l.sourceOffset}`,
    group: l.group,
    error_class: l.errorClass,
    reason: l.reason,
    key: l.key?.toString() ?? null,
    value_bytes: l.value?.length ?? 0,
    copies: l.copies,
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command !== 'list' && command !== 'replay') throw new Error(`unknown command ${JSON.stringify(command)}: list or replay`);
  if (!values.topic) throw new Error('--topic is required');
  const range: TimeRange = { from: time('from', values.from), to: time('to', values.to) };
  const connection = loadDlqToolConnection();
  // stdout carries the letters, one JSON line each: logs go to stderr
  const name = TOPICS.find((t) => t.id === (values.topic as TopicId))?.name ?? values.topic;
  const archive = new DeadLetterArchive(createKafka(connection.kafka, pino({ level: connection.logLevel }, pino.destination(2))), `${connection.kafka.topicPrefix}${name}`);
  const letters = command === 'replay' && !values['dry-run'] ? await archive.replay(range) : await archive.list(range);
  for (const l of letters) console.log(JSON.stringify(describe(l)));
  const verb = command === 'list' ? 'listed' : values['dry-run'] ? 'would be replayed' : `replayed to ${archive.topic}`;
  console.error(`${letters.length} dead letter(s) of ${archive.dlqTopic} ${verb}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
