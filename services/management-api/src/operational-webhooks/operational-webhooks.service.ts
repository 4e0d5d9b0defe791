import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '@callhooks/contracts';
import type { ListQueryDto, Page } from '../common/pagination';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import type { PublishedDocuments } from '../config-publishing/published-documents';
import { currentSecret, generateSigningSecret } from '../webhooks/signing-secrets';
import { urlProblem } from '../webhooks/webhook-target.policy';
import type { CreateOperationalWebhookDto, OperationalWebhookDto, OperationalWebhookSecretDto, UpdateOperationalWebhookDto } from './dto/operational-webhook.dto';
import { OPERATIONAL_WEBHOOK_DOCUMENTS, type NoticeType, type OperationalWebhook } from './operational-webhook.schema';

/**
 * A customer's operational webhooks. Written like webhooks, through their PublishedDocuments
 * (version + 1, publish_pending, then published to the config topic by the shared
 * ConfigPublisher, under the document's lock), so the dispatcher knows their URL and secret.
 */
@Injectable()
export class OperationalWebhooksService {
  constructor(
    @Inject(OPERATIONAL_WEBHOOK_DOCUMENTS) private readonly operational: PublishedDocuments<OperationalWebhook>,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
  ) {}

  async create(customerId: string, dto: CreateOperationalWebhookDto): Promise<OperationalWebhookDto> {
    this.checkUrl(dto.url);
    const created = await this.operational.create(customerId, randomUUID(), {
      enabled: dto.enabled ?? true,
      url: dto.url,
      description: dto.description ?? null,
      notice_types: dto.notice_types ?? [],
      secrets: [{ secret: generateSigningSecret(), created_at: new Date(), expires_at: null }],
    });
    return present(created);
  }

  async list(customerId: string, query: ListQueryDto): Promise<Page<OperationalWebhookDto>> {
    const { items, meta } = await this.operational.page(customerId, {}, query);
    return { data: items.map(present), page: meta };
  }

  async get(customerId: string, id: string): Promise<OperationalWebhookDto> {
    return present(await this.operational.get(customerId, id));
  }

  async secret(customerId: string, id: string): Promise<OperationalWebhookSecretDto> {
    return { secret: currentSecret((await this.operational.get(customerId, id)).secrets)?.secret ?? '' };
  }

  async update(customerId: string, id: string, dto: UpdateOperationalWebhookDto): Promise<OperationalWebhookDto> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    const set: Partial<OperationalWebhook> = {};
    if (dto.url !== undefined) set.url = dto.url;
    if (dto.enabled !== undefined) set.enabled = dto.enabled;
    if (dto.description !== undefined) set.description = dto.description;
    if (dto.notice_types !== undefined) set.notice_types = dto.notice_types;
    const { after } = await this.operational.change(customerId, id, () => ({ $set: set }));
    return present(after);
  }

  async remove(customerId: string, id: string): Promise<void> {
    await this.operational.remove(customerId, id, { secrets: [] });
  }

  /** The customer's enabled operational webhooks that receive this notice type. */
  async receiversOf(customerId: string, type: NoticeType): Promise<OperationalWebhook[]> {
    const all = await this.operational.where(customerId, { enabled: true });
    return all.filter((o) => o.notice_types.length === 0 || o.notice_types.includes(type));
  }

  /** Whether this id is one of the customer's operational webhooks, deleted ones too (their own deliveries get no notices). */
  async isOperational(customerId: string, id: string): Promise<boolean> {
    return this.operational.known(customerId, id);
  }

  private checkUrl(url: string): void {
    const problem = urlProblem(url, this.config.webhooks.allowPrivateTargets);
    if (problem) throw new ValidationError(`invalid operational webhook: url: ${problem}`, [{ field: 'url', message: problem }]);
  }
}

function present(o: OperationalWebhook): OperationalWebhookDto {
  return {
    id: o._id,
    url: o.url,
    notice_types: o.notice_types ?? [],
    enabled: o.enabled,
    description: o.description ?? null,
    version: o.version,
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}
