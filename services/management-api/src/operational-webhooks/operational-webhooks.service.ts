import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '@callhooks/contracts';
import { isUuid } from '../common/ids';
import { findPage, type ListQueryDto, type Page } from '../common/pagination';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { ConfigPublisher } from '../config-publishing/config-publisher';
import { DocumentLocks, webhookLock } from '../database/document-locks';
import { currentSecret, generateSigningSecret } from '../webhooks/signing-secrets';
import { urlProblem } from '../webhooks/webhook-target.policy';
import type { CreateOperationalWebhookDto, OperationalWebhookDto, OperationalWebhookSecretDto, UpdateOperationalWebhookDto } from './dto/operational-webhook.dto';
import { OperationalWebhook, type NoticeType } from './operational-webhook.schema';

/**
 * A customer's operational webhooks. Written like webhooks (version + 1, publish_pending, then
 * published to the config topic by the shared ConfigPublisher, under the document's lock), so
 * the dispatcher knows their URL and secret.
 */
@Injectable()
export class OperationalWebhooksService {
  constructor(
    @InjectModel(OperationalWebhook.name) private readonly operational: Model<OperationalWebhook>,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
    private readonly publisher: ConfigPublisher,
    private readonly locks: DocumentLocks,
  ) {}

  async create(customerId: string, dto: CreateOperationalWebhookDto): Promise<OperationalWebhookDto> {
    this.checkUrl(dto.url);
    const created = await this.operational.create({
      _id: randomUUID(),
      customer_id: customerId,
      enabled: dto.enabled ?? true,
      url: dto.url,
      description: dto.description ?? null,
      notice_types: dto.notice_types ?? [],
      secrets: [{ secret: generateSigningSecret(), created_at: new Date(), expires_at: null }],
      version: 1,
      published_version: 0,
      publish_pending: true,
      deleted_at: null,
    });
    this.publish(created._id);
    return present(created.toObject());
  }

  async list(customerId: string, query: ListQueryDto): Promise<Page<OperationalWebhookDto>> {
    const { items, meta } = await findPage(this.operational, { customer_id: customerId, deleted_at: null }, query);
    return { data: items.map(present), page: meta };
  }

  async get(customerId: string, id: string): Promise<OperationalWebhookDto> {
    return present(await this.live(customerId, id));
  }

  async secret(customerId: string, id: string): Promise<OperationalWebhookSecretDto> {
    return { secret: currentSecret((await this.live(customerId, id)).secrets)?.secret ?? '' };
  }

  async update(customerId: string, id: string, dto: UpdateOperationalWebhookDto): Promise<OperationalWebhookDto> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    return this.locks.run(webhookLock(id), async () => {
      const current = await this.live(customerId, id);
      const set: Partial<OperationalWebhook> = { publish_pending: true };
      if (dto.url !== undefined) set.url = dto.url;
      if (dto.enabled !== undefined) set.enabled = dto.enabled;
      if (dto.description !== undefined) set.description = dto.description;
      if (dto.notice_types !== undefined) set.notice_types = dto.notice_types;
      const updated = await this.changeAt(current, { $set: set, $inc: { version: 1 } });
      if (!updated) throw new ConflictError(`operational webhook ${id} was changed by another request at the same time; try again`);
      return present(updated);
    });
  }

  async remove(customerId: string, id: string): Promise<void> {
    await this.locks.run(webhookLock(id), async () => {
      const current = await this.live(customerId, id);
      const deleted = await this.changeAt(current, { $set: { deleted_at: new Date(), secrets: [], publish_pending: true }, $inc: { version: 1 } });
      if (!deleted) throw new ConflictError(`operational webhook ${id} was changed by another request at the same time; try again`);
    });
  }

  /** The customer's enabled operational webhooks that receive this notice type. */
  async receiversOf(customerId: string, type: NoticeType): Promise<OperationalWebhook[]> {
    const all = await this.operational.find({ customer_id: customerId, deleted_at: null, enabled: true }).lean().exec();
    return all.filter((o) => o.notice_types.length === 0 || o.notice_types.includes(type));
  }

  /** Whether this id is one of the customer's operational webhooks (their own deliveries get no notices). */
  async isOperational(id: string): Promise<boolean> {
    return (await this.operational.exists({ _id: id })) !== null;
  }

  private async live(customerId: string, id: string): Promise<OperationalWebhook> {
    const found = isUuid(id) ? await this.operational.findById(id).lean().exec() : null;
    if (!found || found.customer_id !== customerId || found.deleted_at !== null) throw new NotFoundError(`operational webhook ${id} not found`, { id });
    return found;
  }

  private async changeAt(current: OperationalWebhook, update: Record<string, unknown>): Promise<OperationalWebhook | null> {
    const updated = await this.operational.findOneAndUpdate({ _id: current._id, version: current.version }, update, { returnDocument: 'after' }).lean().exec();
    if (updated) this.publish(current._id);
    return updated;
  }

  private publish(id: string): void {
    this.publisher.request([{ type: 'OPERATIONAL_WEBHOOK', id }]);
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
