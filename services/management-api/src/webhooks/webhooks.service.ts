import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { FilterQuery, Model } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError, type EventName, type FieldProblem, type HttpMethod } from '@callhooks/contracts';
import { isUuid } from '../common/ids';
import { findPage, type Page } from '../common/pagination';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { ConfigPublisher } from '../config-publishing/config-publisher';
import { DocumentLocks, webhookLock } from '../database/document-locks';
import { EnvironmentsService } from '../environments/environments.service';
import { BodyTemplates } from './body-templates';
import {
  MAX_BODY_BYTES,
  type CreateWebhookDto,
  type ListWebhooksQueryDto,
  type UpdateWebhookDto,
  type WebhookDto,
  type WebhookSecretDto,
} from './dto/webhook.dto';
import { currentSecret, generateSigningSecret, rotateSecrets } from './signing-secrets';
import { headerProblems } from './webhook-headers.policy';
import { urlProblem } from './webhook-target.policy';
import { headersToMap, headersToPairs, presentWebhook } from './webhook.presenter';
import { Webhook } from './webhook.schema';

/** The fields an admin edits, as they will be stored. */
interface WebhookDraft {
  enabled: boolean;
  event: EventName;
  method: HttpMethod;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  description: string | null;
  rate_limit: number | null;
}

/** Optimistic retries of a read-check-write whose document changed in between. */
const WRITE_ATTEMPTS = 3;

