import { randomUUID } from 'node:crypto';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { Registry } from 'prom-client';
import { topicSpec, type CallLegEvent } from '@callhooks/contracts';
import { LivenessChecks, ReadinessChecks } from '@callhooks/observability';
import { KafkaContext, type ConsumedRecord } from '@callhooks/kafka';
import { eventually, metricSum, requireServers, testKafkaSettings, uniquePrefix, testCallLeg } from '@callhooks/testing';

/** `count` legs, each of a call of its own (so spread over the partitions). */
function legsOfNewCalls(count: number): Array<{ key: string; value: CallLegEvent }> {
  return Array.from({ length: count }, (_, i) => {
    const call = randomUUID();
    return { key: call, value: testCallLeg(call, i) };
  });
}

/** A context of its own (own topics, own registry of metrics), so its partitions hold only this test's records. */
async function ownContext(label: string, consumers: Partial<ReturnType<typeof testKafkaSettings>['kafka']['consumers']> = {}) {
  const registry = new Registry();
  const liveness = new LivenessChecks();
  const settings = testKafkaSettings(uniquePrefix(label));
  const ctx = new KafkaContext(
    { service: 'test', logLevel: 'warn', ...settings, kafka: { ...settings.kafka, consumers: { ...settings.kafka.consumers, ...consumers } } },
    registry,
    new ReadinessChecks(),
    liveness,
  );
  await (await ctx.provisioner()).ensure({ consumes: ['callLegs'] });
  const metric = async (name: string, filter?: RegExp) => metricSum(await registry.metrics(), name, filter);
  const live = async () => {
    for (const [, check] of liveness.entries()) await check();
  };
  return { ctx, metric, live };
}

