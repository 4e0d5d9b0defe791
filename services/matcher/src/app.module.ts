import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { MATCHER_CONFIG, type MatcherConfig } from './config/matcher.config';

@Module({})
export class AppModule {
  static register(config: MatcherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)), MetricsModule.forRoot(config.service), HealthModule],
      providers: [{ provide: MATCHER_CONFIG, useValue: config }],
      exports: [MATCHER_CONFIG],
    };
  }
}
