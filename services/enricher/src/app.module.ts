import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { ENRICHER_CONFIG, type EnricherConfig } from './config/enricher.config';

@Module({})
export class AppModule {
  static register(config: EnricherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)), MetricsModule.forRoot(config.service), HealthModule],
      providers: [{ provide: ENRICHER_CONFIG, useValue: config }],
      exports: [ENRICHER_CONFIG],
    };
  }
}
