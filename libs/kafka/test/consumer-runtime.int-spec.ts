import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { deadLetterTopicOf, RetryableError, topicSpec, type CallEvent, type CallLegEvent } from '@callhooks/contracts';
import { ReadinessChecks } from '@callhooks/observability';
import { DecodeError, DLQ_HEADERS, KafkaContext, type BatchContext, type ConsumedRecord } from '@callhooks/kafka';
import { eventually, histogramBuckets, metricSum, requireServers, testKafkaSettings, TopicCollector, uniquePrefix, testCallEvent, testCallLeg } from '@callhooks/testing';

/**
 * A handler that defers the call's second leg once (to resume at `resumeAt()`), as the
 * dispatcher defers the jobs still queued at its batch deadline; `handled` lists the call's
 * event ids in the order their batches committed.
 */
function deferringSecondLeg(call: string, resumeAt: () => number) {
  const handled: string[] = [];
  let deferred = false;
  const handler = async (records: Array<ConsumedRecord<CallLegEvent>>, bctx: BatchContext): Promise<void> => {
    const done: string[] = [];
    for (const r of records) {
      if (r.key !== call) continue;
      if (!deferred && r.value.event_id === `${call}-2`) {
        deferred = true;
        bctx.defer(r, resumeAt());
        break;
      }
      done.push(r.value.event_id);
    }
    bctx.onCommitted(() => handled.push(...done));
  };
  return { handler, handled, wasDeferred: () => deferred };
}

