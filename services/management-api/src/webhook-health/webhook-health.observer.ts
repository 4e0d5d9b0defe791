import { Inject, Injectable, Optional } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { DeliveryResultsObserver } from '../deliveries/delivery-results-observer';
import { OperationalNotices, type Notice } from '../operational-webhooks/operational-notices';
import { OperationalWebhooksService } from '../operational-webhooks/operational-webhooks.service';
import { WEBHOOK_HEALTH_CONFIG, type WebhookHealthConfig } from './config/webhook-health.config';
import { classify } from './health-buckets';
import { WebhookHealthStore, type HealthChange } from './webhook-health.store';

/** Operational-webhook ids remembered (an id's kind never changes). */
const KIND_CACHE_SIZE = 10_000;

/**
 * The delivery log's results, into the webhook health aggregates, and the notices they call
 * for: `delivery.exhausted` (a delivery failed its last attempt), `webhook.failing` (its
 * failures in a row reach the threshold) and `webhook.recovered` (a success after that).
 * Deliveries to operational webhooks themselves are counted but raise no notice.
 */
@Injectable()
export class WebhookHealthObserver extends DeliveryResultsObserver {
  private readonly operationalIds = new Map<string, boolean>();

  constructor(
    private readonly store: WebhookHealthStore,
    @Inject(WEBHOOK_HEALTH_CONFIG) private readonly config: WebhookHealthConfig,
    @Optional() private readonly notices?: OperationalNotices,
    @Optional() private readonly operational?: OperationalWebhooksService,
  ) {
    super();
  }

  async observe(records: Array<ConsumedRecord<DeliveryAttemptResult>>): Promise<void> {
    if (!this.notices) {
      await this.store.apply(records);
      return;
    }
    const exhausted: Notice[] = [];
    for (const { value: r } of records) {
      if (r.outcome !== 'FAILED' || r.origin !== 'EVENT' || classify(r).kind !== 'failure' || (await this.isOperational(r.customer_id, r.webhook_id))) continue;
      exhausted.push({
        type: 'delivery.exhausted',
        customerId: r.customer_id,
        key: `${r.delivery_id}:${r.attempt}`,
        data: { delivery_id: r.delivery_id, webhook_id: r.webhook_id, event: r.event, event_id: r.event_id, attempts: r.attempt, status_code: r.status_code, error: r.error_class, last_attempt_at: new Date(r.attempted_at).toISOString() },
      });
    }
    // before the aggregates are written: a crash in between sends them again (same webhook-id), never loses them
    await this.notices.send(exhausted);
    await this.store.apply(records, (change) => this.noticeChange(change));
  }

  private async noticeChange(change: HealthChange): Promise<void> {
    const threshold = this.config.failingNoticeThreshold;
    const { before, after } = change;
    const data = { webhook_id: change.webhookId, consecutive_failures: after.consecutive_failures, failing_since: after.failing_since?.toISOString() ?? null };
    let notice: Notice | null = null;
    if (before.consecutive_failures < threshold && after.consecutive_failures >= threshold && after.failing_since) {
      notice = { type: 'webhook.failing', customerId: change.customerId, key: `${change.webhookId}:${after.failing_since.toISOString()}`, data: { ...data, last_failure: after.last_failure } };
    } else if (before.consecutive_failures >= threshold && after.failing_since === null && after.last_success) {
      notice = {
        type: 'webhook.recovered',
        customerId: change.customerId,
        key: `${change.webhookId}:${new Date(after.last_success.at).toISOString()}`,
        data: { webhook_id: change.webhookId, failing_since: before.failing_since?.toISOString() ?? null, failures: before.consecutive_failures, recovered_at: new Date(after.last_success.at).toISOString() },
      };
    }
    if (notice && !(await this.isOperational(change.customerId, change.webhookId))) await this.notices!.send([notice]);
  }

  private async isOperational(customerId: string, webhookId: string): Promise<boolean> {
    let known = this.operationalIds.get(webhookId);
    if (known === undefined) {
      known = (await this.operational?.isOperational(customerId, webhookId)) ?? false;
      if (this.operationalIds.size >= KIND_CACHE_SIZE) this.operationalIds.delete(this.operationalIds.keys().next().value!);
      this.operationalIds.set(webhookId, known);
    }
    return known;
  }
}
