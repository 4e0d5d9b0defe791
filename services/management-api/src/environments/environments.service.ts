import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '@callhooks/contracts';
import { PLATFORM_ID_MESSAGE, PLATFORM_ID_PATTERN, isUuid } from '../common/ids';
import { findPage, type ListQueryDto, type Page } from '../common/pagination';
import { ConfigPublisher } from '../config-publishing/config-publisher';
import { DocumentLocks, environmentLock, environmentNameLock } from '../database/document-locks';
import { presentWebhook } from '../webhooks/webhook.presenter';
import { Webhook } from '../webhooks/webhook.schema';
import { MAX_SUBSCRIPTIONS, type EnvironmentDto, type PutEnvironmentDto, type SubscribedWebhooksDto } from './dto/environment.dto';
import { Environment, environmentKey } from './environment.schema';
import { canonicalTimeZone } from './timezone';

const WRITE_ATTEMPTS = 3;

/**
 * A customer's environments (under the platform's ids) and the webhooks subscribed in each.
 * Writes follow the webhooks' rules: conditional on the version read, version + 1,
 * publish_pending, then a publish request. Webhooks are only read here, to check that the
 * ids given belong to the customer.
 */
@Injectable()
export class EnvironmentsService {
  constructor(
    @InjectModel(Environment.name) private readonly environments: Model<Environment>,
    @InjectModel(Webhook.name) private readonly webhooks: Model<Webhook>,
    private readonly publisher: ConfigPublisher,
    private readonly locks: DocumentLocks,
  ) {}

