import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Registry } from 'prom-client';
import { WebhookDisabledListener } from '../webhooks/webhook-disabled.listener';
import { WebhooksService } from '../webhooks/webhooks.service';
import { WEBHOOK_HEALTH_CONFIG, type WebhookHealthConfig } from './config/webhook-health.config';
import { WebhookHealthStore } from './webhook-health.store';

/**
 * Disables a webhook whose every attempt failed for MANAGEMENT_AUTO_DISABLE_AFTER_MS (the
 * clock starts at the first failure after the last success, and no earlier than the webhook
 * was last enabled, so enabling it again gives it a full period, and a failure since), with `disabled_reason` and
 * `disabled_at`, and tells the operational webhooks (webhook.disabled). Every API instance
 * may run it: the disable is a conditional write, and only the one that made it notifies.
 */
@Injectable()
export class FailingWebhooksAutoDisable implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private readonly disabled: Counter;

  constructor(
    @Inject(WEBHOOK_HEALTH_CONFIG) private readonly config: WebhookHealthConfig,
    private readonly store: WebhookHealthStore,
    private readonly webhooks: WebhooksService,
    private readonly logger: PinoLogger,
    @Inject(Registry) registry: Registry,
    @Optional() private readonly listener?: WebhookDisabledListener,
  ) {
    this.logger.setContext(FailingWebhooksAutoDisable.name);
    this.disabled = new Counter({ name: 'callhooks_webhooks_auto_disabled_total', help: 'Webhooks disabled because every attempt failed for the auto-disable period', registers: [registry] });
  }

  onApplicationBootstrap(): void {
    if (this.config.autoDisableAfterMs === 0) return;
    this.timer = setInterval(() => void this.run(), this.config.autoDisableCheckIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; overlapping calls share the pass in progress. Returns how many webhooks it disabled. */
  run(now = Date.now()): Promise<number> {
    this.running ??= this.pass(now)
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'auto-disable pass failed; the next one will try again');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: number): Promise<number> {
    const cutoff = new Date(now - this.config.autoDisableAfterMs);
    let count = 0;
    for (const health of await this.store.failingSince(cutoff)) {
      const since = health.failing_since!;
      const reason = `every attempt failed since ${since.toISOString()} (${health.consecutive_failures} in a row, last: ${health.last_failure?.error ?? 'unknown'}${health.last_failure?.status_code ? ` ${health.last_failure.status_code}` : ''})`;
      const lastFailure = health.last_failure ? new Date(health.last_failure.at) : null;
      // enabled again since: its own full period, and a failure after it (an idle webhook proves nothing)
      const due = (w: { enabled_at: Date | null; created_at: Date }) => {
        const enabledAt = w.enabled_at ?? w.created_at;
        return enabledAt <= cutoff && lastFailure !== null && lastFailure >= enabledAt;
      };
      const disabled = await this.webhooks.disableBySystem(health.customer_id, health.webhook_id, reason, due);
      if (!disabled) continue;
      count++;
      this.disabled.inc();
      this.logger.info({ webhookId: health.webhook_id, customerId: health.customer_id, failingSince: since }, 'webhook auto-disabled: every attempt failed for the period');
      await this.listener?.webhookDisabled(health.customer_id, disabled);
    }
    return count;
  }
}
