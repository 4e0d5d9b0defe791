import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { Environment } from '../environments/environment.schema';
import { OperationalWebhook } from '../operational-webhooks/operational-webhook.schema';
import { WebhookList } from '../webhooks/webhook-list';
import { Webhook } from '../webhooks/webhook.schema';
import { environmentConfigKey, environmentRecord, operationalWebhookRecord, webhookConfigKey, webhookRecord } from './config-record.mapper';
import { DocumentLocks } from '../database/document-locks';
import { publishedDocumentLock } from './published-documents';
import { ConfigStore, type ConfigEntityType, type EntityRef, type PublishableEntity, type PublishRequest } from './config-store';

/** Documents read or acknowledged at once. */
const CONCURRENCY = 8;

/** ConfigStore over the webhooks, environments and operational webhooks collections. */
@Injectable()
export class MongoConfigStore extends ConfigStore {
  constructor(
    @InjectModel(Webhook.name) private readonly webhooks: Model<Webhook>,
    @InjectModel(Environment.name) private readonly environments: Model<Environment>,
    @InjectModel(OperationalWebhook.name) private readonly operational: Model<OperationalWebhook>,
    private readonly locks: DocumentLocks,
    private readonly webhookList: WebhookList,
  ) {
    super();
  }

  async load(requests: PublishRequest[]): Promise<PublishableEntity[]> {
    const now = Date.now();
    const [webhooks, environments, operational] = await Promise.all([
      documentsOf(requests, 'WEBHOOK', this.webhooks),
      documentsOf(requests, 'ENVIRONMENT', this.environments),
      documentsOf(requests, 'OPERATIONAL_WEBHOOK', this.operational),
    ]);
    // the webhook list at least at the version published: repairs a copy that failed after a write
    await this.webhookList.repair(webhooks);
    return [
      ...webhooks.map((w): PublishableEntity => ({
        ref: { type: 'WEBHOOK', id: w._id },
        version: w.version,
        key: webhookConfigKey(w._id),
        record: webhookRecord(w, now),
      })),
      ...environments.map((e): PublishableEntity => ({
        ref: { type: 'ENVIRONMENT', id: e._id },
        version: e.version,
        key: environmentConfigKey(e.customer_id, e.environment_id),
        record: environmentRecord(e, now),
      })),
      ...operational.map((o): PublishableEntity => ({
        ref: { type: 'OPERATIONAL_WEBHOOK', id: o._id },
        version: o.version,
        key: webhookConfigKey(o._id),
        record: operationalWebhookRecord(o, now),
      })),
    ];
  }

  async acknowledge(entities: PublishableEntity[]): Promise<EntityRef[]> {
    // under the documents' locks: on FerretDB an acknowledgement racing an API write to the
    // same document could erase that write (see DocumentLocks)
    return this.locks.runAll(
      entities.map((e) => publishedDocumentLock(e.ref)),
      async () =>
        (
          await Promise.all([
            markPublished(this.webhooks.collection, ofType(entities, 'WEBHOOK')),
            markPublished(this.environments.collection, ofType(entities, 'ENVIRONMENT')),
            markPublished(this.operational.collection, ofType(entities, 'OPERATIONAL_WEBHOOK')),
          ])
        ).flat(),
    );
  }

  async pending(limit: number, changedBefore: Date): Promise<EntityRef[]> {
    const filter = { publish_pending: true, updated_at: { $lt: changedBefore } };
    const [w, e, o] = await Promise.all([
      this.webhooks.find(filter, { _id: 1 }).limit(limit).lean().exec(),
      this.environments.find(filter, { _id: 1 }).limit(limit).lean().exec(),
      this.operational.find(filter, { _id: 1 }).limit(limit).lean().exec(),
    ]);
    return [
      ...w.map((d): EntityRef => ({ type: 'WEBHOOK', id: d._id })),
      ...e.map((d): EntityRef => ({ type: 'ENVIRONMENT', id: d._id })),
      ...o.map((d): EntityRef => ({ type: 'OPERATIONAL_WEBHOOK', id: d._id })),
    ];
  }

  async countPending(): Promise<number> {
    const counts = await Promise.all([
      this.webhooks.countDocuments({ publish_pending: true }).exec(),
      this.environments.countDocuments({ publish_pending: true }).exec(),
      this.operational.countDocuments({ publish_pending: true }).exec(),
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }
}

/** Runs `work` over the items, ACK_CONCURRENCY at a time, keeping the order of the results. */
async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

function present<T>(items: Array<T | null>): T[] {
  return items.filter((x): x is T => x !== null);
}

function ofType<T extends EntityRef | PublishableEntity>(items: T[], type: ConfigEntityType): T[] {
  return items.filter((item) => ('ref' in item ? item.ref.type : item.type) === type);
}

/**
 * The documents to publish: the one a request carries as its write left it, else read by
 * `_id`, one findById each, a few at a time (FerretDB v1 serves `_id` equality from its index
 * but scans for `$in`).
 */
async function documentsOf<T>(requests: PublishRequest[], type: ConfigEntityType, model: Model<T>): Promise<T[]> {
  const read = await inBatches(ofType(requests, type), (r) => (r.written ? Promise.resolve(r.written as T) : model.findById(r.id).lean<T>().exec()));
  return present(read);
}

/** The fields publishing reads and writes of any published document. */
interface PublishState {
  _id: string;
  version: number;
  published_version: number;
  publish_pending: boolean;
}

/**
 * Marks these documents published at the version sent, if still at it: one bulk write for all
 * (a round trip per batch, not per document; through the driver, as publishing is not a change
 * of the entity and must not touch updated_at). Returns the refs of those now at another
 * version (changed after they were read); only when some did not match are versions read.
 */
async function markPublished(modelCollection: Model<unknown>['collection'], entities: PublishableEntity[]): Promise<EntityRef[]> {
  if (entities.length === 0) return [];
  const collection = modelCollection as unknown as mongo.Collection<PublishState>;
  const result = await collection.bulkWrite(
    entities.map((e) => ({
      updateOne: { filter: { _id: e.ref.id, version: e.version }, update: { $set: { published_version: e.version, publish_pending: false } } },
    })),
    { ordered: false },
  );
  if (result.matchedCount === entities.length) return [];
  const current = await inBatches(entities, (e) => collection.findOne({ _id: e.ref.id }, { projection: { version: 1 } }));
  return entities.filter((e, i) => current[i]?.version !== e.version).map((e) => e.ref);
}
