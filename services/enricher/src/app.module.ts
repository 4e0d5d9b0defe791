import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { KafkaModule } from '@callhooks/kafka';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { ENRICHER_CONFIG, type EnricherConfig } from './config/enricher.config';
import { EnrichmentModule } from './enrichment/enrichment.module';

@Module({})
export class AppModule {
  static register(config: EnricherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)),
        MetricsModule.forRoot(config.service),
        HealthModule,
        KafkaModule.forRoot({ service: config.service, logLevel: config.logLevel, kafka: config.kafka, registry: config.registry }),
        EnrichmentModule,
      ],
      providers: [{ provide: ENRICHER_CONFIG, useValue: config }],
      exports: [ENRICHER_CONFIG],
    };
  }
}
