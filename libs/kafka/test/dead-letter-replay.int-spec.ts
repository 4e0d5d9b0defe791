import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { deadLetterTopicOf, type CallEvent } from '@callhooks/contracts';
import { ReadinessChecks } from '@callhooks/observability';
import { KafkaContext, type ConsumedRecord } from '@callhooks/kafka';
import { REPLAYED_FROM_HEADER } from '@callhooks/kafka/dlq/dead-letter-archive';
import { eventually, requireServers, testEnv, testKafkaSettings, TopicCollector, uniquePrefix, testCallEvent } from '@callhooks/testing';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'libs', 'kafka', 'src', 'dlq', 'cli.js');

/**
 * The operator's path after fixing what made records fail: `npm run dlq -- list|replay` (the
 * built CLI, as a process) against a running consumer, by time range.
 */
describe('npm run dlq: list and replay dead letters to their source topic', () => {
  const prefix = uniquePrefix('dlq');
  let ctx: KafkaContext;
  const dlq = () => deadLetterTopicOf(ctx.topicName('callEvents'));
  const cli = async (...args: string[]): Promise<{ lines: Array<Record<string, unknown>>; stderr: string }> => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, ...testEnv(prefix) } });
    return { lines: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), stderr };
  };

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    ctx = new KafkaContext({ service: 'test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    await (await ctx.provisioner()).ensure({ consumes: ['callEvents'] });
  });
  afterAll(async () => ctx?.onApplicationShutdown());

  it('lists the letters of a time range and replays them with their key, value and headers to the same running consumer', async () => {
    // "the cause": events named Call:Later break the contract until the operator fixes it
    let fixed = false;
    const processed: Array<ConsumedRecord<CallEvent>> = [];
    const runtime = ctx.consumer<CallEvent>({
      groupId: `g-${randomUUID()}`,
      topics: ['callEvents'],
      validate: (e) => (!fixed && e.event === 'Call:Later' ? 'Call:Later is not known yet' : null),
      handler: async (records) => void processed.push(...records),
    });
    await runtime.start();
    const letters = await new TopicCollector<never>(ctx.kafka, dlq()).start();
    try {
      const early = testCallEvent('Call:Later');
      await ctx.send('callEvents', [{ key: early.call_uuid, value: early, headers: { 'x-trace': 'early' } }]);
      await letters.until((r) => r.length === 1);
      const between = Date.now() + 1;
      await new Promise((r) => setTimeout(r, 50));
      const late = testCallEvent('Call:Later');
      const good = testCallEvent('Call:Hangup');
      await ctx.send('callEvents', [
        { key: late.call_uuid, value: late, headers: { 'x-trace': 'late' } },
        { key: good.call_uuid, value: good },
      ]);
      await letters.until((r) => r.length === 2);
      await eventually(() => expect(processed.map((r) => r.value.event_id)).toContain(good.event_id));

      const all = await cli('list', '--topic', 'callEvents');
      expect(all.lines.map((l) => [l.key, l.error_class, l.reason])).toEqual([
        [early.call_uuid, 'contract_violation', 'Call:Later is not known yet'],
        [late.call_uuid, 'contract_violation', 'Call:Later is not known yet'],
      ]);
      expect(all.lines[0].source).toMatch(new RegExp(`^${ctx.topicName('callEvents').replace(/\./g, '\\.')}/\\d/\\d+$`));
      expect(all.stderr).toContain(`2 dead letter(s) of ${dlq()} listed`);
      expect((await cli('list', '--topic', ctx.topicName('callEvents').slice(prefix.length), '--to', String(between))).lines.map((l) => l.key)).toEqual([early.call_uuid]);

      fixed = true;
      const dry = await cli('replay', '--topic', 'callEvents', '--from', new Date(between).toISOString(), '--dry-run');
      expect(dry.lines.map((l) => l.key)).toEqual([late.call_uuid]);
      await new Promise((r) => setTimeout(r, 1000));
      expect(processed.map((r) => r.value.event_id)).not.toContain(late.event_id);

      const replayed = await cli('replay', '--topic', 'callEvents', '--from', new Date(between).toISOString());
      expect(replayed.lines.map((l) => l.key)).toEqual([late.call_uuid]);
      await eventually(() => expect(processed.map((r) => r.value.event_id)).toContain(late.event_id));
      const record = processed.find((r) => r.value.event_id === late.event_id)!;
      expect(record.key).toBe(late.call_uuid);
      expect(record.value).toEqual(late);
      expect(record.headers['x-trace']).toBe('late');
      expect(record.headers[REPLAYED_FROM_HEADER]).toMatch(new RegExp(`^${dlq().replace(/\./g, '\\.')}/0/1$`));
      // outside the range: still only in the DLQ
      expect(processed.map((r) => r.value.event_id)).not.toContain(early.event_id);
    } finally {
      await letters.stop();
      await runtime.stop();
    }
  });
});
