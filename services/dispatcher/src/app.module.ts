import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { KafkaModule } from '@callhooks/kafka';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './config/dispatcher.config';
import { DeliveryModule } from './delivery/delivery.module';

@Module({})
export class AppModule {
  static register(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)),
        MetricsModule.forRoot(config.service),
        HealthModule,
        KafkaModule.forRoot({ service: config.service, logLevel: config.logLevel, kafka: config.kafka, registry: config.registry }),
        DeliveryModule,
      ],
      providers: [{ provide: DISPATCHER_CONFIG, useValue: config }],
      exports: [DISPATCHER_CONFIG],
    };
  }
}