/**
 * A customer's webhooks. Every change is a conditional write that increments `version` and
 * flags the document for publishing, then asks the publisher to send it (without waiting:
 * a Kafka outage does not fail the request, the reconciler finishes the job). Changes of one
 * webhook run under its document lock (see DocumentLocks).
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @InjectModel(Webhook.name) private readonly webhooks: Model<Webhook>,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
    private readonly environments: EnvironmentsService,
    private readonly templates: BodyTemplates,
    private readonly publisher: ConfigPublisher,
    private readonly locks: DocumentLocks,
  ) {}

  async create(customerId: string, dto: CreateWebhookDto): Promise<WebhookDto> {
    const draft: WebhookDraft = {
      enabled: dto.enabled ?? true,
      event: dto.event,
      method: dto.method ?? 'POST',
      url: dto.url,
      body: normaliseBody(dto.body),
      headers: dto.headers ?? {},
      description: dto.description ?? null,
      rate_limit: dto.rate_limit ?? null,
    };
    this.check(draft);
    const created = await this.webhooks.create({
      _id: randomUUID(),
      customer_id: customerId,
      ...draft,
      headers: headersToPairs(draft.headers),
      secrets: [{ secret: generateSigningSecret(), created_at: new Date(), expires_at: null }],
      enabled_at: draft.enabled ? new Date() : null,
      disabled_at: draft.enabled ? null : new Date(),
      version: 1,
      published_version: 0,
      publish_pending: true,
      deleted_at: null,
    });
    this.publish(created._id);
    return presentWebhook(created.toObject());
  }

  async list(customerId: string, query: ListWebhooksQueryDto): Promise<Page<WebhookDto>> {
    const filter: FilterQuery<Webhook> = { customer_id: customerId, deleted_at: null };
    if (query.event !== undefined) filter.event = query.event;
    if (query.enabled !== undefined) filter.enabled = query.enabled;
    const url: Array<FilterQuery<Webhook>> = [];
    if (query.url !== undefined) url.push({ url: { $regex: escapeRegex(query.url), $options: 'i' } });
    if (query.url_prefix !== undefined) url.push({ url: { $regex: `^${escapeRegex(query.url_prefix)}` } });
    if (url.length > 0) filter.$and = url;
    const { items, meta } = await findPage(this.webhooks, filter, query);
    return { data: items.map(presentWebhook), page: meta };
  }

  async get(customerId: string, id: string): Promise<WebhookDto> {
    return presentWebhook(await this.live(customerId, id));
  }

  /** The stored webhook (for previews and test sends); 404 for unknown, deleted or other customers' ids. */
  async live(customerId: string, id: string): Promise<Webhook> {
    // by _id alone, then checked here: FerretDB v1 serves only a bare `_id` equality from its index
    const found = isUuid(id) ? await this.webhooks.findById(id).lean().exec() : null;
    if (!found || found.customer_id !== customerId || found.deleted_at !== null) throw new NotFoundError(`webhook ${id} not found`, { id });
    return found;
  }

  async update(customerId: string, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.locks.run(webhookLock(id), () => this.updateLocked(customerId, id, dto));
  }

  private async updateLocked(customerId: string, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.live(customerId, id);
      const draft: WebhookDraft = {
        enabled: dto.enabled ?? current.enabled,
        event: dto.event ?? current.event,
        method: dto.method ?? current.method,
        url: dto.url ?? current.url,
        body: dto.body === undefined ? current.body : normaliseBody(dto.body),
        headers: dto.headers ?? headersToMap(current.headers),
        description: dto.description === undefined ? current.description : dto.description,
        rate_limit: dto.rate_limit === undefined ? (current.rate_limit ?? null) : dto.rate_limit,
      };
      this.check(draft);
      const set: Partial<Webhook> = { ...draft, headers: headersToPairs(draft.headers), publish_pending: true };
      if (draft.enabled && !current.enabled) Object.assign(set, { disabled_reason: null, disabled_at: null, enabled_at: new Date() });
      if (!draft.enabled && current.enabled) set.disabled_at = new Date();
      const updated = await this.changeAt(current, { $set: set, $inc: { version: 1 } });
      if (updated) return presentWebhook(updated);
    }
    throw new ConflictError(`webhook ${id} kept changing while it was being updated; try again`);
  }

  /**
   * Deletes a webhook: first unsubscribes it from every environment (so no environment
   * names a deleted webhook, even if we stop half-way), then marks it deleted, which
   * publishes a deletion record and drops its secrets.
   */
  async remove(customerId: string, id: string): Promise<void> {
    await this.live(customerId, id);
    await this.environments.detachWebhook(customerId, id);
    await this.locks.run(webhookLock(id), async () => {
      const current = await this.live(customerId, id);
      const deleted = await this.changeAt(current, { $set: { deleted_at: new Date(), secrets: [], publish_pending: true }, $inc: { version: 1 } });
      if (!deleted) throw new ConflictError(`webhook ${id} was changed by another request at the same time; try again`);
    });
  }

  async secret(customerId: string, id: string): Promise<WebhookSecretDto> {
    return presentSecrets(await this.live(customerId, id));
  }

  /** A new signing secret; the previous one keeps signing until now + MANAGEMENT_SECRET_ROTATION_OVERLAP_MS. */
  async rotateSecret(customerId: string, id: string): Promise<WebhookSecretDto> {
    return this.locks.run(webhookLock(id), () => this.rotateLocked(customerId, id));
  }

  private async rotateLocked(customerId: string, id: string): Promise<WebhookSecretDto> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.live(customerId, id);
      const secrets = rotateSecrets(current.secrets, new Date(), this.config.webhooks.secretRotationOverlapMs);
      const updated = await this.changeAt(current, { $set: { secrets, publish_pending: true }, $inc: { version: 1 } });
      if (updated) return presentSecrets(updated);
    }
    throw new ConflictError(`webhook ${id} kept changing during the rotation; try again`);
  }

  /** Disables a webhook whose receiver answered 410 Gone (idempotent); the webhook if this call disabled it. */
  async disableGone(customerId: string, id: string, reason: string): Promise<WebhookDto | null> {
    return this.disableBySystem(customerId, id, reason, (w) => w.enabled);
  }

  /**
   * Disables a webhook on the system's decision, with its reason, if it is still enabled and
   * `stillDue` holds for the current document (checked under the lock); the webhook if this
   * call disabled it, null if it was already disabled, deleted or no longer due.
   */
  async disableBySystem(customerId: string, id: string, reason: string, stillDue: (current: Webhook) => boolean): Promise<WebhookDto | null> {
    const disabled = await this.locks.run(webhookLock(id), async () => {
      const current = await this.webhooks.findById(id).lean().exec();
      if (!current || current.customer_id !== customerId || current.deleted_at !== null || !current.enabled || !stillDue(current)) return null;
      return this.changeAt(current, { $set: { enabled: false, disabled_reason: reason, disabled_at: new Date(), publish_pending: true }, $inc: { version: 1 } });
    });
    if (disabled) this.logger.log({ webhookId: id, customerId, reason }, 'webhook disabled by the system');
    return disabled ? presentWebhook(disabled) : null;
  }

  /** Applies an update only if the document is still at the version read (a deletion also moves the version on). */
  private async changeAt(current: Webhook, update: Record<string, unknown>): Promise<Webhook | null> {
    const updated = await this.webhooks.findOneAndUpdate({ _id: current._id, version: current.version }, update, { returnDocument: 'after' }).lean().exec();
    if (updated) this.publish(current._id);
    return updated;
  }

  private publish(id: string): void {
    this.publisher.request([{ type: 'WEBHOOK', id }]);
  }

  /** The rules a request's shape cannot express: target address, headers, body size and template. All problems at once. */
  private check(draft: WebhookDraft): void {
    const problems: FieldProblem[] = [];
    const url = urlProblem(draft.url, this.config.webhooks.allowPrivateTargets);
    if (url) problems.push({ field: 'url', message: url });
    problems.push(...headerProblems(draft.headers));
    if (draft.body !== null) {
      if (Buffer.byteLength(draft.body, 'utf8') > MAX_BODY_BYTES) problems.push({ field: 'body', message: `must be at most ${MAX_BODY_BYTES / 1024} KiB` });
      else problems.push(...this.templates.problems(draft.body, draft.method));
    }
    if (problems.length > 0) throw new ValidationError(`invalid webhook: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
}

/** An empty or blank body means "no template": the full payload is sent. */
function normaliseBody(body: string | null | undefined): string | null {
  return body === undefined || body === null || body.trim() === '' ? null : body;
}

function presentSecrets(w: Webhook): WebhookSecretDto {
  const now = Date.now();
  const current = currentSecret(w.secrets);
  return {
    secret: current?.secret ?? '',
    previous: w.secrets.filter((s) => s.expires_at && s.expires_at.getTime() > now).map((s) => ({ secret: s.secret, expires_at: s.expires_at!.toISOString() })),
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
