import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigPublisher } from './config-publisher';
import type { ConfigPublishingMetrics } from './config-publishing.metrics';
import type { ConfigStore } from './config-store';

export interface ConfigReconcilerOptions {
  intervalMs: number;
  /** Entities changed more recently than this are left to the publish their writer started. */
  graceMs: number;
  /** Entities queued per pass (the rest come on the next passes). */
  pageSize: number;
}

/**
 * Levels the config topic with MongoDB: at start and then every interval, it queues every
 * webhook and environment whose latest version Kafka has not acknowledged (a failed
 * publish, Kafka down, or an instance killed between its write and its publish). Without
 * transactions or change streams (FerretDB has neither), this is what makes the topic
 * converge: the write is the source of truth, the flag says what is left to do.
 */
export class ConfigReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConfigReconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: ConfigStore,
    private readonly publisher: ConfigPublisher,
    private readonly metrics: ConfigPublishingMetrics,
    private readonly options: ConfigReconcilerOptions,
  ) {}

  onApplicationBootstrap(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.options.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: returns how many entities it queued. Never throws; overlapping calls share the pass. */
  reconcile(): Promise<number> {
    if (!this.running) {
      this.running = this.pass().finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async pass(): Promise<number> {
    try {
      const pending = await this.store.pending(this.options.pageSize, new Date(Date.now() - this.options.graceMs));
      if (pending.length === 0) return 0;
      this.metrics.reconciled(pending.length);
      this.logger.log({ entities: pending.length }, 'republishing config changes Kafka has not acknowledged');
      this.publisher.request(pending);
      await this.publisher.idle();
      return pending.length;
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'reconcile pass failed; trying again at the next interval');
      return 0;
    }
  }
}
