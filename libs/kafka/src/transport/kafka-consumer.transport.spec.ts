import { Controller, Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { commonEnvSchema, kafkaSettings, loadConfig, registrySettings } from '@callhooks/config';
import { RetryableError } from '@callhooks/contracts';
import { HealthModule, MetricsModule } from '@callhooks/observability';
import type { BatchContext } from '../batch-context';
import { KafkaModule } from '../kafka.module';
import { handlerFailures, KafkaConsumer } from './kafka-consumer.decorator';
import { KafkaConsumerTransport } from './kafka-consumer.transport';
import { startKafkaConsumers } from './start-kafka-consumers';

// port 1 on loopback: nothing listens; these tests fail before any connection is needed
const env = loadConfig('test', commonEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'silent' });

/** An application of one controller, with what the transport needs (metrics, health, the Kafka context). */
async function appWith(controller: Type): Promise<INestApplication> {
  @Module({
    imports: [MetricsModule.forRoot('test'), HealthModule, KafkaModule.forRoot({ service: 'test', logLevel: 'silent', kafka: kafkaSettings(env, 'test'), registry: registrySettings(env) })],
    controllers: [controller],
  })
  class TestModule {}
  return NestFactory.create(TestModule, { logger: false });
}

@Controller()
class Owner {
  readonly seen: Array<[unknown, unknown]> = [];

  @KafkaConsumer<Owner, unknown>({ name: 'owned', topics: ['callLegs'], settings: () => ({ groupId: 'g' }) })
  async handle(records: unknown[], ctx: BatchContext): Promise<void> {
    this.seen.push([records, ctx]);
    throw new RetryableError('down for a moment');
  }
}

describe('@KafkaConsumer', () => {
  it('gets a handler called through Nest with its records and context, and hands its error back as thrown', async () => {
    const app = await appWith(Owner);
    await app.init();
    const transport = app.get(KafkaConsumerTransport);
    app.connectMicroservice({ strategy: transport });
    const ctx = {} as BatchContext;
    // what the transport calls for a unit of work: Nest's handler, with its pipes and interceptors
    await transport.getHandlers().get('owned')!(['r1'], ctx);
    expect(app.get(Owner).seen).toEqual([[['r1'], ctx]]);
    // Nest's RPC exception layer would have made it { status: 'error', message: 'Internal server error' }
    const failure = handlerFailures.get(ctx);
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as Error).message).toBe('down for a moment');
    await app.close();
  });
});

describe('KafkaConsumerTransport', () => {
  it('refuses to start a message handler that declares no Kafka consumer, naming it', async () => {
    @Controller()
    class Plain {
      @EventPattern('bare-pattern')
      handle(): void {}
    }
    const app = await appWith(Plain);
    await expect(startKafkaConsumers(app)).rejects.toThrow(/@EventPattern\('bare-pattern'\) has no Kafka consumer declaration/);
    await app.close();
  });

  it('refuses two handlers of one consumer', async () => {
    @Controller()
    class Twice {
      @KafkaConsumer<Twice, unknown>({ name: 'twice', topics: ['callLegs'], settings: () => ({ groupId: 'g' }) })
      async one(): Promise<void> {}

      @KafkaConsumer<Twice, unknown>({ name: 'twice', topics: ['callLegs'], settings: () => ({ groupId: 'g' }) })
      async two(): Promise<void> {}
    }
    const app = await appWith(Twice);
    await expect(startKafkaConsumers(app)).rejects.toThrow(/two handlers declare the Kafka consumer 'twice'/);
    await app.close();
  });
});
