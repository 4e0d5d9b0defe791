import type { INestApplicationContext } from '@nestjs/common';
import { Partitioners } from 'kafkajs';
import type { CallEvent, CallLegEvent } from '@callhooks/contracts';
import { simulateCall, type ScenarioName, type SimulatedCall } from '@callhooks/call-simulator';
import { eventually, requireServers, uniquePrefix, type TopicCollector } from '@callhooks/testing';
import { CallEnrichmentService } from '../src/enrichment/call-enrichment.service';
import { EnricherHarness, eventsOf } from './enricher-harness';

jest.setTimeout(90_000);

/** The settings: a reported call forgotten 5 s after its report, a silent call given up after 60 s; a caller leg awaited 3 s after the end. */
const SHORT_MEMORY = { ENRICHER_CLOSED_RETENTION_MS: '5000', ENRICHER_STALE_CALL_MS: '60000', ENRICHER_REPORTING_MAX_WAIT_MS: '3000' };
const PARTITIONS = 3; // testEnv's KAFKA_TOPIC_PARTITIONS

const partitioner = Partitioners.DefaultPartitioner();
/** The partition kafkajs gives a call's records (legs and events alike: keyed by call_uuid, same partition count). */
function partitionOf(callUuid: string): number {
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key: callUuid, value: null } });
}

/** A call on the same partition as `callUuid`: once its Call:Reporting is collected, everything the enricher wrote before on that partition was too. */
function callOnSamePartition(callUuid: string, scenario: ScenarioName, seedFrom: number): SimulatedCall {
  for (let seed = seedFrom; ; seed++) {
    const c = simulateCall(scenario, { seed, startAt: Date.now() - 60_000 });
    if (partitionOf(c.callUuid) === partitionOf(callUuid)) return c;
  }
}

describe('enricher: calls it has not seen begin (in process, against the real servers)', () => {
  const harness = new EnricherHarness(uniquePrefix('enricher-unbegun'));
  let app: INestApplicationContext | undefined;
  let events: TopicCollector<CallEvent>;
  const enrichment = () => app!.get(CallEnrichmentService);
  const counted = async (name: 'lateLegs' | 'legsWithoutCaller') => (await enrichment().metrics[name].get()).values.reduce((n, v) => n + v.value, 0);

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    await harness.provision();
    events = await harness.events();
    app = await harness.startInProcess(SHORT_MEMORY);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await harness.stop();
  });

  async function reportedCall(call: SimulatedCall): Promise<CallEvent[]> {
    await events.until((rs) => rs.some((r) => r.value?.call_uuid === call.callUuid && r.value.event === 'Call:Reporting'), 30_000);
    return eventsOf(events.values(), call.callUuid);
  }

  it('a repeated LEG_HANGUP and a RECORDING_READY arriving after the retention emit nothing (no phantom Hangup / Reporting) and are counted', async () => {
    const call = simulateCall('recorded', { seed: 701, startAt: Date.now() - 600_000 });
    await harness.publishLegs(call.legs);
    const before = await reportedCall(call);
    expect(before.map((e) => e.event)).toContain('Call:Reporting');
    // the marker is tombstoned once the retention is over
    await eventually(() => expect(enrichment().store.get(partitionOf(call.callUuid), call.callUuid)).toBeUndefined(), 30_000);
    const withoutCallerBefore = await counted('legsWithoutCaller');
    const repeated: CallLegEvent[] = [
      call.legs.find((l) => l.kind === 'LEG_HANGUP' && l.leg_role === 'CALLER')!,
      call.legs.find((l) => l.kind === 'RECORDING_READY')!,
    ];
    await harness.publishLegs(repeated);
    // given up at the maximum wait after their end: counted, with the unbegun marker left to recognise more
    await eventually(async () => expect(await counted('legsWithoutCaller')).toBe(withoutCallerBefore + 2), 30_000);
    expect(enrichment().store.get(partitionOf(call.callUuid), call.callUuid)).toMatchObject({ status: 'closed', unbegun: true });
    // one more copy now meets the marker: counted on arrival
    await harness.publishLegs([repeated[0]]);
    await eventually(async () => expect(await counted('legsWithoutCaller')).toBe(withoutCallerBefore + 3), 30_000);

    const after = callOnSamePartition(call.callUuid, 'busy', 720);
    await harness.publishLegs(after.legs);
    await reportedCall(after);
    expect(eventsOf(events.values(), call.callUuid)).toEqual(before);
  });

  it('a call without its CALLER leg emits nothing; its legs are counted when it is given up', async () => {
    const call = simulateCall('queue_answered', { seed: 702, startAt: Date.now() - 60_000 });
    const legs = call.legs.filter((l) => !(l.kind === 'LEG_CREATED' && l.leg_role === 'CALLER'));
    const withoutCallerBefore = await counted('legsWithoutCaller');
    await harness.publishLegs(legs);
    await eventually(async () => expect(await counted('legsWithoutCaller')).toBe(withoutCallerBefore + legs.length), 30_000);
    const after = callOnSamePartition(call.callUuid, 'busy', 740);
    await harness.publishLegs(after.legs);
    await reportedCall(after);
    expect(eventsOf(events.values(), call.callUuid)).toEqual([]);
  });

  it('a call whose CALLER leg comes last, within the wait, is reported whole', async () => {
    const call = simulateCall('busy', { seed: 703, startAt: Date.now() - 60_000 });
    const callerCreated = call.legs.find((l) => l.kind === 'LEG_CREATED' && l.leg_role === 'CALLER')!;
    await harness.publishLegs(call.legs.filter((l) => l !== callerCreated));
    await harness.publishLegs([callerCreated]);
    const reported = await reportedCall(call);
    expect(reported.map((e) => e.event)).toEqual(expect.arrayContaining(['Call:Hangup', 'Call:Reporting']));
    expect(reported.find((e) => e.event === 'Call:Hangup')!.payload.created_at).not.toBeNull();
  });

  it('a reported call\'s marker survives a restart (it is in the changelog): a late leg after it is counted, not re-reported', async () => {
    const remember = { ...SHORT_MEMORY, ENRICHER_CLOSED_RETENTION_MS: String(24 * 3_600_000) };
    await app?.close();
    app = await harness.startInProcess(remember);
    const call = simulateCall('internal', { seed: 704, startAt: Date.now() - 60_000 });
    await harness.publishLegs(call.legs);
    const before = await reportedCall(call);
    await app.close();
    app = await harness.startInProcess(remember);
    const repeated = call.legs.find((l) => l.kind === 'LEG_HANGUP' && l.leg_role === 'CALLER')!;
    await harness.publishLegs([repeated]);
    await eventually(async () => expect(await counted('lateLegs')).toBe(1), 60_000);
    const after = callOnSamePartition(call.callUuid, 'busy', 760);
    await harness.publishLegs(after.legs);
    await reportedCall(after);
    expect(eventsOf(events.values(), call.callUuid)).toEqual(before);
  });
});
