import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@callhooks/contracts';
import { PLATFORM_ID_MESSAGE, PLATFORM_ID_PATTERN } from '../common/ids';
import type { ListQueryDto, Page } from '../common/pagination';
import type { PublishedDocuments } from '../config-publishing/published-documents';
import { presentWebhook } from '../webhooks/webhook.presenter';
import { WEBHOOK_DOCUMENTS, type Webhook } from '../webhooks/webhook.schema';
import { MAX_SUBSCRIPTIONS, type EnvironmentDto, type PutEnvironmentDto, type SubscribedWebhooksDto } from './dto/environment.dto';
import { ENVIRONMENT_DOCUMENTS, type Environment } from './environment.schema';
import { canonicalTimeZone } from './timezone';

/**
 * A customer's environments (under the platform's ids) and the webhooks subscribed in each.
 * Every change goes through the environments' PublishedDocuments (the document's lock, a
 * write conditional on the version read, publishing); this service decides what the change
 * is. Webhooks are only read here, to check that the ids given belong to the customer.
 */
@Injectable()
export class EnvironmentsService {
  constructor(
    @Inject(ENVIRONMENT_DOCUMENTS) private readonly environments: PublishedDocuments<Environment>,
    @Inject(WEBHOOK_DOCUMENTS) private readonly webhooks: PublishedDocuments<Webhook>,
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
    const { created, document } = await this.environments.put(
      customerId,
      environmentId,
      { environment_id: environmentId, name: dto.name, timezone, webhook_ids: [] },
      (current) => (current.name === dto.name && current.timezone === timezone ? null : { $set: { name: dto.name, timezone } }),
    );
    return { created, environment: presentEnvironment(document) };
  }

  async get(customerId: string, environmentId: string): Promise<EnvironmentDto> {
    return presentEnvironment(await this.environments.get(customerId, environmentId));
  }

  async list(customerId: string, query: ListQueryDto): Promise<Page<EnvironmentDto>> {
    const { items, meta } = await this.environments.page(customerId, {}, query);
    return { data: items.map(presentEnvironment), page: meta };
  }

  async remove(customerId: string, environmentId: string): Promise<void> {
    await this.environments.remove(customerId, environmentId, { webhook_ids: [] });
  }

  /** The webhooks subscribed in an environment, in subscription order. */
  async subscriptions(customerId: string, environmentId: string): Promise<SubscribedWebhooksDto> {
    return this.present(await this.environments.get(customerId, environmentId));
  }

  /** Replaces the subscriptions; every id must be a webhook of this customer (404 naming the others). */
  async replaceSubscriptions(customerId: string, environmentId: string, webhookIds: string[]): Promise<SubscribedWebhooksDto> {
    const wanted = [...new Set(webhookIds)];
    await this.requireOwnWebhooks(customerId, wanted, 'webhook_ids');
    const { after } = await this.environments.change(customerId, environmentId, (current) =>
      sameList(current.webhook_ids, wanted) ? null : { $set: { webhook_ids: wanted } },
    );
    return this.present(after);
  }

  /** Subscribes one webhook; `added` is false when it already was. */
  async subscribe(customerId: string, environmentId: string, webhookId: string): Promise<{ added: boolean; subscriptions: SubscribedWebhooksDto }> {
    await this.requireOwnWebhooks(customerId, [webhookId], 'webhook_id');
    const { after, changed } = await this.environments.change(customerId, environmentId, (current) => {
      if (current.webhook_ids.includes(webhookId)) return null;
      if (current.webhook_ids.length >= MAX_SUBSCRIPTIONS) {
        throw new ValidationError(`environment ${environmentId} already has ${MAX_SUBSCRIPTIONS} webhooks`, [
          { field: 'webhook_id', message: `an environment holds at most ${MAX_SUBSCRIPTIONS} webhooks` },
        ]);
      }
      return { $push: { webhook_ids: webhookId } };
    });
    return { added: changed, subscriptions: await this.present(after) };
  }

  async unsubscribe(customerId: string, environmentId: string, webhookId: string): Promise<void> {
    await this.environments.change(customerId, environmentId, (current) => {
      if (!current.webhook_ids.includes(webhookId)) {
        throw new NotFoundError(`webhook ${webhookId} is not subscribed in environment ${environmentId}`, {
          fields: [{ field: 'webhookId', message: `not subscribed: ${webhookId}` }],
        });
      }
      return { $pull: { webhook_ids: webhookId } };
    });
  }

  /** Removes a webhook from every environment of its customer (the webhook is being deleted). */
  async detachWebhook(customerId: string, webhookId: string): Promise<void> {
    const holding = await this.environments.where(customerId, { webhook_ids: webhookId });
    for (const { environment_id } of holding) {
      // one environment at a time, each under its lock (an updateMany could lose a concurrent change on FerretDB)
      await this.environments.changeIfLive(customerId, environment_id, (current) =>
        current.webhook_ids.includes(webhookId) ? { $pull: { webhook_ids: webhookId } } : null,
      );
    }
  }

  /** 404 naming every id that is not a live webhook of this customer (unknown and other customers' ids alike). */
  private async requireOwnWebhooks(customerId: string, ids: string[], field: string): Promise<void> {
    const known = await this.webhooks.liveIds(customerId, ids);
    const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
    if (missing.length === 0) return;
    const fields = missing.map(({ id, i }) => ({ field: field === 'webhook_ids' ? `webhook_ids[${i}]` : field, message: `no webhook ${id}` }));
    throw new NotFoundError(`webhook${missing.length > 1 ? 's' : ''} not found: ${missing.map((m) => m.id).join(', ')}`, { fields });
  }

  /** The live subscribed webhooks, in subscription order; one look-up each by `_id`, which FerretDB v1 serves from its index. */
  private async present(env: Environment): Promise<SubscribedWebhooksDto> {
    const webhooks = await Promise.all(env.webhook_ids.map((id) => this.webhooks.find(env.customer_id, id)));
    return { environment_id: env.environment_id, data: webhooks.flatMap((w) => (w ? [presentWebhook(w)] : [])) };
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

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
