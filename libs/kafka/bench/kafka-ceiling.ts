import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { samplePayload, topicName, type CallEvent } from '@callhooks/contracts';
import type { AvroSerde } from '../src/avro-serde';

export interface CeilingOptions {
  kafka: Kafka;
  serde: AvroSerde;
  /** Topic prefix of this run (the topic is created and left for inspection). */
  prefix: string;
  records: number;
  /** Approximate size of one encoded record. */
  valueBytes: number;
  partitions?: number;
}

export interface CeilingResult {
  records: number;
  recordBytes: number;
  encodeMicrosPerRecord: number;
  decodeMicrosPerRecord: number;
  produceRecordsPerSec: number;
  consumeRawRecordsPerSec: number;
  consumeDecodedRecordsPerSec: number;
}

/** A realistic record (a call event) padded with `padChars` characters (see measureKafkaCeiling for the sizing). */
export function benchRecord(padChars: number): CallEvent {
  const callUuid = randomUUID();
  const base: CallEvent = {
    event_id: randomUUID(),
    event: 'Call:Hangup',
    call_uuid: callUuid,
    customer_id: 'bench-customer',
    environment_id: 'bench-env',
    occurred_at: Date.now(),
    emitted_at: Date.now(),
    started_at_ms: Date.now(),
    answered_at_ms: Date.now(),
    payload: { ...samplePayload(), uuid: callUuid },
  };
  base.payload.recording_url = `${base.payload.recording_url}?pad=${'x'.repeat(Math.max(0, padChars))}`;
  return base;
}

/**
 * The ceiling later stages are judged against: kafkajs producing and consuming ~1 KB Avro
 * records through the registry serde on this machine, and the serde's own cost.
 */
export async function measureKafkaCeiling(o: CeilingOptions): Promise<CeilingResult> {
  const topic = topicName('callEvents', o.prefix);
  const admin = o.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: o.partitions ?? 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();

  // size the padding from one encoded record, so records are valueBytes long on the wire
  const unpadded = (await o.serde.encode(topic, 'call-event', benchRecord(0))).length; // also registers the schema outside the timing
  const values = Array.from({ length: Math.min(o.records, 2000) }, () => benchRecord(o.valueBytes - unpadded - 1));

  let t = process.hrtime.bigint();
  const encoded: Buffer[] = [];
  for (let i = 0; i < o.records; i++) encoded.push(await o.serde.encode(topic, 'call-event', values[i % values.length]));
  const encodeMicros = Number(process.hrtime.bigint() - t) / 1000 / o.records;

  t = process.hrtime.bigint();
  for (let i = 0; i < Math.min(o.records, 20000); i++) await o.serde.decode(encoded[i]);
  const decodeMicros = Number(process.hrtime.bigint() - t) / 1000 / Math.min(o.records, 20000);

  const producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t = process.hrtime.bigint();
  const chunk = 500;
  const inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < o.records; i += chunk) {
    const messages = encoded.slice(i, i + chunk).map((value, j) => ({ key: values[(i + j) % values.length].call_uuid, value }));
    inFlight.push(producer.send({ topic, acks: -1, messages }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const produceSecs = Number(process.hrtime.bigint() - t) / 1e9;
  await producer.disconnect();

  const consume = async (decode: boolean): Promise<number> => {
    const consumer = o.kafka.consumer({ groupId: `bench-${randomUUID()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
    let seen = 0;
    let start = 0n;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (start === 0n) start = process.hrtime.bigint();
        if (decode) for (const m of batch.messages) await o.serde.decode(m.value);
        seen += batch.messages.length;
        if (seen >= o.records) done();
      },
    });
    await finished;
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    await consumer.disconnect();
    return o.records / secs;
  };
  const consumeRaw = await consume(false);
  const consumeDecoded = await consume(true);

  return {
    records: o.records,
    recordBytes: encoded[0].length,
    encodeMicrosPerRecord: round(encodeMicros),
    decodeMicrosPerRecord: round(decodeMicros),
    produceRecordsPerSec: Math.round(o.records / produceSecs),
    consumeRawRecordsPerSec: Math.round(consumeRaw),
    consumeDecodedRecordsPerSec: Math.round(consumeDecoded),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
