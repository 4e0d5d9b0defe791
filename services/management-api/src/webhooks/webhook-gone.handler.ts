import { Injectable } from '@nestjs/common';
import { GoneWebhooks } from '../deliveries/gone-webhooks';
import { WebhooksService } from './webhooks.service';

/** The delivery log's port for 410 Gone answers: disables the webhook, as a change published like any other. */
@Injectable()
export class WebhookGoneHandler extends GoneWebhooks {
  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  disable(customerId: string, webhookId: string, reason: string): Promise<void> {
    return this.webhooks.disableGone(customerId, webhookId, reason);
  }
}