  /** Create-or-update under the platform's id. A deleted environment comes back with no subscriptions. */
  async put(customerId: string, environmentId: string, dto: PutEnvironmentDto): Promise<{ created: boolean; environment: EnvironmentDto }> {
    const problems = [];
    if (!PLATFORM_ID_PATTERN.test(environmentId)) problems.push({ field: 'id', message: PLATFORM_ID_MESSAGE });
    const timezone = canonicalTimeZone(dto.timezone);
    if (!timezone)
      problems.push({ field: 'timezone', message: `is not an IANA time zone (e.g. Asia/Jerusalem, Europe/London, UTC): ${JSON.stringify(dto.timezone)}` });
    if (problems.length > 0 || !timezone)
      throw new ValidationError(`invalid environment: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
    return this.locks.run(environmentNameLock(customerId, environmentId), () => this.putLocked(customerId, environmentId, dto.name, timezone));
  }

  private async putLocked(
    customerId: string,
    environmentId: string,
    name: string,
    timezone: string,
  ): Promise<{ created: boolean; environment: EnvironmentDto }> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.environments.findById(environmentKey(customerId, environmentId)).lean().exec();
      if (!current) {
        try {
          const created = await this.environments.create({
            _id: environmentKey(customerId, environmentId),
            customer_id: customerId,
            environment_id: environmentId,
            name,
            timezone,
            webhook_ids: [],
            version: 1,
            published_version: 0,
            publish_pending: true,
            deleted_at: null,
          });
          this.publish(created._id);
          return { created: true, environment: presentEnvironment(created.toObject()) };
        } catch (err) {
          if ((err as { code?: number }).code === 11000) continue; // created concurrently: update it instead
          throw err;
        }
      }
      const revived = current.deleted_at !== null;
      if (!revived && current.name === name && current.timezone === timezone) return { created: false, environment: presentEnvironment(current) };
      const set: Partial<Environment> = { name, timezone, publish_pending: true };
      if (revived) Object.assign(set, { deleted_at: null, webhook_ids: [] });
      const updated = await this.locks.run(environmentLock(current._id), () => this.changeAt(current, { $set: set, $inc: { version: 1 } }));
      if (updated) return { created: revived, environment: presentEnvironment(updated) };
    }
    throw new ConflictError(`environment ${environmentId} kept changing while it was being saved; try again`);
  }

  async get(customerId: string, environmentId: string): Promise<EnvironmentDto> {
    return presentEnvironment(await this.live(customerId, environmentId));
  }

  async list(customerId: string, query: ListQueryDto): Promise<Page<EnvironmentDto>> {
    const { items, meta } = await findPage(this.environments, { customer_id: customerId, deleted_at: null }, query);
    return { data: items.map(presentEnvironment), page: meta };
  }

  async remove(customerId: string, environmentId: string): Promise<void> {
    await this.withLive(customerId, environmentId, async (current) => {
      const deleted = await this.changeAt(current, { $set: { deleted_at: new Date(), webhook_ids: [], publish_pending: true }, $inc: { version: 1 } });
      if (!deleted) throw notFound(environmentId);
    });
  }

  /** The webhooks subscribed in an environment, in subscription order. */
  async subscriptions(customerId: string, environmentId: string): Promise<SubscribedWebhooksDto> {
    return this.present(await this.live(customerId, environmentId));
  }

  /** Replaces the subscriptions; every id must be a webhook of this customer (404 naming the others). */
  async replaceSubscriptions(customerId: string, environmentId: string, webhookIds: string[]): Promise<SubscribedWebhooksDto> {
    const wanted = [...new Set(webhookIds)];
    await this.requireOwnWebhooks(customerId, wanted, 'webhook_ids');
    return this.withLive(customerId, environmentId, async (current) => {
      if (sameList(current.webhook_ids, wanted)) return this.present(current);
      const updated = await this.changeAt(current, { $set: { webhook_ids: wanted, publish_pending: true }, $inc: { version: 1 } });
      if (!updated) throw changedMeanwhile(environmentId);
      return this.present(updated);
    });
  }

  /** Subscribes one webhook; `added` is false when it already was. */
  async subscribe(customerId: string, environmentId: string, webhookId: string): Promise<{ added: boolean; subscriptions: SubscribedWebhooksDto }> {
    await this.requireOwnWebhooks(customerId, [webhookId], 'webhook_id');
    return this.withLive(customerId, environmentId, async (current) => {
      if (current.webhook_ids.includes(webhookId)) return { added: false, subscriptions: await this.present(current) };
      if (current.webhook_ids.length >= MAX_SUBSCRIPTIONS) {
        throw new ValidationError(`environment ${environmentId} already has ${MAX_SUBSCRIPTIONS} webhooks`, [
          { field: 'webhook_id', message: `an environment holds at most ${MAX_SUBSCRIPTIONS} webhooks` },
        ]);
      }
      const updated = await this.changeAt(current, { $push: { webhook_ids: webhookId }, $set: { publish_pending: true }, $inc: { version: 1 } });
      if (!updated) throw changedMeanwhile(environmentId);
      return { added: true, subscriptions: await this.present(updated) };
    });
  }

  async unsubscribe(customerId: string, environmentId: string, webhookId: string): Promise<void> {
    await this.withLive(customerId, environmentId, async (current) => {
      if (!current.webhook_ids.includes(webhookId)) {
        throw new NotFoundError(`webhook ${webhookId} is not subscribed in environment ${environmentId}`, {
          fields: [{ field: 'webhookId', message: `not subscribed: ${webhookId}` }],
        });
      }
      const updated = await this.changeAt(current, { $pull: { webhook_ids: webhookId }, $set: { publish_pending: true }, $inc: { version: 1 } });
      if (!updated) throw changedMeanwhile(environmentId);
    });
  }

  /** Removes a webhook from every environment of its customer (the webhook is being deleted). */
  async detachWebhook(customerId: string, webhookId: string): Promise<void> {
    const holding = await this.environments.find({ customer_id: customerId, webhook_ids: webhookId, deleted_at: null }, { _id: 1 }).lean().exec();
    for (const { _id } of holding) {
      // one environment at a time, each under its lock (an updateMany could lose a concurrent change on FerretDB)
      await this.locks.run(environmentLock(_id), async () => {
        await this.environments
          .updateOne({ _id, webhook_ids: webhookId }, { $pull: { webhook_ids: webhookId }, $set: { publish_pending: true }, $inc: { version: 1 } })
          .exec();
      });
      this.publish(_id);
    }
  }

  private async live(customerId: string, environmentId: string): Promise<Environment> {
    const found = PLATFORM_ID_PATTERN.test(environmentId) ? await this.environments.findById(environmentKey(customerId, environmentId)).lean().exec() : null;
    if (!found || found.deleted_at !== null) throw notFound(environmentId);
    return found;
  }

  /** Runs a read-modify-write of a live environment under its document lock, with the state read inside the lock. */
  private async withLive<T>(customerId: string, environmentId: string, work: (current: Environment) => Promise<T>): Promise<T> {
    const found = await this.live(customerId, environmentId);
    return this.locks.run(environmentLock(found._id), async () => work(await this.live(customerId, environmentId)));
  }

  /** Applies an update only if the document is still at the version read (a deletion also moves the version on). */
  private async changeAt(current: Environment, update: Record<string, unknown>): Promise<Environment | null> {
    const updated = await this.environments.findOneAndUpdate({ _id: current._id, version: current.version }, update, { returnDocument: 'after' }).lean().exec();
    if (updated) this.publish(updated._id);
    return updated;
  }

  private publish(id: string): void {
    this.publisher.request([{ type: 'ENVIRONMENT', id }]);
  }

  /** 404 naming every id that is not a live webhook of this customer (unknown and other customers' ids alike). */
  private async requireOwnWebhooks(customerId: string, ids: string[], field: string): Promise<void> {
    const known = await this.ownWebhookIds(customerId, ids.filter(isUuid));
    const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
    if (missing.length === 0) return;
    const fields = missing.map(({ id, i }) => ({ field: field === 'webhook_ids' ? `webhook_ids[${i}]` : field, message: `no webhook ${id}` }));
    throw new NotFoundError(`webhook${missing.length > 1 ? 's' : ''} not found: ${missing.map((m) => m.id).join(', ')}`, { fields });
  }

  /**
   * Which of these ids are live webhooks of the customer, in one query whatever their number
   * (1,000 unknown ids were 1,000 look-ups). On MongoDB `_id: $in` is an index look-up.
   */
  private async ownWebhookIds(customerId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.webhooks
      .find({ _id: { $in: ids }, customer_id: customerId, deleted_at: null }, { _id: 1 })
      .lean<Array<Pick<Webhook, '_id'>>>()
      .exec();
    return new Set(found.map((w) => w._id));
  }

  /** Webhooks by id, one findById each: FerretDB v1 serves `_id` equality from its index but scans for `$in`. */
  private async webhooksById(ids: string[]): Promise<Webhook[]> {
    const found = await Promise.all(ids.map((id) => this.webhooks.findById(id).lean<Webhook>().exec()));
    return found.filter((w): w is Webhook => w !== null);
  }

  private async present(env: Environment): Promise<SubscribedWebhooksDto> {
    const webhooks = await this.webhooksById(env.webhook_ids);
    const byId = new Map(webhooks.filter((w) => w.customer_id === env.customer_id && w.deleted_at === null).map((w) => [w._id, w]));
    return {
      environment_id: env.environment_id,
      data: env.webhook_ids.flatMap((id) => {
        const w = byId.get(id);
        return w ? [presentWebhook(w)] : [];
      }),
    };
  }
}

function presentEnvironment(e: Environment): EnvironmentDto {
  return {
    id: e.environment_id,
    name: e.name,
    timezone: e.timezone,
    webhook_ids: [...e.webhook_ids],
    version: e.version,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}

function notFound(environmentId: string): NotFoundError {
  return new NotFoundError(`environment ${environmentId} not found`, { id: environmentId });
}

/** Only another instance can change a document between our read and write (ours are serialised by the lock). */
function changedMeanwhile(environmentId: string): ConflictError {
  return new ConflictError(`environment ${environmentId} was changed by another request at the same time; try again`);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
