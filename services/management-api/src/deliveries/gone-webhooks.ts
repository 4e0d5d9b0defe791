/**
 * What the delivery log does when a receiver answered 410 Gone: disable the webhook. The
 * webhooks collection has its own writer (the webhooks feature), so the delivery log only
 * calls it through this port; the webhooks feature binds its service to it.
 */
export abstract class GoneWebhooks {
  /** Disables the webhook (idempotent: a disabled or deleted webhook stays as it is). */
  abstract disable(customerId: string, webhookId: string, reason: string): Promise<void>;
}
