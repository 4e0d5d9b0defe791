import type { DynamicModule, Type } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { ServiceSettings } from '@callhooks/config';
import { HealthModule, MetricsModule, nestLoggerParams, TracingModule } from '@callhooks/observability';
import { KafkaModule } from './kafka.module';

/**
 * What every callhooks service imports first: JSON logs, the metrics registry with /metrics, tracing,
 * /healthz and /readyz, and the Kafka context. A service's AppModule adds its own features.
 */
export function serviceFoundation(config: ServiceSettings<string>): Array<DynamicModule | Type> {
  return [
    LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel, config.logFormat)),
    MetricsModule.forRoot(config.service),
    TracingModule.forRoot(config.service, config.tracing),
    HealthModule,
    KafkaModule.forRoot({ service: config.service, logLevel: config.logLevel, logFormat: config.logFormat, kafka: config.kafka, registry: config.registry, contractBounds: config.contractBounds }),
  ];
}
