import type { DeliveryJob } from '@callhooks/contracts';

/**
 * Builds the delivery job of a test send: the webhook's sample event (samplePayload rendered
 * with the webhook's body template), origin TEST, attempt 1, a fresh delivery id. The webhooks
 * feature owns webhooks and their templates, so it implements this port; the delivery log
 * sends the job and waits for its attempt. Throws NotFoundError for an unknown webhook.
 */
export abstract class WebhookTestJobs {
  abstract build(customerId: string, webhookId: string): Promise<DeliveryJob>;
}
