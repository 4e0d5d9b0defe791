import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * callhooks_config_publish_total{outcome}: config records sent to Kafka (success) or that
 *   failed to send (failure; they stay flagged in MongoDB and are retried).
 * callhooks_config_unpublished: webhooks and environments whose latest version Kafka has
 *   not acknowledged yet (counted in MongoDB at scrape time).
 * callhooks_config_reconciled_total: entities the reconciler found unpublished and queued
 *   again (writes whose publish failed, or whose writer died before publishing).
 */
export class ConfigPublishingMetrics {
  private readonly publishTotal: Counter<'outcome'>;
  private readonly reconciledTotal: Counter;

  constructor(registry: Registry, countUnpublished: () => Promise<number>) {
    this.publishTotal = new Counter({
      name: 'callhooks_config_publish_total',
      help: 'Config records sent to the config topic, by outcome (success, failure).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.reconciledTotal = new Counter({
      name: 'callhooks_config_reconciled_total',
      help: 'Unpublished webhooks and environments the reconciler queued for publishing again.',
      registers: [registry],
    });
    new Gauge({
      name: 'callhooks_config_unpublished',
      help: 'Webhooks and environments whose latest version Kafka has not acknowledged yet.',
      registers: [registry],
      async collect() {
        try {
          this.set(await withTimeout(countUnpublished(), 2000));
        } catch {
          // database unreachable: keep the last value rather than fail the whole scrape
        }
      },
    });
    this.publishTotal.inc({ outcome: 'success' }, 0);
    this.publishTotal.inc({ outcome: 'failure' }, 0);
  }

  published(count: number): void {
    this.publishTotal.inc({ outcome: 'success' }, count);
  }

  failed(count: number): void {
    this.publishTotal.inc({ outcome: 'failure' }, count);
  }

  reconciled(count: number): void {
    this.reconciledTotal.inc(count);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]).finally(() => clearTimeout(timer));
}
