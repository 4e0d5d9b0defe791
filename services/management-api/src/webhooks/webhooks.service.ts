import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ValidationError, type EventName, type FieldProblem, type HttpMethod } from '@callhooks/contracts';
import type { Page } from '../common/pagination';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import type { PublishedDocuments } from '../config-publishing/published-documents';
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
import { WebhookList } from './webhook-list';
import { WEBHOOK_DOCUMENTS, type Webhook } from './webhook.schema';

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

/**
 * A customer's webhooks. Every change goes through the webhooks' PublishedDocuments (the
 * document's lock, a write conditional on the version read, publishing); this service
 * decides what the change is.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @Inject(WEBHOOK_DOCUMENTS) private readonly webhooks: PublishedDocuments<Webhook>,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
    private readonly environments: EnvironmentsService,
    private readonly templates: BodyTemplates,
    private readonly webhookList: WebhookList,
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
    const created = await this.webhooks.create(customerId, randomUUID(), {
      ...draft,
      headers: headersToPairs(draft.headers),
      secrets: [{ secret: generateSigningSecret(), created_at: new Date(), expires_at: null }],
      enabled_at: draft.enabled ? new Date() : null,
      disabled_at: draft.enabled ? null : new Date(),
      disabled_reason: null,
    });
    return presentWebhook(created);
  }

  async list(customerId: string, query: ListWebhooksQueryDto): Promise<Page<WebhookDto>> {
    const { event, enabled, url, url_prefix } = query;
    const { items, meta } = await this.webhookList.page(customerId, { event, enabled, url, url_prefix }, query);
    return { data: items.map(presentWebhook), page: meta };
  }

  async get(customerId: string, id: string): Promise<WebhookDto> {
    return presentWebhook(await this.live(customerId, id));
  }

  /** The stored webhook (for previews and test sends); 404 for unknown, deleted or other customers' ids. */
  async live(customerId: string, id: string): Promise<Webhook> {
    return this.webhooks.get(customerId, id);
  }

  async update(customerId: string, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const { after } = await this.webhooks.change(customerId, id, (current) => {
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
      const set: Partial<Webhook> = { ...draft, headers: headersToPairs(draft.headers) };
      if (draft.enabled && !current.enabled) Object.assign(set, { disabled_reason: null, disabled_at: null, enabled_at: new Date() });
      if (!draft.enabled && current.enabled) set.disabled_at = new Date();
      return { $set: set };
    });
    return presentWebhook(after);
  }

  /**
   * Deletes a webhook: first unsubscribes it from every environment (so no environment
   * names a deleted webhook, even if we stop half-way), then marks it deleted, which
   * publishes a deletion record and drops its secrets.
   */
  async remove(customerId: string, id: string): Promise<void> {
    await this.live(customerId, id);
    await this.environments.detachWebhook(customerId, id);
    await this.webhooks.remove(customerId, id, { secrets: [] });
  }

  async secret(customerId: string, id: string): Promise<WebhookSecretDto> {
    return presentSecrets(await this.live(customerId, id));
  }

  /** A new signing secret; the previous one keeps signing until now + MANAGEMENT_SECRET_ROTATION_OVERLAP_MS. */
  async rotateSecret(customerId: string, id: string): Promise<WebhookSecretDto> {
    const { after } = await this.webhooks.change(customerId, id, (current) => ({
      $set: { secrets: rotateSecrets(current.secrets, new Date(), this.config.webhooks.secretRotationOverlapMs) },
    }));
    return presentSecrets(after);
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
    const disabled = await this.webhooks.changeIfLive(customerId, id, (current) =>
      current.enabled && stillDue(current) ? { $set: { enabled: false, disabled_reason: reason, disabled_at: new Date() } } : null,
    );
    if (!disabled?.changed) return null;
    this.logger.log({ webhookId: id, customerId, reason }, 'webhook disabled by the system');
    return presentWebhook(disabled.after);
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
