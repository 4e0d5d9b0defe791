// Verifies that the client libraries we chose work against the real servers this project
// runs locally: kafkajs against Kafka 4 (KRaft), @kafkajs/confluent-schema-registry against
// Apicurio's Confluent-compatible API, mongoose against FerretDB.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mongoose, { Schema } from 'mongoose';
import { deleteTestTopics, requireServers, TEST_SERVERS, uniqueDatabase, uniquePrefix } from '@callhooks/testing';

const kafka = new Kafka({ clientId: 'real-servers-test', brokers: TEST_SERVERS.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const prefix = uniquePrefix('servers');
let admin: Admin;

beforeAll(async () => {
  await requireServers();
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
});

async function createTopic(name: string, partitions = 1): Promise<string> {
  const topic = `${prefix}${name}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

async function readAll(topic: string, expected: number, readUncommitted = false): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  const end = Date.now() + 20000;
  while (seen.length < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  // a little longer, to see records that should NOT be there
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.disconnect();
  return seen;
}

describe('Kafka (kafkajs 2.2.4 against the local KRaft broker)', () => {
  it('deletes the topics of a prefix only (the cleanup of a benchmark)', async () => {
    const mine = [await createTopic('bench-a.one'), await createTopic('bench-a.two')];
    const other = await createTopic('bench-ab.one');
    expect(await deleteTestTopics(`${prefix}bench-a.`)).toBe(2);
    const left = await admin.listTopics();
    expect(left).toContain(other);
    for (const topic of mine) expect(left).not.toContain(topic);
    expect(await deleteTestTopics(`${prefix}bench-a.`)).toBe(0);
  });

  it('produces, consumes in a group and commits offsets', async () => {
    const topic = await createTopic('plain');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();

    const groupId = `group-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        seen.push(message.value!.toString());
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    const end = Date.now() + 20000;
    while (seen.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();

    expect(seen).toEqual(['v1', 'v2', 'v3']);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.partitions[0].offset).toBe('3');
  });

  it('runs a transaction with sendOffsets; read_committed readers see committed records only', async () => {
    const input = await createTopic('tx-in');
    const output = await createTopic('tx-out');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();

    const groupId = `tx-group-${randomUUID()}`;
    const txProducer = kafka.producer({ transactionalId: `tx-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();

    // an aborted transaction leaves nothing visible
    const aborted = await txProducer.transaction();
    await aborted.send({ topic: output, messages: [{ value: 'aborted' }] });
    await aborted.abort();

    const consumer = kafka.consumer({ groupId });
    let processed = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        const txn = await txProducer.transaction();
        await txn.send({ topic: output, messages: [{ value: `out-${message.value!.toString()}` }] });
        await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] }] });
        await txn.commit();
        processed++;
      },
    });
    const end = Date.now() + 20000;
    while (processed < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    await txProducer.disconnect();

    expect(await readAll(output, 2)).toEqual(['out-a', 'out-b']);
    // the aborted record is in the log, and only a read_uncommitted reader sees it
    expect(await readAll(output, 3, true)).toEqual(['aborted', 'out-a', 'out-b']);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(committed.partitions[0].offset).toBe('2');
  });
});

describe('Schema registry (Apicurio through the Confluent-compatible API)', () => {
  it('registers an Avro schema under <topic>-value, resolves it and round-trips a record', async () => {
    const registry = new SchemaRegistry({ host: TEST_SERVERS.registryUrl });
    const subject = `${prefix}probe-value`;
    const schema = {
      type: 'record',
      name: 'Probe',
      namespace: 'io.callhooks.test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'n', type: ['null', 'long'], default: null },
      ],
    };
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(id).toBeGreaterThan(0);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
    // registering the same schema again is idempotent
    expect((await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject })).id).toBe(id);

    const encoded = await registry.encode(id, { id: 'x', n: 42 });
    expect(encoded[0]).toBe(0); // Confluent magic byte
    expect(encoded.readInt32BE(1)).toBe(id);
    // a fresh client resolves the schema from the registry by id
    const fresh = new SchemaRegistry({ host: TEST_SERVERS.registryUrl });
    expect(await fresh.decode(encoded)).toEqual({ id: 'x', n: 42 });
  });
});

describe('MongoDB wire protocol (mongoose against FerretDB)', () => {
  const dbName = uniqueDatabase('servers');
  let conn: mongoose.Connection;

  beforeAll(async () => {
    conn = await mongoose.createConnection(TEST_SERVERS.mongoUri, { dbName, serverSelectionTimeoutMS: 5000 }).asPromise();
  });
  afterAll(async () => {
    await conn?.dropDatabase().catch(() => undefined);
    await conn?.close();
  });

  it('builds a unique index and does CRUD', async () => {
    const Thing = conn.model('Thing', new Schema({ key: { type: String, required: true, unique: true }, n: Number }));
    await Thing.init(); // builds the indexes
    const indexes = await Thing.collection.indexes();
    expect(indexes.some((i) => i.key.key === 1 && i.unique)).toBe(true);

    await Thing.create({ key: 'a', n: 1 });
    await expect(Thing.create({ key: 'a', n: 2 })).rejects.toMatchObject({ code: 11000 });
    await Thing.updateOne({ key: 'a' }, { $set: { n: 5 } });
    expect((await Thing.findOne({ key: 'a' }).lean())?.n).toBe(5);
    expect(await Thing.countDocuments({})).toBe(1);
    await Thing.deleteOne({ key: 'a' });
    expect(await Thing.countDocuments({})).toBe(0);
  });
});
