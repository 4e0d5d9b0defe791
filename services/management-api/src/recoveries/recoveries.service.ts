import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '@callhooks/contracts';
import { findPage, type ListQueryDto, type Page } from '../common/pagination';
import { EnvironmentsService } from '../environments/environments.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { RecoveryDto, StartRecoveryDto } from './dto/recovery.dto';
import { Recovery } from './recovery.schema';
import { RecoveryRunner } from './recovery.runner';
import { parseDateTime } from '../common/date-time';

/** Starts recoveries and reads their progress; RecoveryRunner carries them out. */
@Injectable()
export class RecoveriesService {
  constructor(
    @InjectModel(Recovery.name) private readonly recoveries: Model<Recovery>,
    private readonly webhooks: WebhooksService,
    private readonly environments: EnvironmentsService,
    private readonly runner: RecoveryRunner,
  ) {}

  async forWebhook(customerId: string, webhookId: string, dto: StartRecoveryDto): Promise<RecoveryDto> {
    const webhook = await this.webhooks.live(customerId, webhookId);
    // the dispatcher drops the jobs of a disabled webhook: resending would only fail them again
    if (!webhook.enabled) throw new ConflictError(`webhook ${webhookId} is disabled; enable it, then recover its failed deliveries`, { id: webhookId });
    return this.start(customerId, { webhook_id: webhookId, environment_id: null }, dto);
  }

  async forEnvironment(customerId: string, environmentId: string, dto: StartRecoveryDto): Promise<RecoveryDto> {
    await this.environments.get(customerId, environmentId);
    return this.start(customerId, { webhook_id: null, environment_id: environmentId }, dto);
  }

  async get(customerId: string, id: string): Promise<RecoveryDto> {
    const found = await this.recoveries.findById(id).lean().exec();
    if (!found || found.customer_id !== customerId) throw new NotFoundError(`recovery ${id} not found`, { id });
    return present(found);
  }

  async list(customerId: string, query: ListQueryDto): Promise<Page<RecoveryDto>> {
    const { items, meta } = await findPage(this.recoveries, { customer_id: customerId }, query);
    return { data: items.map(present), page: meta };
  }

  private async start(customerId: string, scope: Pick<Recovery, 'webhook_id' | 'environment_id'>, dto: StartRecoveryDto): Promise<RecoveryDto> {
    // the DTO let only RFC 3339 date-times through
    const since = parseDateTime(dto.since) as Date;
    const until = dto.until === undefined ? null : (parseDateTime(dto.until) as Date);
    if (since.getTime() > Date.now()) throw new ValidationError('since is in the future', [{ field: 'since', message: 'must not be in the future' }]);
    if (until && until <= since) throw new ValidationError('until is not after since', [{ field: 'until', message: 'must be after since' }]);
    const now = new Date();
    const created = await this.recoveries.create({
      _id: randomUUID(),
      customer_id: customerId,
      ...scope,
      since,
      until,
      state: 'RUNNING',
      created_at: now,
      updated_at: now,
    });
    this.runner.kick();
    return present(created.toObject());
  }
}

export function present(r: Recovery): RecoveryDto {
  return {
    id: r._id,
    webhook_id: r.webhook_id,
    environment_id: r.environment_id,
    since: r.since.toISOString(),
    until: r.until?.toISOString() ?? null,
    state: r.state,
    matched: r.matched,
    requeued: r.requeued,
    delivered: r.delivered,
    failed: r.failed,
    skipped: r.skipped,
    created_at: r.created_at.toISOString(),
    finished_at: r.finished_at?.toISOString() ?? null,
  };
}
