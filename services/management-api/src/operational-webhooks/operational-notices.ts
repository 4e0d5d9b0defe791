import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { targetOrigin, uuidV5, type DeliveryJob } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import type { WebhookDto } from '../webhooks/dto/webhook.dto';
import { WebhookDisabledListener } from '../webhooks/webhook-disabled.listener';
import type { NoticeType } from './operational-webhook.schema';
import { OperationalWebhooksService } from './operational-webhooks.service';

/** Namespace of notice delivery ids: uuidV5(`<operational webhook>:<notice key>`). */
const NOTICE_NAMESPACE = 'b7f1c8f4-5d7e-4f0a-9a51-3c2d8e6f9a10';

/** What a notice is about; `key` names the occurrence, so sending it again gives the same webhook-id. */
export interface Notice {
  type: NoticeType;
  customerId: string;
  key: string;
  data: Record<string, unknown>;
}

/**
 * Sends notices to a customer's operational webhooks: each notice is a delivery job on the
 * deliveries topic (origin EVENT), so the dispatcher signs it (Standard Webhooks, the
 * operational webhook's secret), retries it through the tiers and logs its attempts like any
 * delivery. Its delivery id is derived from the occurrence, so a notice sent twice (a replay
 * of the results that caused it) carries the same webhook-id and the receiver deduplicates.
 * Body: `{"type", "timestamp", "data"}`, the shape of Standard Webhooks' examples.
 */
@Injectable()
export class OperationalNotices extends WebhookDisabledListener {
  private readonly sent: Counter<'type'>;

  constructor(
    private readonly operational: OperationalWebhooksService,
    private readonly kafka: KafkaContext,
    @Inject(Registry) registry: Registry,
  ) {
    super();
    this.sent = new Counter({
      name: 'callhooks_operational_notices_total',
      help: 'Notices queued for operational webhooks, by type (one per receiving operational webhook)',
      labelNames: ['type'],
      registers: [registry],
    });
  }

  async send(notices: Notice[]): Promise<void> {
    const records: Array<{ key: string; value: DeliveryJob }> = [];
    const receivers = new Map<string, Awaited<ReturnType<OperationalWebhooksService['receiversOf']>>>();
    for (const notice of notices) {
      const cacheKey = `${notice.customerId}\u0000${notice.type}`;
      if (!receivers.has(cacheKey)) receivers.set(cacheKey, await this.operational.receiversOf(notice.customerId, notice.type));
      const now = Date.now();
      for (const receiver of receivers.get(cacheKey)!) {
        const deliveryId = uuidV5(`${receiver._id}:${notice.type}:${notice.key}`, NOTICE_NAMESPACE);
        const body = JSON.stringify({ type: notice.type, timestamp: new Date(now).toISOString(), data: notice.data });
        records.push({
          key: targetOrigin(receiver.url),
          value: {
            delivery_id: deliveryId,
            webhook_id: receiver._id,
            customer_id: notice.customerId,
            environment_id: null,
            event_id: deliveryId,
            event: notice.type,
            call_uuid: null,
            origin: 'EVENT',
            method: 'POST',
            url: receiver.url,
            body,
            headers: {},
            attempt: 1,
            created_at: now,
            not_before: null,
          },
        });
        this.sent.inc({ type: notice.type });
      }
    }
    if (records.length > 0) await this.kafka.send('deliveries', records);
  }

  /** The 410 path and the auto-disable: `webhook.disabled`. */
  async webhookDisabled(customerId: string, webhook: WebhookDto): Promise<void> {
    await this.send([
      {
        type: 'webhook.disabled',
        customerId,
        key: `${webhook.id}:${webhook.disabled_at}`,
        data: { webhook_id: webhook.id, url: webhook.url, event: webhook.event, reason: webhook.disabled_reason, disabled_at: webhook.disabled_at },
      },
    ]);
  }
}
