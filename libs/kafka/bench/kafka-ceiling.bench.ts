// npm run bench:kafka [-- --records 100000 --bytes 1024]
import { parseArgs } from 'node:util';
import { createLogger } from '@callhooks/observability';
import { AvroSerde } from '../src/avro-serde';
import { createKafka } from '../src/kafka.client';
import { deleteTestTopics, testKafkaSettings, uniquePrefix } from '@callhooks/testing';
import { measureKafkaCeiling } from './kafka-ceiling';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, bytes: { type: 'string', default: '1024' } } });
  const prefix = uniquePrefix('bench');
  const settings = testKafkaSettings(prefix);
  const kafka = createKafka(settings.kafka, createLogger('bench', 'warn'));
  const serde = new AvroSerde(settings.registry);
  const r = await measureKafkaCeiling({ kafka, serde, prefix, records: Number(values.records), valueBytes: Number(values.bytes) }).finally(() => deleteTestTopics(prefix));
  console.log(`Kafka ceiling on this machine (${r.records} records of ${r.recordBytes} bytes, Avro via the registry serde)`);
  console.table({
    'serde encode (µs/record)': r.encodeMicrosPerRecord,
    'serde decode (µs/record)': r.decodeMicrosPerRecord,
    'registry client encode, same records (µs/record)': r.clientEncodeMicrosPerRecord,
    'registry client decode, same records (µs/record)': r.clientDecodeMicrosPerRecord,
    'produce (records/s, acks=all)': r.produceRecordsPerSec,
    'consume raw (records/s)': r.consumeRawRecordsPerSec,
    'consume + decode (records/s)': r.consumeDecodedRecordsPerSec,
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
