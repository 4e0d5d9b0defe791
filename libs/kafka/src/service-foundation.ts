import type { DynamicModule, Type } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { ServiceSettings } from '@callhooks/config';
import { HealthModule, MetricsModule, nestLoggerParams } from '@callhooks/observability';
import { KafkaModule } from './kafka.module';

/**
 * What every callhooks service imports first: JSON logs, the metrics registry with /metrics,
 * /healthz and /readyz, and the Kafka context. A service's AppModule adds its own features.
 */
export function serviceFoundation(config: ServiceSettings<string>): Array<DynamicModule | Type> {
  return [
    LoggerModule.forRoot(nestLoggerParams(config.service, config.logLevel)),
    MetricsModule.forRoot(config.service),
    HealthModule,
    KafkaModule.forRoot({ service: config.service, logLevel: config.logLevel, kafka: config.kafka, registry: config.registry, contractBounds: config.contractBounds }),
  ];
}
