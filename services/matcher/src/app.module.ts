import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigViewModule } from '@callhooks/config-view';
import { KafkaModule } from '@callhooks/kafka';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { MATCHER_CONFIG, type MatcherConfig } from './config/matcher.config';
import { MatchingModule } from './matching/matching.module';

@Module({})
export class AppModule {
  static register(config: MatcherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)),
        MetricsModule.forRoot(config.service),
        HealthModule,
        KafkaModule.forRoot({ service: config.service, logLevel: config.logLevel, kafka: config.kafka, registry: config.registry }),
        ConfigViewModule.forRoot({ purpose: 'matcher-config-view' }),
        MatchingModule,
      ],
      providers: [{ provide: MATCHER_CONFIG, useValue: config }],
      exports: [MATCHER_CONFIG],
    };
  }
}
