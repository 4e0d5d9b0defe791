import { Global, Module, type DynamicModule } from '@nestjs/common';
import { KafkaContext, KAFKA_MODULE_OPTIONS, type KafkaModuleOptions } from './kafka-context';
import { KafkaConsumerTransport } from './transport/kafka-consumer.transport';

export { KafkaContext, type KafkaModuleOptions } from './kafka-context';

/** The Kafka context of a service, and the transport that runs its @KafkaConsumer handlers. */
@Global()
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [{ provide: KAFKA_MODULE_OPTIONS, useValue: options }, KafkaContext, KafkaConsumerTransport],
      exports: [KafkaContext, KafkaConsumerTransport],
    };
  }
}
