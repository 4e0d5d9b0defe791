import type { ChildProcess } from 'node:child_process';
import type { CallEvent } from '@callhooks/contracts';
import { CallTraffic } from '@callhooks/call-simulator';
import { freePort, requireServers, uniquePrefix, type TopicCollector } from '@callhooks/testing';
import { pacedArrivals, replayCall } from '../src/enrichment/call-replay';
import { EnricherHarness, FAST_TIMINGS } from './enricher-harness';

jest.setTimeout(90_000);

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/**
 * The built enricher as a child process, killed with SIGKILL in the middle of a stream of
 * calls (mid-transaction, most likely) and started again: every expected event appears
 * exactly once for a read_committed reader, with the payload of the ordered sequence.
 * (The second instance waits for the killed one's group session to expire, ~30 s.)
 */
describe('enricher killed with SIGKILL mid-stream', () => {
  const harness = new EnricherHarness(uniquePrefix('enricher-kill'));
  let events: TopicCollector<CallEvent>;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    await harness.provision();
    events = await harness.events();
  }, 60_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('loses no event and emits none twice', async () => {
    // 40 calls over 4 s, each played 50 times faster than real time, with 20 % of the raw events sent twice
    const traffic = new CallTraffic({ seed: 7, rate: 10, startAt: Date.now() - 3_600_000, speedup: 50, duplicateRatio: 0.2 });
    const CALLS = 40;
    const port = await freePort();
    let child = harness.startChild(port);
    await harness.childReady(port);
    const started = Date.now();
    let killed = false;
    for (;;) {
      const elapsed = Date.now() - started;
      const due = traffic.due(elapsed, CALLS);
      if (due.length > 0) await harness.publishLegs(due.map((d) => d.leg));
      if (!killed && events.values().length >= 20) {
        // the first instance is busy with the stream: kill it without warning, start another
        child.kill('SIGKILL');
        await exited(child);
        killed = true;
        child = harness.startChild(port);
      }
      if (traffic.callsStarted >= CALLS && traffic.backlog() === 0) break;
      if (elapsed > 40_000) throw new Error('the stream did not finish in time');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(killed).toBe(true);

    const expected = traffic.calls.flatMap((c) => replayCall(pacedArrivals(c.legs), FAST_TIMINGS).events);
    const expectedIds = new Set(expected.map((e) => e.event_id));
    await events.until((rs) => new Set(rs.map((r) => r.value?.event_id)).size >= expectedIds.size && [...expectedIds].every((id) => rs.some((r) => r.value?.event_id === id)), 60_000);
    // whatever was still in flight would show up now if it were going to be duplicated
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGTERM');
    await exited(child);

    const got = events.values();
    const counts = new Map<string, number>();
    for (const e of got) counts.set(e.event_id, (counts.get(e.event_id) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(new Set(counts.keys())).toEqual(expectedIds);
    for (const e of expected.filter((x) => x.event === 'Call:Hangup' || x.event === 'Call:Reporting')) {
      expect(got.find((g) => g.event_id === e.event_id)?.payload).toEqual(e.payload);
    }
  });
});
