import { Injectable, Optional } from '@nestjs/common';
import { GoneWebhooks } from '../deliveries/gone-webhooks';
import { WebhookDisabledListener } from './webhook-disabled.listener';
import { WebhooksService } from './webhooks.service';

/** The delivery log's port for 410 Gone answers: disables the webhook, as a change published like any other. */
@Injectable()
export class WebhookGoneHandler extends GoneWebhooks {
  constructor(
    private readonly webhooks: WebhooksService,
    @Optional() private readonly disabledListener?: WebhookDisabledListener,
  ) {
    super();
  }

  async disable(customerId: string, webhookId: string, reason: string): Promise<void> {
    const disabled = await this.webhooks.disableGone(customerId, webhookId, reason);
    if (disabled) await this.disabledListener?.webhookDisabled(customerId, disabled);
  }
}
