import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './config/dispatcher.config';

@Module({})
export class AppModule {
  static register(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)), MetricsModule.forRoot(config.service), HealthModule],
      providers: [{ provide: DISPATCHER_CONFIG, useValue: config }],
      exports: [DISPATCHER_CONFIG],
    };
  }
}
