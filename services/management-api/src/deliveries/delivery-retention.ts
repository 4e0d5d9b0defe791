import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveryLogService } from './delivery-log.service';

const DAY_MS = 24 * 3_600_000;

/**
 * Deletes deliveries older than the retention period, periodically: FerretDB has no TTL
 * indexes. Every instance may run it; a delete of what is already gone is harmless. The first
 * run after start sweeps the whole log (anything expired while no instance ran); the next ones
 * delete only what expired within a day before their cutoff, which the runs cover since they
 * come at most a day apart (MANAGEMENT_DELIVERY_PURGE_INTERVAL_MS ≤ 24 h) — cheap on FerretDB,
 * where the sweep reads every delivery (DeliveryLogService.purgeDayBefore).
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private swept = false;

  constructor(
    @Inject(DELIVERIES_CONFIG) private readonly config: DeliveriesConfig,
    private readonly log: DeliveryLogService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(DeliveryRetention.name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), this.config.purgeIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One purge run; overlapping calls share the run in progress. */
  purge(now = Date.now()): Promise<number> {
    if (!this.running) {
      const cutoff = new Date(now - this.config.retentionDays * DAY_MS);
      const sweep = !this.swept;
      this.running = (sweep ? this.log.purgeCreatedBefore(cutoff) : this.log.purgeDayBefore(cutoff))
        .then((deleted) => {
          this.swept = true;
          if (deleted > 0) this.logger.info({ deleted, cutoff, sweep }, 'purged deliveries past retention');
          return deleted;
        })
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'delivery retention purge failed; next run will try again');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }
    return this.running;
  }
}
