import { Injectable } from '@nestjs/common';
import { ConfigViewFollower } from '@callhooks/config-view';
import { WebhookDirectory, type WebhookStatus } from './webhook-directory';

/**
 * The webhooks as the shared config view (libs/config-view) has them: every dispatcher
 * instance reads the whole compacted config topic, the highest version per webhook wins, and a
 * webhook the management API deleted (published `deleted: true`) is known as deleted, so its
 * queued deliveries are dropped rather than held. A Kafka tombstone makes the view forget the
 * webhook: its jobs are then held as unknown for DISPATCHER_UNKNOWN_WEBHOOK_GRACE_MS and dropped.
 */
@Injectable()
export class ConfigViewWebhookDirectory extends WebhookDirectory {
  constructor(private readonly follower: ConfigViewFollower) {
    super();
  }

  status(webhookId: string): WebhookStatus {
    const webhook = this.follower.view.webhook(webhookId);
    if (webhook) return { state: 'active', enabled: webhook.enabled, secrets: webhook.secrets, headers: webhook.headers, rateLimit: webhook.rateLimit };
    return this.follower.view.isWebhookDeleted(webhookId) ? { state: 'deleted' } : { state: 'unknown' };
  }

  ready(): Promise<void> {
    return this.follower.follow();
  }

  isReady(): boolean {
    return this.follower.isCaughtUp();
  }
}
