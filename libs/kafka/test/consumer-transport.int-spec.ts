import { randomUUID } from 'node:crypto';
import { Controller, Injectable, Module, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { deadLetterTopicOf, RetryableError, type CallEvent } from '@callhooks/contracts';
import { DLQ_HEADERS, KafkaConsumer, KafkaContext, KafkaModule, startKafkaConsumers, type ConsumedRecord } from '@callhooks/kafka';
import { HealthModule, MetricsModule, ReadinessChecks } from '@callhooks/observability';
import { eventually, requireServers, testCallEvent, testKafkaSettings, TopicCollector, uniquePrefix } from '@callhooks/testing';

const prefix = uniquePrefix('transport');
const group = `g-${randomUUID()}`;

/** What the handler saw and what happened at shutdown, shared with the test. */
@Injectable()
class Witness implements OnApplicationShutdown {
  readonly handled: string[] = [];
  readonly failedOnce = new Set<string>();
  /** The consumer's readiness when the application's shutdown hooks ran: its error, or 'ready'. */
  consumerAtShutdown?: string;

  constructor(private readonly readiness: ReadinessChecks) {}

  async onApplicationShutdown(): Promise<void> {
    const check = new Map(this.readiness.entries()).get('call-events-consumer')!;
    this.consumerAtShutdown = await check().then(
      () => 'ready',
      (err: Error) => err.message,
    );
  }
}

@Controller()
class CallEventsController {
  constructor(
    private readonly witness: Witness,
    private readonly kafka: KafkaContext,
  ) {}

  @KafkaConsumer<CallEventsController, CallEvent>({
    name: 'call-events',
    topics: ['callEvents'],
    settings: () => ({ groupId: group, maxAttempts: 2 }),
    validate: (_, event) => (event.event === 'Call:Initiated' ? 'initiated events are not wanted here' : null),
    prepare: async (self) => (await self.kafka.provisioner()).ensure({ consumes: ['callEvents'] }),
  })
  async handle(records: Array<ConsumedRecord<CallEvent>>): Promise<void> {
    for (const r of records) {
      if (r.value.event === 'Call:Ringing') throw new Error(`poisoned ${r.key}`);
      if (r.value.event === 'Call:Answer' && !this.witness.failedOnce.has(r.value.event_id)) {
        this.witness.failedOnce.add(r.value.event_id);
        throw new RetryableError('a dependency is down for a moment');
      }
    }
    this.witness.handled.push(...records.map((r) => r.value.event_id));
  }
}

@Module({
  imports: [MetricsModule.forRoot('transport-test'), HealthModule, KafkaModule.forRoot({ service: 'transport-test', logLevel: 'silent', ...testKafkaSettings(prefix) })],
  controllers: [CallEventsController],
  providers: [Witness],
})
class TransportTestModule {}

/** The consumer transport as a service uses it: a @KafkaConsumer handler on a controller, started by startKafkaConsumers. */
describe('the Kafka consumer transport', () => {
  let app: INestApplication;
  let dlq: TopicCollector<unknown>;
  let closed = false;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    app = await NestFactory.create(TransportTestModule, { logger: false });
    await startKafkaConsumers(app);
    const kafka = app.get(KafkaContext);
    dlq = await new TopicCollector<never>(kafka.kafka, deadLetterTopicOf(kafka.topicName('callEvents'))).start();
  });
  afterAll(async () => {
    await dlq?.stop();
    if (!closed) await app?.close();
  });

  it('hands batches to the handler, retries a RetryableError, dead-letters bad and poison records with their own reason', async () => {
    const kafka = app.get(KafkaContext);
    const witness = app.get(Witness);
    const call = randomUUID();
    const events = (['Call:Initiated', 'Call:Ringing', 'Call:Answer', 'Call:Hangup'] as const).map((e) => testCallEvent(e, call));
    await kafka.send('callEvents', events.map((value) => ({ key: call, value })));

    await eventually(() => expect(witness.handled).toEqual(expect.arrayContaining([events[2].event_id, events[3].event_id])), 60_000);
    expect(witness.handled).not.toContain(events[1].event_id);
    expect(witness.failedOnce).toContain(events[2].event_id);
    const letters = await dlq.until((r) => r.filter((l) => l.key === call).length >= 2, 30_000);
    const reasons = letters.filter((l) => l.key === call).map((l) => [l.headers[DLQ_HEADERS.errorClass]?.toString(), l.headers[DLQ_HEADERS.reason]?.toString()]);
    // the handler's own error, not Nest's RPC 'Internal server error'
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['contract_violation', 'initiated events are not wanted here'],
        ['handler_error', `Error: poisoned ${call}`],
      ]),
    );
    await eventually(() => new Map(app.get(ReadinessChecks).entries()).get('call-events-consumer')!(), 30_000);
  });

  it('stops the consumers before the shutdown hooks of the application run', async () => {
    const witness = app.get(Witness);
    closed = true;
    await app.close();
    expect(witness.consumerAtShutdown).toMatch(/has not joined its group/);
  });
});
