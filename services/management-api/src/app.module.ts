import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from './config/management-api.config';

@Module({})
export class AppModule {
  static register(config: ManagementApiConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)), MetricsModule.forRoot(config.service), HealthModule],
      providers: [{ provide: MANAGEMENT_API_CONFIG, useValue: config }],
      exports: [MANAGEMENT_API_CONFIG],
    };
  }
}
