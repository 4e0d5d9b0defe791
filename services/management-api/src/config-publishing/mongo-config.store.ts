import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Environment } from '../environments/environment.schema';
import { Webhook } from '../webhooks/webhook.schema';
import { environmentConfigKey, environmentRecord, webhookConfigKey, webhookRecord } from './config-record.mapper';
import { DocumentLocks, environmentLock, webhookLock } from '../database/document-locks';
import { ConfigStore, refKey, type EntityRef, type PublishableEntity } from './config-store';

/** Acknowledgements written at once (each document under its own lock). */
const ACK_CONCURRENCY = 8;

/** ConfigStore over the webhooks and environments collections. */
@Injectable()
export class MongoConfigStore extends ConfigStore {
  constructor(
    @InjectModel(Webhook.name) private readonly webhooks: Model<Webhook>,
    @InjectModel(Environment.name) private readonly environments: Model<Environment>,
    private readonly locks: DocumentLocks,
  ) {
    super();
  }

  async load(refs: EntityRef[]): Promise<PublishableEntity[]> {
    const now = Date.now();
    const [webhooks, environments] = await Promise.all([
      this.webhooks.find({ _id: { $in: idsOf(refs, 'WEBHOOK') } }).lean().exec(),
      this.environments.find({ _id: { $in: idsOf(refs, 'ENVIRONMENT') } }).lean().exec(),
    ]);
    return [
      ...webhooks.map((w): PublishableEntity => ({ ref: { type: 'WEBHOOK', id: w._id }, version: w.version, key: webhookConfigKey(w._id), record: webhookRecord(w, now) })),
      ...environments.map(
        (e): PublishableEntity => ({
          ref: { type: 'ENVIRONMENT', id: String(e._id) },
          version: e.version,
          key: environmentConfigKey(e.customer_id, e.environment_id),
          record: environmentRecord(e, now),
        }),
      ),
    ];
  }

  async acknowledge(entities: PublishableEntity[]): Promise<EntityRef[]> {
    // one document at a time under its lock: on FerretDB an acknowledgement racing an API write
    // to the same document could erase that write (see DocumentLocks)
    const queue = [...entities];
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const entity = e;
        const model: Model<Webhook> | Model<Environment> = entity.ref.type === 'WEBHOOK' ? this.webhooks : this.environments;
        const lock = entity.ref.type === 'WEBHOOK' ? webhookLock(entity.ref.id) : environmentLock(entity.ref.id);
        await this.locks.run(lock, () =>
          (model as Model<Webhook>)
            // publishing is not a change of the entity: no updated_at
            .updateOne({ _id: entity.ref.id, version: entity.version }, { $set: { published_version: entity.version, publish_pending: false } }, { timestamps: false })
            .exec(),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACK_CONCURRENCY, entities.length) }, worker));
    const webhooks = entities.filter((e) => e.ref.type === 'WEBHOOK');
    const environments = entities.filter((e) => e.ref.type === 'ENVIRONMENT');
    // a document at another version than the one sent was changed after we read it
    const [w, e] = await Promise.all([
      webhooks.length ? this.webhooks.find({ _id: { $in: webhooks.map((x) => x.ref.id) } }, { _id: 1, version: 1 }).lean().exec() : [],
      environments.length ? this.environments.find({ _id: { $in: environments.map((x) => x.ref.id) } }, { _id: 1, version: 1 }).lean().exec() : [],
    ]);
    const current = new Map<string, number>([...w.map((d) => [`WEBHOOK:${d._id}`, d.version] as const), ...e.map((d) => [`ENVIRONMENT:${String(d._id)}`, d.version] as const)]);
    return entities.filter((x) => current.get(refKey(x.ref)) !== x.version).map((x) => x.ref);
  }

  async pending(limit: number, changedBefore: Date): Promise<EntityRef[]> {
    const filter = { publish_pending: true, updated_at: { $lt: changedBefore } };
    const [w, e] = await Promise.all([
      this.webhooks.find(filter, { _id: 1 }).limit(limit).lean().exec(),
      this.environments.find(filter, { _id: 1 }).limit(limit).lean().exec(),
    ]);
    return [...w.map((d): EntityRef => ({ type: 'WEBHOOK', id: d._id })), ...e.map((d): EntityRef => ({ type: 'ENVIRONMENT', id: String(d._id) }))];
  }

  async countPending(): Promise<number> {
    const [w, e] = await Promise.all([this.webhooks.countDocuments({ publish_pending: true }).exec(), this.environments.countDocuments({ publish_pending: true }).exec()]);
    return w + e;
  }
}

function idsOf(refs: EntityRef[], type: EntityRef['type']): string[] {
  return refs.filter((r) => r.type === type).map((r) => r.id);
}
