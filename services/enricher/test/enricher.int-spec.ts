import type { INestApplicationContext } from '@nestjs/common';
import { deadLetterTopicOf, wallClockTime, type CallEvent, type CallLegEvent } from '@callhooks/contracts';
import { DLQ_HEADERS } from '@callhooks/kafka';
import { disorderLegs, SCENARIOS, SeededRandom, simulateCall, type SimulatedCall } from '@callhooks/call-simulator';
import { eventually, requireServers, uniquePrefix, type TopicCollector } from '@callhooks/testing';
import { CallEnrichmentService } from '../src/enrichment/call-enrichment.service';
import { pacedArrivals, replayCall } from '../src/enrichment/call-replay';
import { EnricherHarness, eventsOf, FAST_TIMINGS } from './enricher-harness';

jest.setTimeout(60_000);

const idsAndNames = (events: CallEvent[]) => events.map((e) => `${e.event_id} ${e.event}`).sort();
const payloadOf = (events: CallEvent[], name: string) => events.filter((e) => e.event === name).map((e) => e.payload);

/** What the pure core makes of the call played in order: the reference for what comes out of Kafka. */
function reference(call: SimulatedCall): CallEvent[] {
  return replayCall(pacedArrivals(call.legs), FAST_TIMINGS).events;
}

/** Waits until the call's Call:Reporting is out, then returns all its events. */
async function reported(events: TopicCollector<CallEvent>, callUuid: string, timeoutMs = 30_000): Promise<CallEvent[]> {
  await events.until((rs) => rs.some((r) => r.value?.call_uuid === callUuid && r.value.event === 'Call:Reporting'), timeoutMs);
  return eventsOf(events.values(), callUuid);
}

async function counter(app: INestApplicationContext, name: 'lateLegs' | 'duplicateLegs'): Promise<number> {
  const metric = app.get(CallEnrichmentService).metrics[name];
  return (await metric.get()).values.reduce((n, v) => n + v.value, 0);
}

