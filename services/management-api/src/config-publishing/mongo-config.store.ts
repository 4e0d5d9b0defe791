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

/** The fields an acknowledgement matches and sets, of any published document. */
interface PublishState {
  _id: string;
  version: number;
  published_version: number;
  publish_pending: boolean;
}

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
    // each document under its lock: on FerretDB an acknowledgement racing an API write to the
    // same document could erase that write (see DocumentLocks). One updateOne each, never one bulk
    // write: FerretDB 1.24 on PostgreSQL stops answering for good after an `update` command of
    // 300 statements (its 50 PostgreSQL connections left idle; 20 statements pass; docs/benchmarks.md).
    const matched = await inBatches(entities, (entity) => {
      const model = entity.ref.type === 'WEBHOOK' ? this.webhooks : entity.ref.type === 'ENVIRONMENT' ? this.environments : this.operational;
      const collection = model.collection as unknown as mongo.Collection<PublishState>;
      return this.locks.run(publishedDocumentLock(entity.ref), async () => {
        // through the driver: two plain fields need no casting, and publishing is not a change of the entity (no updated_at)
        const r = await collection.updateOne({ _id: entity.ref.id, version: entity.version }, { $set: { published_version: entity.version, publish_pending: false } });
        return r.matchedCount > 0;
      });
    });
    // not matched: the document is at another version now, changed after we read it
    return entities.filter((_e, i) => !matched[i]).map((e) => e.ref);
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

function ofType(requests: PublishRequest[], type: ConfigEntityType): PublishRequest[] {
  return requests.filter((r) => r.type === type);
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
