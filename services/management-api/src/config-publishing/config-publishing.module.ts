import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { ConfigPublisher } from './config-publisher';
import { ConfigPublishingMetrics } from './config-publishing.metrics';
import { ConfigReconciler } from './config-reconciler';
import { ConfigSink, ConfigStore } from './config-store';
import { KafkaConfigSink } from './kafka-config.sink';
import { MongoConfigStore } from './mongo-config.store';

/**
 * Publishing of webhooks and environments to the compacted config topic. Feature services
 * write to MongoDB (version + 1, publish_pending) and then call ConfigPublisher.request().
 */
@Module({
  providers: [
    { provide: ConfigStore, useClass: MongoConfigStore },
    { provide: ConfigSink, useClass: KafkaConfigSink },
    {
      provide: ConfigPublishingMetrics,
      inject: [Registry, ConfigStore],
      useFactory: (registry: Registry, store: ConfigStore) => new ConfigPublishingMetrics(registry, () => store.countPending()),
    },
    {
      provide: ConfigPublisher,
      inject: [ConfigStore, ConfigSink, ConfigPublishingMetrics],
      useFactory: (store: ConfigStore, sink: ConfigSink, metrics: ConfigPublishingMetrics) => new ConfigPublisher(store, sink, metrics),
    },
    {
      provide: ConfigReconciler,
      inject: [ConfigStore, ConfigPublisher, ConfigPublishingMetrics, MANAGEMENT_API_CONFIG],
      useFactory: (store: ConfigStore, publisher: ConfigPublisher, metrics: ConfigPublishingMetrics, config: ManagementApiConfig) =>
        new ConfigReconciler(store, publisher, metrics, {
          intervalMs: config.publishing.reconcileIntervalMs,
          graceMs: Math.min(1000, config.publishing.reconcileIntervalMs),
          pageSize: 1000,
        }),
    },
  ],
  exports: [ConfigPublisher, ConfigReconciler],
})
export class ConfigPublishingModule {}