describe('enricher against the real servers (in process)', () => {
  const harness = new EnricherHarness(uniquePrefix('enricher'));
  let app: INestApplicationContext | undefined;
  let events: TopicCollector<CallEvent>;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    await harness.provision();
    events = await harness.events();
    app = await harness.startInProcess();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await harness.stop();
  });

  it('enriches every scenario, in order or shuffled with duplicates: each event once, with the payload of the ordered sequence', async () => {
    const ordered = SCENARIOS.map((s, i) => simulateCall(s, { seed: 100 + i, startAt: Date.now() - 600_000 }));
    const disordered = SCENARIOS.map((s, i) => simulateCall(s, { seed: 200 + i, startAt: Date.now() - 600_000 }));
    const rng = new SeededRandom(42);
    await harness.publishLegs([...ordered.flatMap((c) => c.legs), ...disordered.flatMap((c) => disorderLegs(c.legs, rng, { shuffle: true, duplicateRatio: 0.3 }))]);

    for (const call of [...ordered, ...disordered]) {
      const got = await reported(events, call.callUuid);
      const expected = reference(call);
      // the same events, each exactly once
      expect(idsAndNames(got)).toEqual(idsAndNames(expected));
      expect(got.map((e) => e.event).sort()).toEqual([...call.truth.events].sort());
      // the final payloads are those of the ordered sequence ...
      expect(payloadOf(got, 'Call:Hangup')).toEqual(payloadOf(expected, 'Call:Hangup'));
      expect(payloadOf(got, 'Call:Reporting')).toEqual(payloadOf(expected, 'Call:Reporting'));
      // ... and tell the truth of the scenario as the simulator built it
      const { truth } = call;
      const final = got.find((e) => e.event === 'Call:Reporting')!;
      expect(final.payload).toMatchObject({
        uuid: call.callUuid,
        direction: truth.direction,
        type: truth.type,
        cause: truth.cause,
        queue_disposition: truth.queueDisposition,
        sip_status: truth.sipStatus,
        contact_number: truth.contactNumber,
        caller_id_number: truth.callerIdNumber,
        destination: truth.destination,
        did_number: truth.didNumber,
        did_name: truth.didName,
        user_fullname: truth.user?.user_fullname ?? null,
        user_name: truth.user?.user_name ?? null,
        extension_username: truth.user?.extension_username ?? null,
        recording_url: truth.recordingUrl,
        queue_name: truth.queueName,
        ivr_name: truth.ivrNames[truth.ivrNames.length - 1] ?? null,
        duration: Math.floor(truth.endedAt / 1000) - Math.floor(truth.startedAt / 1000),
        billing_duration: truth.answeredAt === null ? 0 : Math.floor(truth.endedAt / 1000) - Math.floor(truth.answeredAt / 1000),
        start_at: wallClockTime(truth.startedAt, 'UTC'),
        call_state: 'reported',
      });
      // the enricher does not know environments: it gives the epochs the matcher localizes (e.g. to Asia/Jerusalem)
      expect(final.started_at_ms).toBe(truth.startedAt);
      expect(final.answered_at_ms).toBe(truth.answeredAt);
      for (const e of got) expect(e).toMatchObject({ customer_id: call.customerId, environment_id: call.environmentId });
    }
    // keyed by call, so a call's events stay in order on one partition
    for (const r of events.records.filter((r) => r.value && ordered.some((c) => c.callUuid === r.value!.call_uuid))) expect(r.key).toBe(r.value!.call_uuid);
    expect(await counter(app!, 'duplicateLegs')).toBeGreaterThan(0);
  });

  it('sets a malformed record aside on the dead-letter topic with its reason, and goes on enriching the calls after it', async () => {
    const dlq = await harness.collect<null>(deadLetterTopicOf(harness.kafka.topicName('callLegs')), false);
    const call = simulateCall('internal', { seed: 301, startAt: Date.now() - 60_000 });
    const [first] = call.legs;
    const noRole: CallLegEvent = { ...first, event_id: 'bad-no-role', kind: 'LEG_RINGING', leg_role: null };
    const emptyCall: CallLegEvent = { ...first, event_id: 'bad-empty-call', call_uuid: '' };
    await harness.publishRaw(call.callUuid, Buffer.from('definitely not avro'));
    await harness.publishLegs([noRole]);
    await harness.kafka.send('callLegs', [{ key: 'not-the-call', value: { ...first, event_id: 'bad-key' } }]);
    await harness.kafka.send('callLegs', [{ key: '', value: emptyCall }]);
    await harness.publishLegs(call.legs);

    const got = await reported(events, call.callUuid);
    expect(idsAndNames(got)).toEqual(idsAndNames(reference(call)));
    const letters = await dlq.until((rs) => rs.length >= 4);
    const reasons = letters.map((r) => String(r.headers[DLQ_HEADERS.reason]));
    expect(letters.map((r) => String(r.headers[DLQ_HEADERS.errorClass])).sort()).toEqual(['contract_violation', 'contract_violation', 'contract_violation', 'decode_error']);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Confluent Avro/),
        'LEG_RINGING without leg_role',
        expect.stringMatching(/record key "not-the-call" is not the call_uuid/),
        'call_uuid is empty',
      ]),
    );
    // the letters come from several input partitions, so in no set order across the dead-letter topic's partitions
    const undecodable = letters.find((r) => String(r.headers[DLQ_HEADERS.errorClass]) === 'decode_error');
    expect(undecodable?.raw?.toString()).toBe('definitely not avro');
  });

  it('counts a leg arriving after the call was reported, and does not report the call again', async () => {
    const call = simulateCall('busy', { seed: 302, startAt: Date.now() - 60_000 });
    await harness.publishLegs(call.legs);
    const before = await reported(events, call.callUuid);
    const lateBefore = await counter(app!, 'lateLegs');
    const straggler: CallLegEvent = { ...call.legs[1], event_id: 'straggler-1', kind: 'LEG_RINGING', occurred_at: call.legs[1].occurred_at + 5 };
    await harness.publishLegs([straggler]);
    await eventually(async () => expect(await counter(app!, 'lateLegs')).toBe(lateBefore + 1), 20_000);
    // a later call on the same partition is enriched, so the straggler was handled before it
    const after = simulateCall('busy', { seed: 303, startAt: Date.now() - 60_000 });
    await harness.publishLegs(after.legs);
    await reported(events, after.callUuid);
    expect(eventsOf(events.values(), call.callUuid)).toHaveLength(before.length);
  });

  it('restores the state after a restart: the call completes with the right payload, no event twice', async () => {
    const call = simulateCall('ivr_then_queue', { seed: 304, startAt: Date.now() - 600_000 });
    const answeredAt = call.truth.answeredAt!;
    const firstPart = call.legs.filter((l) => l.occurred_at <= answeredAt);
    const secondPart = call.legs.filter((l) => l.occurred_at > answeredAt);
    await harness.publishLegs(firstPart);
    await events.until((rs) => rs.some((r) => r.value?.call_uuid === call.callUuid && r.value.event === 'Call:Answer'));
    await app!.close();
    app = undefined;

    // the second half (with a copy of an early leg) waits for the next instance
    await harness.publishLegs([...secondPart, firstPart[3]]);
    app = await harness.startInProcess();
    const got = await reported(events, call.callUuid, 45_000);
    const expected = reference(call);
    expect(idsAndNames(got)).toEqual(idsAndNames(expected));
    expect(payloadOf(got, 'Call:Hangup')).toEqual(payloadOf(expected, 'Call:Hangup'));
    expect(payloadOf(got, 'Call:Reporting')).toEqual(payloadOf(expected, 'Call:Reporting'));
    expect(await counter(app, 'duplicateLegs')).toBe(1);
  });

  it('a second instance joining mid-call takes partitions over with their state: every call completes once, with the right payload', async () => {
    const calls = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => simulateCall(i % 2 ? 'queue_answered' : 'transfer', { seed: 400 + i, startAt: Date.now() - 600_000 }));
    const split = (c: SimulatedCall) => c.truth.answeredAt!;
    await harness.publishLegs(calls.flatMap((c) => c.legs.filter((l) => l.occurred_at <= split(c))));
    await events.until((rs) => calls.every((c) => rs.some((r) => r.value?.call_uuid === c.callUuid && r.value.event === 'Call:Answer')));
    const second = await harness.startInProcess();
    try {
      // wait until both instances own partitions (the rebalance is done), then finish the calls
      await eventually(() => {
        const owned = [app!, second].map((a) => a.get(CallEnrichmentService).store.readyPartitions().length);
        if (owned[0] === 0 || owned[1] === 0 || owned[0] + owned[1] !== 3) throw new Error(`partitions owned: ${owned.join(' + ')}`);
      }, 45_000, 250);
      // the newcomer restored open calls of the partitions it took over from the changelog
      expect((await second.get(CallEnrichmentService).metrics.restores.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
      await harness.publishLegs(calls.flatMap((c) => c.legs.filter((l) => l.occurred_at > split(c))));
      for (const call of calls) {
        const got = await reported(events, call.callUuid, 45_000);
        const expected = reference(call);
        expect(idsAndNames(got)).toEqual(idsAndNames(expected));
        expect(payloadOf(got, 'Call:Reporting')).toEqual(payloadOf(expected, 'Call:Reporting'));
      }
    } finally {
      await second.close();
    }
  });

  it('fires the due timers of a partition in its next batch, before that batch\'s records and in its transaction', async () => {
    // only batches fire timers here: the enricher restarts with its tick a minute away (the last test: it keeps that one)
    await app!.close();
    app = await harness.startInProcess({ ENRICHER_TIMER_INTERVAL_MS: '60000' });
    const call = simulateCall('internal', { seed: 410, startAt: Date.now() - 60_000 });
    await harness.publishLegs(call.legs);
    await events.until((rs) => rs.some((r) => r.value?.call_uuid === call.callUuid), 20_000);
    // the hangup settle (1 s) and the reporting grace (1.5 s) pass with no batch and no tick: nothing fires them
    await new Promise((r) => setTimeout(r, 3000));
    expect(eventsOf(events.values(), call.callUuid).map((e) => e.event)).not.toContain('Call:Hangup');

    // any record of the partition brings a batch: here a repeat of the call's first leg
    const lateBefore = await counter(app!, 'lateLegs');
    await harness.publishLegs([call.legs[0]]);
    const got = await reported(events, call.callUuid, 20_000);
    expect(idsAndNames(got)).toEqual(idsAndNames(reference(call)));
    // the timers ran first: the call was reported when the repeated leg was applied, so it counts as late
    await eventually(async () => expect(await counter(app!, 'lateLegs')).toBe(lateBefore + 1), 5000);
  });
});
