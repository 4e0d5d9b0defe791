import { Module, type Provider } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Registry } from 'prom-client';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { ConfigPublisher } from './config-publisher';
import { ConfigPublishingMetrics } from './config-publishing.metrics';
import { ConfigReconciler } from './config-reconciler';
import { ConfigSink, ConfigStore } from './config-store';
import { KafkaConfigSink } from './kafka-config.sink';
import { MongoConfigStore } from './mongo-config.store';
import { ListedDocumentStore } from './listed-document.store';
import { MongoDocumentStore } from './mongo-document.store';
import { PublishedDocuments, type PublishedCollection, type StoredDocument } from './published-documents';
import { DocumentLocks } from '../database/document-locks';
import { ENVIRONMENT_DOCUMENTS, Environment, environmentCollection } from '../environments/environment.schema';
import { OPERATIONAL_WEBHOOK_DOCUMENTS, OperationalWebhook, operationalWebhookCollection } from '../operational-webhooks/operational-webhook.schema';
import { WebhookList } from '../webhooks/webhook-list';
import { WEBHOOK_DOCUMENTS, Webhook, webhookCollection } from '../webhooks/webhook.schema';

/** The repository of one collection of published documents, over its MongoDB model. */
function publishedDocuments<T extends StoredDocument>(token: symbol, modelName: string, collection: PublishedCollection<T>): Provider {
  return {
    provide: token,
    inject: [getModelToken(modelName), ConfigPublisher, DocumentLocks],
    useFactory: (model: Model<T>, publisher: ConfigPublisher, locks: DocumentLocks) => new PublishedDocuments(new MongoDocumentStore(model), publisher, locks, collection),
  };
}

/** The webhooks' repository: MongoDB, each write copied to the webhook list (PostgreSQL). */
const webhookDocuments: Provider = {
  provide: WEBHOOK_DOCUMENTS,
  inject: [getModelToken(Webhook.name), ConfigPublisher, DocumentLocks, WebhookList],
  useFactory: (model: Model<Webhook>, publisher: ConfigPublisher, locks: DocumentLocks, list: WebhookList) =>
    new PublishedDocuments(new ListedDocumentStore(new MongoDocumentStore(model), list), publisher, locks, webhookCollection),
};

/**
 * Publishing of webhooks, environments and operational webhooks to the compacted config
 * topic (and of webhooks to the webhook list). Feature services write them only through their PublishedDocuments (version + 1,
 * publish_pending, then ConfigPublisher.request()).
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
    WebhookList,
    webhookDocuments,
    publishedDocuments(ENVIRONMENT_DOCUMENTS, Environment.name, environmentCollection),
    publishedDocuments(OPERATIONAL_WEBHOOK_DOCUMENTS, OperationalWebhook.name, operationalWebhookCollection),
  ],
  exports: [ConfigPublisher, ConfigReconciler, WebhookList, WEBHOOK_DOCUMENTS, ENVIRONMENT_DOCUMENTS, OPERATIONAL_WEBHOOK_DOCUMENTS],
})
export class ConfigPublishingModule {}
