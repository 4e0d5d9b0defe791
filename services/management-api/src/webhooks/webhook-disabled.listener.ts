import type { WebhookDto } from './dto/webhook.dto';

/** Told when the system disabled a webhook (410 Gone, or failing for too long): the operational notices bind it. */
export abstract class WebhookDisabledListener {
  abstract webhookDisabled(customerId: string, webhook: WebhookDto): Promise<void>;
}
