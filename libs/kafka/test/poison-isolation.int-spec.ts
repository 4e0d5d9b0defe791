import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { deadLetterTopicOf, topicSpec, type CallEvent, type ConfigRecord } from '@callhooks/contracts';
import { ReadinessChecks } from '@callhooks/observability';
import { DLQ_HEADERS, KafkaContext, type ConsumedRecord } from '@callhooks/kafka';
import { eventually, requireServers, testKafkaSettings, TopicCollector, uniquePrefix, testCallEvent } from '@callhooks/testing';

/** The isolation path of the runtime and the readers: whatever throws for one record costs that record only. */
describe('one record never stops a consumer or a reader', () => {
  const prefix = uniquePrefix('isolation');
  let ctx: KafkaContext;
  const collectors: Array<TopicCollector<unknown>> = [];
  const collect = async (topic: string) => {
    const c = await new TopicCollector<never>(ctx.kafka, topic).start();
    collectors.push(c);
    return c;
  };

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    ctx = new KafkaContext({ service: 'test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    await (await ctx.provisioner()).ensure({ consumes: ['callEvents', 'webhookConfig'] });
  });
  afterAll(async () => {
    for (const c of collectors) await c.stop();
    await ctx?.onApplicationShutdown();
  });

  it('a contract check that throws dead-letters its record (it used to crash the consumer) and the next one is processed', async () => {
    const processed: string[] = [];
    const runtime = ctx.consumer<CallEvent>({
      groupId: `g-${randomUUID()}`,
      topics: ['callEvents'],
      // a check that is not total, as the ones that stopped the enricher were
      validate: (e) => ((e.event === 'Call:Answer' ? undefined : e.event) as string).startsWith('Bogus') ? 'bogus' : null,
      handler: async (records) => void processed.push(...records.map((r) => r.value.event_id)),
    });
    const dlq = await collect(deadLetterTopicOf(ctx.topicName('callEvents')));
    const call = randomUUID();
    const [bad, good] = [testCallEvent('Call:Answer', call), testCallEvent('Call:Hangup', call)];
    await ctx.send('callEvents', [bad, good].map((value) => ({ key: call, value })));
    await runtime.start();
    await eventually(() => expect(processed).toContain(good.event_id), 30_000);
    expect(processed).not.toContain(bad.event_id);
    const letters = await dlq.until((r) => r.some((l) => l.key === call));
    const letter = letters.find((l) => l.key === call)!;
    expect(letter.headers[DLQ_HEADERS.errorClass]?.toString()).toBe('contract_violation');
    expect(letter.headers[DLQ_HEADERS.reason]?.toString()).toMatch(/^the contract check failed: .*startsWith/);
    await runtime.check();
    await runtime.stop();
  });

  // the reason used to be read from a field shared by all partitions; it is now the error the unit returned
  it('records failing in partitions processed at once are dead-lettered each with its own error', async () => {
    const calls: string[] = Array.from({ length: 6 }, () => randomUUID());
    const handled: string[] = [];
    const runtime = ctx.consumer<CallEvent>({
      groupId: `g-${randomUUID()}`,
      topics: ['callEvents'],
      concurrency: 3,
      maxAttempts: 2,
      handler: async (records: Array<ConsumedRecord<CallEvent>>) => {
        const failing = records.find((r) => r.value.event === 'Call:Ringing' && calls.includes(r.key!));
        // the failures of the partitions overlap in time
        await new Promise((r) => setTimeout(r, 20));
        if (failing) throw new Error(`boom for ${failing.key}`);
        handled.push(...records.map((r) => r.value.event_id));
      },
    });
    const dlq = await collect(deadLetterTopicOf(ctx.topicName('callEvents')));
    const after = calls.map((c) => testCallEvent('Call:Hangup', c));
    await ctx.send('callEvents', calls.map((c) => ({ key: c, value: testCallEvent('Call:Ringing', c) })));
    await ctx.send('callEvents', after.map((value) => ({ key: value.call_uuid, value })));
    await runtime.start();
    const letters = await dlq.until((r) => calls.every((c) => r.some((l) => l.key === c)), 60_000);
    for (const c of calls) {
      const letter = letters.find((l) => l.key === c)!;
      expect(letter.headers[DLQ_HEADERS.errorClass]?.toString()).toBe('handler_error');
      expect(letter.headers[DLQ_HEADERS.reason]?.toString()).toBe(`Error: boom for ${c}`);
    }
    await eventually(() => expect(handled).toEqual(expect.arrayContaining(after.map((e) => e.event_id))), 30_000);
    await runtime.stop();
  });

  it('a topic reader sets aside a record its handler throws on, and reads on to the end', async () => {
    const record = (id: string): ConfigRecord => ({ entity_type: 'ENVIRONMENT', entity_id: id, customer_id: 'c1', version: 1, deleted: true, published_at: Date.now(), webhook: null, environment: null });
    await ctx.send('webhookConfig', ['e-1', 'e-bad', 'e-2'].map((id) => ({ key: `ENVIRONMENT:c1:${id}`, value: record(id) })));
    const seen: string[] = [];
    const reader = ctx.reader<ConfigRecord>({
      topic: ctx.topicName('webhookConfig'),
      spec: topicSpec('webhookConfig'),
      purpose: 'test-isolation',
      onRecord: (r) => {
        if (r.value?.entity_id === 'e-bad') throw new TypeError('cannot apply e-bad');
        seen.push(r.key);
      },
    });
    const dlq = await collect(deadLetterTopicOf(ctx.topicName('webhookConfig')));
    await reader.follow();
    expect(seen).toEqual(['ENVIRONMENT:c1:e-1', 'ENVIRONMENT:c1:e-2']);
    const letters = await dlq.until((r) => r.some((l) => l.key === 'ENVIRONMENT:c1:e-bad'));
    const letter = letters.find((l) => l.key === 'ENVIRONMENT:c1:e-bad')!;
    expect(letter.headers[DLQ_HEADERS.errorClass]?.toString()).toBe('handler_error');
    expect(letter.headers[DLQ_HEADERS.reason]?.toString()).toBe('TypeError: cannot apply e-bad');
    expect(letter.headers[DLQ_HEADERS.consumerGroup]?.toString()).toMatch(/^callhooks-test-isolation-/);
    await reader.stop();
  });
});