describe('supervised consumers against the real servers', () => {
  beforeAll(() => requireServers(['kafka', 'registry']));

  it('a consumer stopped by a non-retriable kafkajs error in a running group is restarted and processes what follows', async () => {
    const { ctx, metric, live } = await ownContext('supervised');
    const groupId = `g-${randomUUID()}`;
    const handled = new Set<string>();
    let failNextAssignment = false;
    const handler = async (records: Array<ConsumedRecord<CallLegEvent>>) => {
      for (const r of records) handled.add(r.value.event_id);
    };
    try {
      const first = ctx.consumer<CallLegEvent>({
        groupId,
        topics: ['callLegs'],
        onAssigned: async () => {
          if (!failNextAssignment) return;
          failNextAssignment = false;
          throw new KafkaJSNonRetriableError('forced by the test: the assignment cannot be prepared');
        },
        handler,
      });
      await first.start();
      await eventually(() => first.check(), 30000);
      const before = legsOfNewCalls(6);
      await ctx.send('callLegs', before);
      await eventually(() => expect([...handled]).toEqual(expect.arrayContaining(before.map((r) => r.value.event_id))), 20000);
      expect(await metric('callhooks_consumer_up')).toBe(1);

      // a second member joins: the rebalance prepares the first one's assignment again, which
      // fails; its next batch meets the failure and kafkajs stops the consumer (CRASH, restart false)
      failNextAssignment = true;
      const second = ctx.consumer<CallLegEvent>({ groupId, topics: ['callLegs'], handler });
      await second.start();
      // only a batch of a partition the first member holds meets the failure, and which ones it
      // holds is the rebalance's choice: new calls are sent until one has landed there
      const during: ReturnType<typeof legsOfNewCalls> = [];
      await eventually(
        async () => {
          const more = legsOfNewCalls(6);
          during.push(...more);
          await ctx.send('callLegs', more);
          expect(await metric('callhooks_consumer_restarts_total')).toBeGreaterThanOrEqual(1);
        },
        60000,
        1000,
      );
      await eventually(() => first.check(), 60000);
      await eventually(() => expect([...handled]).toEqual(expect.arrayContaining(during.map((r) => r.value.event_id))), 30000);

      // the second member leaves: the first, restarted, consumes every partition alone
      await second.stop();
      handled.clear();
      const after = legsOfNewCalls(6);
      await ctx.send('callLegs', after);
      await eventually(() => expect([...handled]).toEqual(expect.arrayContaining(after.map((r) => r.value.event_id))), 60000);
      expect(await metric('callhooks_consumer_up', new RegExp(`group="${ctx.groupName(groupId)}"`))).toBe(1);
      await live();
      await first.stop();
    } finally {
      await ctx.onApplicationShutdown();
    }
  });

  it('with restarts off, a stopped consumer stays down: callhooks_consumer_up 0, liveness fails once down for its bound, and the lag shows the whole backlog', async () => {
    // short, so the test sees the registered liveness check fail (that it passes before the bound: consumer-supervisor.spec.ts)
    const downLivenessMs = 2000;
    const { ctx, metric, live } = await ownContext('unsupervised', { restart: false, downLivenessMs });
    const groupId = `g-${randomUUID()}`;
    const handled: string[] = [];
    try {
      const runtime = ctx.consumer<CallLegEvent>({
        groupId,
        topics: ['callLegs'],
        onAssigned: async () => {
          throw new KafkaJSNonRetriableError('forced by the test: the assignment cannot be prepared');
        },
        handler: async (records) => {
          handled.push(...records.map((r) => r.value.event_id));
        },
      });
      const backlog = legsOfNewCalls(5);
      await ctx.send('callLegs', backlog);
      await runtime.start();
      await eventually(async () => expect(runtime.check()).rejects.toThrow(/forced by the test/), 60000);
      expect(await metric('callhooks_consumer_up')).toBe(0);
      // the check /healthz runs (Kafka answers, so a restart of the pod is the cure)
      await eventually(
        () => expect(live()).rejects.toThrow(new RegExp(`consumer ${ctx.groupName(groupId)} has been out of its group for \\d+ s \\(.*forced by the test`)),
        20000,
      );

      // nobody consumes: the lag is every record of the topic, those sent before and after the crash
      const more = legsOfNewCalls(7);
      await ctx.send('callLegs', more);
      await eventually(async () => expect(await metric('callhooks_consumer_lag', new RegExp(`group="${ctx.groupName(groupId)}"`))).toBe(12), 20000);
      expect(handled).toEqual([]);
      // still down, never restarted
      expect(await metric('callhooks_consumer_restarts_total')).toBe(0);
      expect(await metric('callhooks_consumer_up')).toBe(0);
      await runtime.stop();
    } finally {
      await ctx.onApplicationShutdown();
    }
  });

  it('the lag of a group whose consumer stopped after committing part of the topic equals what it left', async () => {
    const { ctx, metric } = await ownContext('lag');
    const groupId = `g-${randomUUID()}`;
    const handled = new Set<string>();
    try {
      const runtime = ctx.consumer<CallLegEvent>({
        groupId,
        topics: ['callLegs'],
        handler: async (records) => {
          for (const r of records) handled.add(r.value.event_id);
        },
      });
      await runtime.start();
      const done = legsOfNewCalls(4);
      await ctx.send('callLegs', done);
      await eventually(() => expect(handled.size).toBe(4), 30000);
      await eventually(async () => expect(await metric('callhooks_consumer_lag')).toBe(0), 20000);
      // the consumer leaves (a crash, a scale-down): its last readings are gone with it, so the
      // lag of the group is read by another member of the process, here a second runtime that never starts consuming
      await runtime.stop();
      const left = legsOfNewCalls(9);
      await ctx.send('callLegs', left);
      const watcher = ctx.consumer<CallLegEvent>({
        groupId,
        topics: ['callLegs'],
        onAssigned: async () => {
          throw new KafkaJSNonRetriableError('forced by the test: this member never consumes');
        },
        handler: async () => undefined,
      });
      await watcher.start();
      await eventually(async () => expect(await metric('callhooks_consumer_lag', new RegExp(`group="${ctx.groupName(groupId)}"`))).toBe(9), 30000);
      await watcher.stop();
    } finally {
      await ctx.onApplicationShutdown();
    }
  });

  it('a consumer of transactional writes reads 0 lag once it has everything (it commits past the transaction markers)', async () => {
    const { ctx, metric } = await ownContext('markers');
    const producer = ctx.kafka.producer({ transactionalId: `tx-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    const handled = new Set<string>();
    try {
      await producer.connect();
      const runtime = ctx.consumer<CallLegEvent>({
        groupId: `g-${randomUUID()}`,
        topics: ['callLegs'],
        handler: async (records) => {
          for (const r of records) handled.add(r.value.event_id);
        },
      });
      await runtime.start();
      await eventually(() => runtime.check(), 30000);
      for (let i = 0; i < 3; i++) {
        const txn = await producer.transaction();
        await ctx.publisher.send(txn, [{ topic: 'callLegs', records: legsOfNewCalls(4) }]);
        await txn.commit();
      }
      await eventually(() => expect(handled.size).toBe(12), 30000);
      // each commit marker sits after the records: without committing past it, every partition written to would read 1
      await eventually(async () => expect(await metric('callhooks_consumer_lag')).toBe(0), 20000);
      await runtime.stop();
    } finally {
      await producer.disconnect();
      await ctx.onApplicationShutdown();
    }
  });

  it('a following topic reader stopped for good (its topic deleted under it) is restarted until the topic is back, then follows what comes after', async () => {
    const { ctx, metric } = await ownContext('reader');
    const seen = new Set<string>();
    try {
      const first = legsOfNewCalls(3);
      await ctx.send('callLegs', first);
      const reader = ctx.reader<CallLegEvent>({
        topic: ctx.topicName('callLegs'),
        spec: topicSpec('callLegs'),
        purpose: 'supervision-test',
        onRecord: (r) => {
          if (r.value) seen.add(r.value.event_id);
        },
      });
      await reader.follow();
      expect([...seen].sort()).toEqual(first.map((r) => r.value.event_id).sort());
      // (a record its handler cannot apply is dead-lettered, not a crash: a lost topic is what stops a reader for good)
      const admin = ctx.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [ctx.topicName('callLegs')] });
      await admin.disconnect();
      await eventually(
        async () => expect(await metric('callhooks_consumer_restarts_total', /group="callhooks-supervision-test"/)).toBeGreaterThanOrEqual(1),
        60000,
      );
      await (await ctx.provisioner()).ensure({ consumes: ['callLegs'] });
      const after = legsOfNewCalls(3);
      await eventually(async () => expect(await metric('callhooks_consumer_up', /group="callhooks-supervision-test"/)).toBe(1), 60000);
      await ctx.send('callLegs', after);
      await eventually(() => expect([...seen]).toEqual(expect.arrayContaining(after.map((r) => r.value.event_id))), 30000);
    } finally {
      await ctx.onApplicationShutdown();
    }
  });
});
