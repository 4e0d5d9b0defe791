import type { SigningSecret } from '@callhooks/contracts';

/** What the dispatcher knows of a webhook when it is about to deliver to it. */
export type WebhookStatus =
  | { state: 'active'; enabled: boolean; secrets: readonly SigningSecret[]; headers: Readonly<Record<string, string>>; rateLimit?: number | null }
  | { state: 'deleted' }
  /** Never seen: the config topic may simply not have reached us yet. */
  | { state: 'unknown' };

/**
 * The dispatcher's view of webhooks (their signing secrets and whether they are still
 * enabled), fed by the compacted config topic. Abstract so the delivery code does not
 * depend on how the view is kept.
 */
export abstract class WebhookDirectory {
  abstract status(webhookId: string): WebhookStatus;
  /** Resolves once the view has caught up with the config topic (deliveries wait for it). */
  abstract ready(): Promise<void>;
  abstract isReady(): boolean;
}
