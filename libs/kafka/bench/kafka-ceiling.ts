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
  /** The same two through the registry client's own encode and decode (what AvroSerde used before it kept the types). */
  clientEncodeMicrosPerRecord: number;
  clientDecodeMicrosPerRecord: number;
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

  const encoded: Buffer[] = [];
  for (let i = 0; i < o.records; i++) encoded.push(await o.serde.encode(topic, 'call-event', values[i % values.length]));

  // the serde against the registry client's own path, on the same records, taking turns, best of three rounds each
  const id = await o.serde.schemaId(topic, 'call-event');
  const sample = Math.min(o.records, 20000);
  const microsPer = async (op: (i: number) => Promise<unknown>): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < sample; i++) await op(i);
    return Number(process.hrtime.bigint() - started) / 1000 / sample;
  };
  const best = { encode: Infinity, decode: Infinity, clientEncode: Infinity, clientDecode: Infinity };
  for (let round = 0; round < 3; round++) {
    best.encode = Math.min(best.encode, await microsPer((i) => o.serde.encode(topic, 'call-event', values[i % values.length])));
    best.clientEncode = Math.min(best.clientEncode, await microsPer((i) => o.serde.registry.encode(id, values[i % values.length])));
    best.decode = Math.min(best.decode, await microsPer((i) => o.serde.decode(encoded[i])));
    best.clientDecode = Math.min(best.clientDecode, await microsPer((i) => o.serde.registry.decode(encoded[i])));
  }

  const producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t = process.hrtime.bigint();
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
    encodeMicrosPerRecord: round(best.encode),
    decodeMicrosPerRecord: round(best.decode),
    clientEncodeMicrosPerRecord: round(best.clientEncode),
    clientDecodeMicrosPerRecord: round(best.clientDecode),
    produceRecordsPerSec: Math.round(o.records / produceSecs),
    consumeRawRecordsPerSec: Math.round(consumeRaw),
    consumeDecodedRecordsPerSec: Math.round(consumeDecoded),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
