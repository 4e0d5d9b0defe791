import { Injectable } from '@nestjs/common';
import type { Webhook } from '../webhooks/webhook.schema';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { HealthStatus, LastAttemptDto, WebhookHealthDto, WebhookStatsDto } from './dto/webhook-stats.dto';
import { breakerState, emptyHealth, windowStats, type HealthState, type HealthWindow, type LastAttempt } from './health-buckets';
import { stateOf, WebhookHealthStore } from './webhook-health.store';

/** Reads webhook health from the rolling aggregates: one row per webhook, never the delivery log. */
@Injectable()
export class WebhookHealthService {
  constructor(
    private readonly store: WebhookHealthStore,
    private readonly webhooks: WebhooksService,
  ) {}

  async stats(customerId: string, webhookId: string, window: HealthWindow): Promise<WebhookStatsDto> {
    const webhook = await this.webhooks.live(customerId, webhookId);
    const doc = await this.store.get(webhookId);
    const state = doc ? stateOf(doc) : emptyHealth();
    const w = windowStats(state, window, Date.now());
    return {
      webhook_id: webhookId,
      window,
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      attempts: w.attempts,
      successes: w.successes,
      failures: w.failures,
      success_rate: w.success_rate,
      latency_ms: w.latency_ms,
      ...this.summaryParts(state, webhook),
      series: w.series.map((p) => ({ ...p, start: p.start.toISOString() })),
    };
  }

  /** The health summary of each webhook of a page (one query for the page). */
  async forPage(webhooks: Array<{ id: string; enabled: boolean }>): Promise<Map<string, WebhookHealthDto>> {
    const docs = await this.store.getMany(webhooks.map((w) => w.id));
    const now = Date.now();
    return new Map(
      webhooks.map((w) => {
        const doc = docs.get(w.id);
        const state = doc ? stateOf(doc) : emptyHealth();
        const day = windowStats(state, '24h', now);
        return [w.id, { ...this.summaryParts(state, w), success_rate_24h: day.success_rate, attempts_24h: day.attempts }];
      }),
    );
  }

  private summaryParts(state: HealthState, webhook: Pick<Webhook, 'enabled'>) {
    const breaker = breakerState(state);
    return {
      status: statusOf(state, webhook),
      failing_since: state.failing_since?.toISOString() ?? null,
      consecutive_failures: state.consecutive_failures,
      last_success: present(state.last_success),
      last_failure: present(state.last_failure),
      breaker: { state: breaker.state, as_of: breaker.as_of?.toISOString() ?? null },
    };
  }
}

function statusOf(state: HealthState, webhook: Pick<Webhook, 'enabled'>): HealthStatus {
  if (!webhook.enabled) return 'disabled';
  if (state.failing_since) return 'failing';
  return state.last_success ? 'healthy' : 'no_traffic';
}

function present(last: LastAttempt | null): LastAttemptDto | null {
  return last ? { at: new Date(last.at).toISOString(), status_code: last.status_code, error: last.error } : null;
}
