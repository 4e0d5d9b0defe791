import { DocumentLocks } from '../database/document-locks';
import { Environment, environmentCollection } from '../environments/environment.schema';
import { OperationalWebhook, operationalWebhookCollection } from '../operational-webhooks/operational-webhook.schema';
import { Webhook, webhookCollection } from '../webhooks/webhook.schema';
import type { EntityRef } from './config-store';
import { InMemoryDocumentStore } from './document-store.fake';
import { PublishedDocuments } from './published-documents';

/**
 * The three repositories of published documents over memory, sharing one lock table and
 * recording what they asked the publisher to send: what the services' unit specs run on.
 */
export function inMemoryPublishedDocuments() {
  const locks = new DocumentLocks();
  const published: EntityRef[] = [];
  const publisher = { requestWritten: (ref: EntityRef) => void published.push(ref) };
  const stores = {
    webhooks: new InMemoryDocumentStore<Webhook>(),
    environments: new InMemoryDocumentStore<Environment>(),
    operational: new InMemoryDocumentStore<OperationalWebhook>(),
  };
  return {
    published,
    stores,
    webhooks: new PublishedDocuments(stores.webhooks, publisher, locks, webhookCollection),
    environments: new PublishedDocuments(stores.environments, publisher, locks, environmentCollection),
    operational: new PublishedDocuments(stores.operational, publisher, locks, operationalWebhookCollection),
  };
}