describe('libs/kafka against the real servers', () => {
  const prefix = uniquePrefix('runtime');
  const settings = testKafkaSettings(prefix);
  let ctx: KafkaContext;
  const collectors: Array<TopicCollector<unknown>> = [];

  async function collect<T>(topic: string, decode = true): Promise<TopicCollector<T>> {
    const c = await new TopicCollector<T>(ctx.kafka, topic, decode ? ctx.serde : undefined).start();
    collectors.push(c as TopicCollector<unknown>);
    return c;
  }

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    ctx = new KafkaContext({ service: 'test', logLevel: 'warn', ...settings }, new Registry(), new ReadinessChecks());
    await (await ctx.provisioner()).ensure({ produces: ['callEvents', 'deliveries'], consumes: ['callLegs', 'callEvents', 'webhookConfig'] });
  });
  afterAll(async () => {
    for (const c of collectors) await c.stop();
    await ctx?.onApplicationShutdown();
  });

  it('shares one producer between concurrent first sends (each used to connect a producer of its own)', async () => {
    const registry = new Registry();
    // a prefix of its own: the events below must not reach the other tests' consumers of callEvents
    const fresh = new KafkaContext({ service: 'test', logLevel: 'warn', ...testKafkaSettings(uniquePrefix('producer')) }, registry, new ReadinessChecks());
    try {
      await (await fresh.provisioner()).ensure({ produces: ['callEvents'] });
      const events = Array.from({ length: 20 }, () => testCallEvent('Call:Hangup'));
      const collector = await collect<CallEvent>(fresh.topicName('callEvents'));
      const producers = jest.spyOn(fresh.kafka, 'producer');
      await Promise.all(events.map((e) => fresh.send('callEvents', [{ key: e.call_uuid, value: e }])));
      await eventually(async () => {
        const mine = collector.values().filter((v) => events.some((e) => e.event_id === v.event_id));
        if (mine.length !== events.length) throw new Error(`${mine.length} of ${events.length} events read`);
      });
      // one producer made and connected (counting its InitProducerId requests would also count
      // the client's own retry when a fresh broker's coordinator is still loading)
      expect(producers).toHaveBeenCalledTimes(1);
      const apiVersions = (await registry.getSingleMetric('callhooks_kafka_requests_total')!.get()).values.filter((v) => v.labels.client === 'producer' && v.labels.api === 'ApiVersions');
      expect(apiVersions.reduce((n, v) => n + v.value, 0)).toBe(1);
    } finally {
      await fresh.onApplicationShutdown();
    }
  });

  it('decodes with the real registry: a schema id it does not know is the record\'s fault (DecodeError)', async () => {
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]);
    await expect(ctx.serde.decode(unknownId)).rejects.toThrow(DecodeError);
    await expect(ctx.serde.decode(unknownId)).rejects.toThrow(/knows no schema id 2147483632/);
    const value = testCallEvent('Call:Ringing');
    expect(await ctx.serde.decode(await ctx.serde.encode(ctx.topicName('callEvents'), 'call-event', value))).toEqual(value);
  });

  it('writes and reads the same bytes as the Confluent client library (our encoder and decoder work on cached types)', async () => {
    const topic = ctx.topicName('callEvents');
    const value = testCallEvent('Call:Answer');
    const ours = await ctx.serde.encode(topic, 'call-event', value);
    const id = await ctx.serde.schemaId(topic, 'call-event');
    const theirs = await ctx.serde.registry.encode(id, value);
    expect(ours.equals(theirs)).toBe(true);
    expect(await ctx.serde.registry.decode(ours)).toEqual(value);
    expect(await ctx.serde.decode(theirs)).toEqual(value);
    // larger than the encoder's first scratch buffer (64 KB): it grows, the bytes stay the same
    const big = { ...value, payload: { ...value.payload, recording_url: `https://rec.example/${'x'.repeat(100_000)}` } };
    const bigOurs = await ctx.serde.encode(topic, 'call-event', big);
    expect(bigOurs.equals(await ctx.serde.registry.encode(id, big))).toBe(true);
    expect(await ctx.serde.decode(bigOurs)).toEqual(big);
    expect((await ctx.serde.encode(topic, 'call-event', value)).equals(ours)).toBe(true);
    // a body that does not match its schema is the record's fault, and a value that does not fit the schema names its field
    await expect(ctx.serde.decode(Buffer.concat([ours.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff])]))).rejects.toThrow(DecodeError);
    await expect(ctx.serde.encode(topic, 'call-event', { ...value, event: 42 })).rejects.toThrow(/invalid fields: .*event\b/);
  });

  it('provisions topics and their dead-letter topics idempotently, with the declared cleanup policy', async () => {
    await (await ctx.provisioner()).ensure({ consumes: ['callLegs', 'webhookConfig'] });
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      for (const t of ['callhooks.call-events.v1', 'telephony.call-legs.v1', 'telephony.call-legs.v1.dlq', 'callhooks.webhook-config.v1.dlq']) {
        expect(topics).toContain(`${prefix}${t}`);
      }
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: ctx.topicName('webhookConfig') }] });
      const policy = configs.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy');
      expect(policy?.configValue).toBe('compact');
      const meta = await admin.fetchTopicMetadata({ topics: [ctx.topicName('callEvents')] });
      expect(meta.topics[0].partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });

  it('dead-letters undecodable and contract-breaking records with their reason, and goes on', async () => {
    const topic = ctx.topicName('callEvents');
    const seen: string[] = [];
    const runtime = ctx.consumer<CallEvent>({
      groupId: `g-${randomUUID()}`,
      topics: ['callEvents'],
      validate: (e) => (e.event.startsWith('Bogus') ? `unknown event name ${e.event}` : null),
      handler: async (records) => void seen.push(...records.map((r) => r.value.event)),
    });
    const dlq = await collect<never>(deadLetterTopicOf(topic), false);
    await ctx.send('callEvents', [{ key: 'k1', value: testCallEvent('Call:Ringing') }]);
    const producer = ctx.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k1', value: Buffer.from('{"not":"avro"}') }] });
    await producer.disconnect();
    await ctx.send('callEvents', [{ key: 'k1', value: testCallEvent('Bogus:Event') }, { key: 'k1', value: testCallEvent('Call:Hangup') }]);
    await runtime.start();

    await eventually(() => expect(seen).toEqual(['Call:Ringing', 'Call:Hangup']));
    const letters = await dlq.until((r) => r.length >= 2);
    const reasons = letters.map((l) => [l.headers[DLQ_HEADERS.errorClass]?.toString(), l.headers[DLQ_HEADERS.sourceTopic]?.toString()]);
    expect(reasons).toEqual([
      ['decode_error', topic],
      ['contract_violation', topic],
    ]);
    expect(letters[0].raw?.toString()).toBe('{"not":"avro"}'); // the original bytes, untouched
    expect(letters[1].headers[DLQ_HEADERS.reason]?.toString()).toContain('unknown event name Bogus:Event');
    expect(letters[1].headers[DLQ_HEADERS.sourceOffset]?.toString()).toMatch(/^\d+$/);
    await runtime.check();
  });

  it('isolates a record the handler keeps failing on, dead-letters it, and processes the rest once', async () => {
    const prefixForTopic = ctx.topicName('callLegs');
    const call = randomUUID();
    const processed: string[] = [];
    const runtime = ctx.consumer<CallLegEvent>({
      groupId: `g-${randomUUID()}`,
      topics: ['callLegs'],
      maxAttempts: 2,
      handler: async (records: Array<ConsumedRecord<CallLegEvent>>, bctx) => {
        if (records.some((r) => r.value.event_id === `${call}-2`)) throw new Error('boom on record 2');
        bctx.onCommitted(() => processed.push(...records.map((r) => r.value.event_id)));
      },
    });
    const dlq = await collect<never>(deadLetterTopicOf(prefixForTopic), false);
    await ctx.send('callLegs', [1, 2, 3].map((n) => ({ key: call, value: testCallLeg(call, n) })));
    await runtime.start();
    await eventually(() => expect(processed.filter((id) => id.startsWith(call)).sort()).toEqual([`${call}-1`, `${call}-3`]), 40000);
    const letters = await dlq.until((r) => r.some((l) => l.key === call));
    const letter = letters.find((l) => l.key === call)!;
    expect(letter.headers[DLQ_HEADERS.errorClass]?.toString()).toBe('handler_error');
    expect(letter.headers[DLQ_HEADERS.reason]?.toString()).toContain('boom on record 2');
  });

  it('reads a deferred tail again at once when it is already due, skipping nothing and repeating nothing', async () => {
    const call = randomUUID();
    // due at once: what the dispatcher does with the jobs still queued at its batch deadline
    const { handler, handled, wasDeferred } = deferringSecondLeg(call, () => Date.now());
    const runtime = ctx.consumer<CallLegEvent>({ groupId: `g-${randomUUID()}`, topics: ['callLegs'], handler });
    await ctx.send('callLegs', [1, 2, 3, 4].map((n) => ({ key: call, value: testCallLeg(call, n) })));
    await runtime.start();
    await eventually(() => expect(handled).toEqual([1, 2, 3, 4].map((n) => `${call}-${n}`)), 40000);
    expect(wasDeferred()).toBe(true);
  });

  it('counts a deferred tail as lag until it is processed, and observes each record\'s wait once, when it is processed', async () => {
    // topics of their own, so the partition holds only this test's records
    const registry = new Registry();
    const own = new KafkaContext({ service: 'test', logLevel: 'warn', ...testKafkaSettings(uniquePrefix('runtime-wait')) }, registry, new ReadinessChecks());
    try {
      await (await own.provisioner()).ensure({ consumes: ['callLegs'] });
      const call = randomUUID();
      const { handler, handled } = deferringSecondLeg(call, () => Date.now() + 3000);
      const runtime = own.consumer<CallLegEvent>({ groupId: `g-${randomUUID()}`, topics: ['callLegs'], handler });
      await runtime.start();
      await eventually(() => runtime.check(), 30000);
      await own.send('callLegs', [1, 2, 3, 4].map((n) => ({ key: call, value: testCallLeg(call, n) })));
      const lag = async () => metricSum(await registry.metrics(), 'callhooks_consumer_lag');
      // fetched, but three of the four wait out the deferral: they are lag, not processed
      await eventually(async () => {
        expect(handled).toEqual([`${call}-1`]);
        expect(await lag()).toBe(3);
      }, 20000);
      await eventually(() => expect(handled).toEqual([1, 2, 3, 4].map((n) => `${call}-${n}`)), 20000);
      await eventually(async () => expect(await lag()).toBe(0), 10000);
      const waits = histogramBuckets(await registry.metrics(), 'callhooks_consumer_record_wait_seconds');
      // each record once, when processed: the first at once, the deferred three after their 3 s
      expect(waits.get(Infinity)).toBe(4);
      expect(waits.get(2.5)).toBe(1);
      await runtime.stop();
    } finally {
      await own.onApplicationShutdown();
    }
  });

  it('an orderly stop finishes the unit in flight and commits it: the next member repeats none of it', async () => {
    const call = randomUUID();
    const groupId = `g-${randomUUID()}`;
    const handled: Array<{ member: string; id: string }> = [];
    let entered!: () => void;
    const inFlight = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const member = (name: string, holdFirstUnit: boolean) =>
      ctx.consumer<CallLegEvent>({
        groupId,
        topics: ['callLegs'],
        handler: async (records: Array<ConsumedRecord<CallLegEvent>>) => {
          const mine = records.filter((r) => r.key === call).map((r) => r.value.event_id);
          if (mine.length === 0) return;
          handled.push(...mine.map((id) => ({ member: name, id })));
          if (holdFirstUnit) {
            entered();
            await released;
          }
        },
      });
    const first = member('first', true);
    await ctx.send('callLegs', [1, 2, 3].map((n) => ({ key: call, value: testCallLeg(call, n) })));
    await first.start();
    await inFlight;
    // the stop begins while the unit is in the handler (kafkajs drops commits made once it stops)
    const stopping = first.stop();
    release();
    await stopping;
    const second = member('second', false);
    await second.start();
    await ctx.send('callLegs', [{ key: call, value: testCallLeg(call, 4) }]);
    await eventually(() => expect(handled.map((h) => h.id)).toContain(`${call}-4`), 40000);
    // each leg handled once, and the first member's whole unit committed before it left
    expect(handled.map((h) => h.id).sort()).toEqual([1, 2, 3, 4].map((n) => `${call}-${n}`));
    expect(handled.filter((h) => h.member === 'first').length).toBeGreaterThan(0);
    await second.stop();
  });

  it('prepares an assignment again after a retryable failure, without waiting for a rebalance', async () => {
    const call = randomUUID();
    const handled: string[] = [];
    let preparations = 0;
    const runtime = ctx.consumer<CallLegEvent>({
      groupId: `g-${randomUUID()}`,
      topics: ['callLegs'],
      // a restore that meets the registry or a partition leader not there yet, once
      onAssigned: async () => {
        preparations++;
        if (preparations === 1) throw new RetryableError('the schema registry is restarting');
      },
      handler: async (records: Array<ConsumedRecord<CallLegEvent>>, bctx) => {
        const mine = records.filter((r) => r.key === call).map((r) => r.value.event_id);
        bctx.onCommitted(() => handled.push(...mine));
      },
    });
    await ctx.send('callLegs', [1, 2].map((n) => ({ key: call, value: testCallLeg(call, n) })));
    await runtime.start();
    await eventually(() => expect(handled).toEqual([`${call}-1`, `${call}-2`]), 20000);
    expect(preparations).toBe(2);
    await runtime.stop();
  });

  it('fetchLingerMs: a trickle of records comes in a batch per interval, where without it each send is a batch; so with the adaptive linger, not with fetchLingerBytes reached', async () => {
    /** Sends a marker, then 20 legs 50 ms apart once the marker is handled; returns the sizes of the batches that had them. */
    const trickle = async (fetchLingerMs: number | undefined, fetchLinger: 'fixed' | 'adaptive' = 'fixed', fetchLingerBytes?: number): Promise<number[]> => {
      const call = randomUUID();
      const sizes: number[] = [];
      let markerSeen = false;
      const runtime = ctx.consumer<CallLegEvent>({
        groupId: `g-${randomUUID()}`,
        topics: ['callLegs'],
        fetchLingerMs,
        fetchLinger,
        fetchLingerBytes,
        handler: async (records) => {
          const mine = records.filter((r) => r.key === call);
          if (mine.some((r) => r.value.event_id === `${call}-0`)) markerSeen = true;
          else if (mine.length > 0) sizes.push(mine.length);
        },
      });
      try {
        await runtime.start();
        await ctx.send('callLegs', [{ key: call, value: testCallLeg(call, 0) }]);
        await eventually(() => expect(markerSeen).toBe(true), 20000);
        for (let n = 1; n <= 20; n++) {
          await ctx.send('callLegs', [{ key: call, value: testCallLeg(call, n) }]);
          await new Promise((r) => setTimeout(r, 50));
        }
        await eventually(() => expect(sizes.reduce((a, b) => a + b, 0)).toBe(20), 20000);
        return sizes;
      } finally {
        await runtime.stop();
      }
    };
    // 20 sends over ~1 s: with a 500 ms linger two or three fetches take them all
    expect((await trickle(500)).length).toBeLessThanOrEqual(4);
    expect((await trickle(undefined)).length).toBeGreaterThanOrEqual(8);
    // adaptive: 20 records/s would fill a 500 ms linger with 10, so the partition rests ~450 ms between batches
    expect((await trickle(500, 'adaptive')).length).toBeLessThanOrEqual(5);
    // fetchLingerBytes: a fetch that has this much returns at once, so with one byte the same linger batches nothing
    expect((await trickle(500, 'fixed', 1)).length).toBeGreaterThanOrEqual(8);
  });

  it('transactional mode: outputs appear exactly once even when a unit of work is aborted and retried', async () => {
    const call = randomUUID();
    let failuresLeft = 1;
    let abortedCount = 0;
    const groupId = `g-${randomUUID()}`;
    const runtime = ctx.consumer<CallLegEvent>({
      groupId,
      topics: ['callLegs'],
      transactionalIdPrefix: `tx-${randomUUID()}`,
      handler: async (records, bctx) => {
        const mine = records.filter((r) => r.key === call);
        bctx.send('callEvents', mine.map((r) => ({ key: call, value: { ...testCallEvent('Call:Answer', call), event_id: r.value.event_id } })));
        bctx.onAborted(() => abortedCount++);
        // fail after queueing the sends: the transaction must not expose them
        if (mine.length > 0 && failuresLeft-- > 0) throw new Error('transient failure');
      },
    });
    const out = await collect<CallEvent>(ctx.topicName('callEvents'));
    await ctx.send('callLegs', [1, 2].map((n) => ({ key: call, value: testCallLeg(call, n) })));
    await runtime.start();
    await out.until((r) => r.filter((x) => (x.value as CallEvent | null)?.event_id?.startsWith(call)).length >= 2);
    await new Promise((r) => setTimeout(r, 1500));
    const mine = out.values().filter((e) => e.event_id.startsWith(call)).map((e) => e.event_id);
    expect(mine.sort()).toEqual([`${call}-1`, `${call}-2`]);
    expect(abortedCount).toBe(1);

    // out-of-band transaction on the same partition: its sends become visible once
    const partition = out.records.find((r) => r.key === call)!.partition;
    await runtime.transaction('callLegs', partition, async (bctx) => {
      bctx.send('callEvents', [{ key: call, value: { ...testCallEvent('Call:Reporting', call), event_id: `${call}-timer` } }]);
    });
    await out.until((r) => r.some((x) => (x.value as CallEvent | null)?.event_id === `${call}-timer`));
  });

  it('TopicReader reads a compacted topic to its end, then follows new records', async () => {
    const topic = ctx.topicName('webhookConfig');
    const key = (i: number) => `WEBHOOK:${i}`;
    const record = (i: number, version: number) => ({
      key: key(i),
      value: { entity_type: 'WEBHOOK', entity_id: String(i), customer_id: 'c1', version, deleted: false, published_at: Date.now(), webhook: null, environment: null },
    });
    await ctx.send('webhookConfig', [record(1, 1), record(2, 1), record(1, 2)]);
    const seen = new Map<string, number>();
    const reader = ctx.reader<{ version: number }>({ topic, spec: topicSpec('webhookConfig'), purpose: 'test-view', onRecord: (r) => void seen.set(r.key, r.value!.version) });
    await reader.follow();
    expect(reader.isCaughtUp()).toBe(true);
    expect(Object.fromEntries(seen)).toEqual({ [key(1)]: 2, [key(2)]: 1 });
    await ctx.send('webhookConfig', [record(3, 1)]);
    await eventually(() => expect(seen.get(key(3))).toBe(1));
    await reader.stop();
  });
});
