/**
 * No record stops a consumer: the four services started from the build, then, for every topic
 * they consume (call legs, call events, delivery jobs and every retry tier, delivery results,
 * the config topic read by the matcher's and the dispatcher's views, and the enricher's
 * changelog restore), records no consumer can use: bytes that are not Avro, an unknown schema
 * id, writer schemas registered under another subject that cannot be read as the contract (a
 * required field missing, a wrong type, an unknown enum symbol), a value over the topic's size
 * bound, and records breaking the contract's bounds. Each lands in `<topic>.dlq` with its reason
 * and where it came from, and good records sent after it are processed by the same running
 * services (no restart between). Also: a newer, compatible call-leg writer schema is enriched
 * like the current one.
 */
import { randomUUID } from 'node:crypto';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import { Registry } from 'prom-client';
import { simulateCall } from '@callhooks/call-simulator';
import {
  deadLetterTopicOf,
  loadSchema,
  RETRY_TIERS,
  samplePayload,
  topicSpec,
  valueSubject,
  type AvroRecordSchema,
  type CallEvent,
  type CallLegEvent,
  type ConfigRecord,
  type DeliveryAttemptResult,
  type DeliveryJob,
  type TopicId,
} from '@callhooks/contracts';
import { DLQ_HEADERS, KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { eventually, ManagementClient, pipelineServices, pipelineTestEnv, RecordingReceiver, requireServers, ServiceProcess, startInTurn, testKafkaSettings, testDeliveryResult, TopicCollector, uniqueDatabase, uniquePrefix } from '@callhooks/testing';

const OPERATOR_TOKEN = 'poison-e2e-operator-token-0123456789';
const POISON_HEADER = 'x-poison-case';
const YEAR_9999 = Date.UTC(9999, 0, 1);

interface Poison {
  name: string;
  key: string | null;
  value: Buffer;
  partition?: number;
  errorClass: string;
  reason: RegExp;
}

/** What each consumed topic's poison is made of: a good value, its key, and fields to forge. */
interface TopicCase {
  topic: TopicId;
  good: () => { key: string; value: Record<string, unknown> };
  /** A required string field (left out, or written as a long, by forged writers). */
  requiredField: string;
  /** A top-level enum field (given a symbol we do not know by a forged writer). */
  enumField?: string;
  /** Makes the value larger than the topic's bound. */
  inflate: (value: Record<string, unknown>, bytes: number) => Record<string, unknown>;
  /** Records that decode but break the contract's bounds. */
  breakers: Array<{ name: string; change: (value: Record<string, unknown>) => Record<string, unknown>; key?: (key: string) => string; errorClass?: string; reason: RegExp }>;
  /** The topic's group or reader names: every letter of a case comes from one of them. */
  groups: RegExp;
  /** The good records sent after the poison, when not just `good()`. */
  goodRecords?: () => Array<{ key: string; value: Record<string, unknown> }>;
}

describe('poison records: every consumer sets them aside and goes on', () => {
  const prefix = uniquePrefix('poison');
  const database = uniqueDatabase('poison');
  const customerId = `cust-${prefix.slice(2, 14).replace(/\W/g, '')}`;
  const receiver = new RecordingReceiver();
  let services: ServiceProcess[] = [];
  let api: ManagementClient;
  let receiverUrl: string;
  let kafka: KafkaContext;
  let hangupHook: { id: string };
  const collectors: Array<TopicCollector<unknown>> = [];

  const collect = async <T>(topic: string, decode = true): Promise<TopicCollector<T>> => {
    const c = await new TopicCollector<T>(kafka.kafka, topic, decode ? kafka.serde : undefined).start();
    collectors.push(c as TopicCollector<unknown>);
    return c;
  };
  const logs = () => services.map((s) => `--- ${s.name}\n${s.logs()}`).join('\n');

  const leg = (over: Partial<CallLegEvent> = {}): CallLegEvent => ({
    ...simulateCall('internal', { seed: 1, customerId, environmentId: 'env-1', startAt: Date.now() - 60_000 }).legs[0],
    event_id: randomUUID(),
    call_uuid: randomUUID(),
    ...over,
  });
  const callEvent = (over: Partial<CallEvent> = {}): CallEvent => {
    const call = randomUUID();
    return {
      event_id: randomUUID(),
      event: 'Call:Hangup',
      call_uuid: call,
      customer_id: customerId,
      environment_id: 'env-1',
      occurred_at: Date.now(),
      emitted_at: Date.now(),
      started_at_ms: Date.now() - 60_000,
      answered_at_ms: null,
      payload: { ...samplePayload(), uuid: call },
      ...over,
    };
  };
  const job = (over: Partial<DeliveryJob> = {}): DeliveryJob => ({
    delivery_id: randomUUID(),
    webhook_id: hangupHook.id,
    customer_id: customerId,
    environment_id: 'env-1',
    event_id: randomUUID(),
    event: 'Call:Hangup',
    call_uuid: null,
    origin: 'EVENT',
    method: 'POST',
    url: `${receiverUrl}/hooks/${hangupHook.id}`,
    body: '{"ok":true}',
    headers: {},
    attempt: 1,
    created_at: Date.now(),
    not_before: null,
    ...over,
  });
  const result = (over: Partial<DeliveryAttemptResult> = {}): DeliveryAttemptResult =>
    testDeliveryResult({
      webhook_id: hangupHook.id,
      customer_id: customerId,
      environment_id: 'env-1',
      latency_ms: 3,
      response_snippet: 'ok',
      url: `${receiverUrl}/hooks/${hangupHook.id}`,
      request_body: '{}',
      ...over,
    });
  const padding = (bytes: number) => 'x'.repeat(bytes);
  /** A simulated call under fresh ids (the simulator's are fixed by its seed), with `extra` fields on each leg. */
  const freshCall = (seed: number, extra: Record<string, unknown> = {}, startAt = Date.now() - 120_000) => {
    const call = simulateCall('queue_answered', { seed, customerId, environmentId: 'env-1', startAt });
    const ids = new Map<string, string>();
    const renamed = (id: string) => ids.get(id) ?? (ids.set(id, randomUUID()), ids.get(id)!);
    const legs = call.legs.map((l) => ({ ...l, event_id: renamed(l.event_id), call_uuid: renamed(l.call_uuid), leg_uuid: renamed(l.leg_uuid), ...extra }));
    return { callUuid: renamed(call.callUuid), legs, events: call.truth.events };
  };

  const cases: TopicCase[] = [
    {
      topic: 'callLegs',
      good: () => {
        const l = leg();
        return { key: l.call_uuid, value: l as unknown as Record<string, unknown> };
      },
      requiredField: 'event_id',
      enumField: 'kind',
      inflate: (v, n) => ({ ...v, recording_url: padding(n) }),
      breakers: [
        { name: 'year-9999 occurred_at', change: (v) => ({ ...v, occurred_at: YEAR_9999 }), reason: /occurred_at 9999-01-01T00:00:00.000Z is more than \d+ ms in the future/ },
        { name: 'seconds for milliseconds', change: (v) => ({ ...v, occurred_at: Math.floor(Date.now() / 1000) }), reason: /occurred_at 1970-.* in the past/ },
        { name: 'empty event_id', change: (v) => ({ ...v, event_id: ' ' }), reason: /event_id is empty/ },
        { name: 'over-long call_uuid', change: (v) => ({ ...v, call_uuid: 'c'.repeat(300) }), key: () => 'c'.repeat(300), reason: /call_uuid is 300 characters long/ },
      ],
      groups: /callhooks-enricher$/,
      goodRecords: () => freshCall(11).legs.map((l) => ({ key: l.call_uuid, value: l as unknown as Record<string, unknown> })),
    },
    {
      topic: 'callEvents',
      good: () => {
        const e = callEvent();
        return { key: e.call_uuid, value: e as unknown as Record<string, unknown> };
      },
      requiredField: 'event_id',
      inflate: (v, n) => ({ ...v, payload: { ...(v.payload as object), recording_url: padding(n) } }),
      breakers: [
        { name: 'year-9999 occurred_at', change: (v) => ({ ...v, occurred_at: YEAR_9999 }), reason: /occurred_at 9999-.* in the future/ },
        { name: 'unknown event name', change: (v) => ({ ...v, event: 'Call:Exploded' }), reason: /unknown event name "Call:Exploded"/ },
        { name: 'empty customer_id', change: (v) => ({ ...v, customer_id: '' }), reason: /customer_id is empty/ },
      ],
      groups: /callhooks-matcher$/,
    },
    ...(['deliveries', ...RETRY_TIERS.map((t) => `deliveriesRetry${t.name}`)] as TopicId[]).map(
      (topic): TopicCase => ({
        topic,
        good: () => {
          const j = job({ not_before: topic === 'deliveries' ? null : Date.now() });
          return { key: new URL(j.url).origin, value: j as unknown as Record<string, unknown> };
        },
        requiredField: 'delivery_id',
        enumField: 'origin',
        inflate: (v, n) => ({ ...v, body: padding(n) }),
        breakers: [
          { name: 'year-9999 created_at', change: (v) => ({ ...v, created_at: YEAR_9999 }), reason: /created_at 9999-.* in the future/ },
          { name: 'over-long webhook_id', change: (v) => ({ ...v, webhook_id: 'w'.repeat(257) }), reason: /webhook_id is 257 characters long/ },
          { name: 'forged signature header', change: (v) => ({ ...v, headers: { 'Webhook-Signature': 'v1,forged' } }), reason: /set by the dispatcher/ },
        ],
        groups: /callhooks-dispatcher$/,
      }),
    ),
    {
      topic: 'deliveryResults',
      good: () => {
        const r = result();
        return { key: r.delivery_id, value: r as unknown as Record<string, unknown> };
      },
      requiredField: 'delivery_id',
      enumField: 'outcome',
      inflate: (v, n) => ({ ...v, request_body: padding(n) }),
      breakers: [
        { name: 'year-9999 attempted_at', change: (v) => ({ ...v, attempted_at: YEAR_9999 }), reason: /attempted_at 9999-.* in the future/ },
        { name: 'empty delivery_id', change: (v) => ({ ...v, delivery_id: '' }), reason: /delivery_id is empty/ },
        { name: 'attempt 0', change: (v) => ({ ...v, attempt: 0 }), reason: /attempt 0 is below 1/ },
      ],
      groups: /callhooks-delivery-log$/,
    },
    {
      topic: 'webhookConfig',
      good: () => {
        // the webhook the suite delivers to, at a version above any the API will publish: a
        // poison variant of it must not replace or delete it
        const record: ConfigRecord = {
          entity_type: 'WEBHOOK',
          entity_id: hangupHook.id,
          customer_id: customerId,
          version: 1_000_000,
          deleted: false,
          published_at: Date.now(),
          webhook: null,
          environment: null,
        };
        return { key: `WEBHOOK:${hangupHook.id}`, value: record as unknown as Record<string, unknown> };
      },
      requiredField: 'entity_id',
      enumField: 'entity_type',
      inflate: (v, n) => ({ ...v, deleted: true, published_at: Date.now(), webhook: null, entity_id: padding(n) }),
      breakers: [
        { name: 'live webhook without content', change: (v) => v, reason: /a webhook record that is not deleted has no webhook/ },
        { name: 'year-9999 published_at', change: (v) => ({ ...v, deleted: true, published_at: YEAR_9999 }), reason: /published_at 9999-.* in the future/ },
        { name: 'record under another key', change: (v) => ({ ...v, deleted: true }), key: () => 'WEBHOOK:someone-else', reason: /record key "WEBHOOK:someone-else" is not/ },
      ],
      groups: /callhooks-(matcher|dispatcher)-config-view-[0-9a-f-]+$/,
    },
  ];

  /** The poison records of a topic case (headers name them), encoded as a forged or broken producer would. */
  async function poisonOf(c: TopicCase): Promise<Poison[]> {
    const spec = topicSpec(c.topic);
    const contract = loadSchema(spec.schema!);
    const { key, value } = c.good();
    const forged = async (name: string, edit: (s: AvroRecordSchema) => void, v: Record<string, unknown>, reason: RegExp): Promise<Poison> => {
      const schema = structuredClone(contract);
      edit(schema);
      const { id } = await kafka.serde.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${prefix}forged-${c.topic}-${name}-value` });
      const framed = Buffer.alloc(5);
      framed.writeInt32BE(id, 1);
      return { name, key, value: Buffer.concat([framed, Type.forSchema(schema as never).toBuffer(v)]), errorClass: 'decode_error', reason };
    };
    const field = (s: AvroRecordSchema, name: string) => s.fields.find((f) => f.name === name)!;
    const { [c.requiredField]: _dropped, ...withoutRequired } = value;
    const poisons: Poison[] = [
      { name: 'not Avro', key, value: Buffer.from('{"not":"avro"}'), errorClass: 'decode_error', reason: /not a Confluent Avro record: magic byte 123/ },
      { name: 'unknown schema id', key, value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]), errorClass: 'decode_error', reason: /the registry knows no schema id 2147483632/ },
      await forged('missing field', (s) => (s.fields = s.fields.filter((f) => f.name !== c.requiredField)), withoutRequired, new RegExp(`field ${c.requiredField} is missing and has no default`)),
      await forged('wrong type', (s) => (field(s, c.requiredField).type = 'long'), { ...value, [c.requiredField]: 42 }, new RegExp(`field ${c.requiredField}: cannot read "long" as "string"`)),
      {
        name: 'oversized',
        key,
        value: await kafka.serde.encode(kafka.topicName(c.topic), spec.schema!, c.inflate(value, spec.maxValueBytes)),
        errorClass: 'oversized',
        reason: new RegExp(`value of \\d+ bytes is over the ${spec.maxValueBytes} bytes accepted`),
      },
    ];
    if (c.enumField) {
      const enumField = c.enumField;
      poisons.push(
        await forged('unknown enum symbol', (s) => (field(s, enumField).type as { symbols: string[] }).symbols.push('FORGED_SYMBOL'), { ...value, [enumField]: 'FORGED_SYMBOL' }, new RegExp(`unknown enum symbol "FORGED_SYMBOL" at ${enumField}`)),
      );
    }
    for (const b of c.breakers) {
      poisons.push({
        name: b.name,
        key: b.key ? b.key(key) : key,
        value: await kafka.serde.encode(kafka.topicName(c.topic), spec.schema!, b.change(value)),
        errorClass: b.errorClass ?? 'contract_violation',
        reason: b.reason,
      });
    }
    return poisons;
  }

  async function sendRaw(topic: TopicId, poisons: Poison[]): Promise<void> {
    const producer = kafka.kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: kafka.topicName(topic),
        messages: poisons.map((p) => ({ key: p.key, value: p.value, partition: p.partition, headers: { [POISON_HEADER]: `${topic}/${p.name}` } })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  /** Every poison of `topic` is in its DLQ with its class, reason, source and group. */
  async function expectDeadLettered(topic: TopicId, poisons: Poison[], groups: RegExp, dlq: TopicCollector<never>): Promise<void> {
    const named = (name: string) => dlq.records.filter((r) => r.headers[POISON_HEADER]?.toString() === `${topic}/${name}`);
    await eventually(() => {
      const missing = poisons.filter((p) => named(p.name).length === 0).map((p) => p.name);
      if (missing.length > 0) throw new Error(`${topic}: not dead-lettered yet: ${missing.join(', ')}`);
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    for (const p of poisons) {
      for (const letter of named(p.name)) {
        const header = (h: string) => letter.headers[h]?.toString();
        expect({ case: `${topic}/${p.name}`, errorClass: header(DLQ_HEADERS.errorClass) }).toEqual({ case: `${topic}/${p.name}`, errorClass: p.errorClass });
        expect(header(DLQ_HEADERS.reason)).toMatch(p.reason);
        expect(header(DLQ_HEADERS.sourceTopic)).toBe(kafka.topicName(topic));
        expect(header(DLQ_HEADERS.sourcePartition)).toMatch(/^\d+$/);
        expect(header(DLQ_HEADERS.sourceOffset)).toMatch(/^\d+$/);
        expect(header(DLQ_HEADERS.consumerGroup)).toMatch(groups);
        // the original bytes, untouched, for a replay
        expect(letter.raw?.equals(p.value)).toBe(true);
      }
    }
  }

  /** The poison of the changelog, written before the enricher starts: its restore must set it aside. */
  let changelogPoison: Poison[] = [];

  beforeAll(async () => {
    await requireServers();
    receiverUrl = await receiver.start();
    kafka = new KafkaContext({ service: 'poison-test', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    await (await kafka.provisioner()).ensure({ consumes: ['callLegs', 'enricherState'] });
    const state = loadSchema('enricher-call-state');
    const stateId = await kafka.serde.schemaId(kafka.topicName('enricherState'), 'enricher-call-state');
    const frame = (schema: object, v: unknown, id: number) => {
      const header = Buffer.alloc(5);
      header.writeInt32BE(id, 1);
      return Buffer.concat([header, Type.forSchema(schema as never).toBuffer(v)]);
    };
    const missingJson = { ...state, fields: state.fields.filter((f) => f.name !== 'state_json') };
    const missingId = (await kafka.serde.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(missingJson) }, { subject: `${prefix}forged-state-value` })).id;
    const call = () => randomUUID();
    changelogPoison = [
      { name: 'not Avro', key: call(), value: Buffer.from('garbage'), errorClass: 'decode_error', reason: /not a Confluent Avro record/ },
      { name: 'unknown schema id', key: call(), value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 2]), errorClass: 'decode_error', reason: /knows no schema id/ },
      { name: 'missing field', key: call(), value: frame(missingJson, { state_version: 1 }, missingId), errorClass: 'decode_error', reason: /field state_json is missing and has no default/ },
      { name: 'oversized', key: call(), value: frame(state, { state_version: 1, state_json: padding(600_000) }, stateId), errorClass: 'oversized', reason: /over the 524288 bytes accepted/ },
      { name: 'state not JSON', key: call(), value: frame(state, { state_version: 1, state_json: '{not json' }, stateId), errorClass: 'handler_error', reason: /state_json is not JSON/ },
      { name: 'unknown state version', key: call(), value: frame(state, { state_version: 999, state_json: '{}' }, stateId), errorClass: 'handler_error', reason: /state_version 999/ },
    ].map((p) => ({ ...p, partition: 0 }));
    await sendRaw('enricherState', changelogPoison);

    services = pipelineServices(pipelineTestEnv(prefix, { database, operatorToken: OPERATOR_TOKEN }));
    await startInTurn(services);
    api = await ManagementClient.forNewCustomer(services[0].url, OPERATOR_TOKEN, customerId);
    await api.request('PUT', '/v1/environments/env-1', { name: 'One', timezone: 'UTC' });
    const created = await api.request<{ id: string }>('POST', '/v1/webhooks', { event: 'Call:Hangup', method: 'POST', url: `${receiverUrl}/hooks/pending`, body: null, enabled: true });
    hangupHook = await api.request<{ id: string }>('PATCH', `/v1/webhooks/${created.id}`, { url: `${receiverUrl}/hooks/${created.id}` });
    await api.request('PUT', '/v1/environments/env-1/webhooks', { webhook_ids: [hangupHook.id] });
    // the views have it once a call event gets delivered to it
    await eventually(async () => {
      const e = callEvent();
      await kafka.send('callEvents', [{ key: e.call_uuid, value: e }]);
      await eventually(() => expect(receiver.to(`/hooks/${hangupHook.id}`).some((r) => r.body.includes(e.call_uuid))).toBe(true), 3000);
    }, 60_000);
  }, 300_000);

  afterAll(async () => {
    for (const c of collectors) await c.stop().catch(() => undefined);
    for (const s of services.reverse()) await s.stop();
    await receiver.stop();
    await kafka?.onApplicationShutdown();
  });

  it('the enricher restore set the changelog poison aside and enriches calls', async () => {
    const dlq = await collect<never>(deadLetterTopicOf(kafka.topicName('enricherState')), false);
    await expectDeadLettered('enricherState', changelogPoison, /callhooks-enricher-restore-[0-9a-f-]+$/, dlq);
  });

  it.each(['callLegs', 'callEvents', 'deliveries', ...RETRY_TIERS.map((t) => `deliveriesRetry${t.name}`), 'deliveryResults'] as TopicId[])(
    '%s: each poison record goes to its DLQ with its reason, and good records after it are processed',
    async (topic) => {
      const c = cases.find((x) => x.topic === topic)!;
      const dlq = await collect<never>(deadLetterTopicOf(kafka.topicName(topic)), false);
      const poisons = await poisonOf(c);
      await sendRaw(topic, poisons);
      const good = c.goodRecords?.() ?? [c.good()];
      await kafka.send(topic, good);
      await expectDeadLettered(topic, poisons, c.groups, dlq);
      await processed(topic, good[0].value);
    },
    120_000,
  );

  /** Evidence that the good record was processed by the running service that consumes `topic`. */
  async function processed(topic: TopicId, value: Record<string, unknown>): Promise<void> {
    const fail = (err: Error) => {
      throw new Error(`${topic}: the good record was not processed: ${err.message}\n${logs()}`);
    };
    if (topic === 'callLegs') {
      const events = await collect<CallEvent>(kafka.topicName('callEvents'));
      await events.until((r) => r.some((x) => (x.value as CallEvent | null)?.call_uuid === value.call_uuid), 60_000).catch(fail);
    } else if (topic === 'callEvents') {
      await eventually(() => expect(receiver.to(`/hooks/${hangupHook.id}`).some((r) => r.body.includes(String(value.call_uuid)))).toBe(true), 60_000).catch(fail);
    } else if (topic === 'deliveryResults') {
      await eventually(() => api.request('GET', `/v1/deliveries/${String(value.delivery_id)}`), 60_000).catch(fail);
    } else {
      await eventually(() => expect(receiver.to(`/hooks/${hangupHook.id}`).some((r) => r.headers['webhook-id'] === value.delivery_id)).toBe(true), 60_000).catch(fail);
    }
  }

  it('webhookConfig: both config views set each poison record aside, keep the webhooks they know and apply what follows', async () => {
    const c = cases.find((x) => x.topic === 'webhookConfig')!;
    const dlq = await collect<never>(deadLetterTopicOf(kafka.topicName('webhookConfig')), false);
    const poisons = await poisonOf(c);
    await sendRaw('webhookConfig', poisons);
    await expectDeadLettered('webhookConfig', poisons, c.groups, dlq);
    // the matcher's view and the dispatcher's each set every record aside
    await eventually(() => {
      for (const p of poisons) {
        const letters = dlq.records.filter((r) => r.headers[POISON_HEADER]?.toString() === `webhookConfig/${p.name}`);
        const readers = new Set(letters.map((r) => r.headers[DLQ_HEADERS.consumerGroup]!.toString().replace(/-[0-9a-f]{8}-[0-9a-f-]+$/, '')));
        expect([p.name, [...readers].sort()]).toEqual([p.name, ['callhooks-dispatcher-config-view', 'callhooks-matcher-config-view']]);
      }
    }, 30_000);
    // still known to both: a hang-up is matched (matcher) and delivered (dispatcher)
    const known = callEvent();
    await kafka.send('callEvents', [{ key: known.call_uuid, value: known }]);
    await eventually(() => expect(receiver.to(`/hooks/${hangupHook.id}`).some((r) => r.body.includes(known.call_uuid))).toBe(true), 60_000);
    // and a change published after the poison applies: a new webhook gets its deliveries
    const created = await api.request<{ id: string }>('POST', '/v1/webhooks', { event: 'Call:Answer', method: 'POST', url: `${receiverUrl}/hooks/pending`, body: null, enabled: true });
    const answerHook = await api.request<{ id: string }>('PATCH', `/v1/webhooks/${created.id}`, { url: `${receiverUrl}/hooks/${created.id}` });
    await api.request('PUT', '/v1/environments/env-1/webhooks', { webhook_ids: [hangupHook.id, answerHook.id] });
    await eventually(async () => {
      const answer = callEvent({ event: 'Call:Answer', answered_at_ms: Date.now() });
      await kafka.send('callEvents', [{ key: answer.call_uuid, value: answer }]);
      await eventually(() => expect(receiver.to(`/hooks/${answerHook.id}`).some((r) => r.body.includes(answer.call_uuid))).toBe(true), 3000);
    }, 60_000);
  }, 180_000);

  it('a newer call-leg writer schema with one added optional field is enriched like the current one', async () => {
    const events = await collect<CallEvent>(kafka.topicName('callEvents'));
    const startAt = Date.now() - 120_000;
    const current = freshCall(5, {}, startAt);
    const newer = freshCall(5, { trunk_id: 'trunk-7' }, startAt);
    const schema = structuredClone(loadSchema('call-leg'));
    schema.fields.push({ name: 'trunk_id', type: ['null', 'string'], default: null, doc: 'added by a newer platform' });
    // a new version under the topic's own subject, as the platform would register it
    const { id } = await kafka.serde.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: valueSubject(kafka.topicName('callLegs')) });
    const type = Type.forSchema(schema as never);
    await kafka.send('callLegs', current.legs.map((l) => ({ key: l.call_uuid, value: l })));
    const producer = kafka.kafka.producer();
    await producer.connect();
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    await producer.send({ topic: kafka.topicName('callLegs'), messages: newer.legs.map((l) => ({ key: l.call_uuid, value: Buffer.concat([header, type.toBuffer(l)]) })) });
    await producer.disconnect();

    const of = (call: string) => events.values().filter((e) => e.call_uuid === call);
    const names = (call: string) => of(call).map((e) => e.event).sort();
    await eventually(() => {
      expect(names(current.callUuid)).toEqual([...current.events].sort());
      expect(names(newer.callUuid)).toEqual([...current.events].sort());
    }, 60_000);
    const comparable = (e: CallEvent) => ({ ...e, event_id: undefined, call_uuid: undefined, emitted_at: undefined, payload: { ...e.payload, uuid: undefined } });
    const byName = (call: string) => of(call).map(comparable).sort((a, b) => a.event.localeCompare(b.event));
    expect(byName(newer.callUuid)).toEqual(byName(current.callUuid));
  }, 120_000);
});
