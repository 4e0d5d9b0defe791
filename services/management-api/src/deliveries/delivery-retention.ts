import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { PostgresPool } from '../database/postgres-pool';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';

const DAY_MS = 24 * 3_600_000;
/** Deliveries deleted per statement: short transactions, so the log's writers never wait long on a purge. */
const PURGE_BATCH = 5000;

/**
 * Deletes deliveries older than the retention period (their attempts are in their rows),
 * periodically. Every instance may run it: a delete of what is already gone is harmless. Each
 * run deletes everything created before the cutoff, in batches read from the expiry index,
 * so a run after a long stop catches up and an hourly one touches an hour's rows.
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopping = false;

  constructor(
    @Inject(DELIVERIES_CONFIG) private readonly config: DeliveriesConfig,
    private readonly postgres: PostgresPool,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(DeliveryRetention.name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), this.config.purgeIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One purge run; overlapping calls share the run in progress. Returns how many deliveries it deleted. */
  purge(now = Date.now()): Promise<number> {
    if (!this.running) {
      const cutoff = new Date(now - this.config.retentionDays * DAY_MS);
      this.running = this.purgeCreatedBefore(cutoff)
        .then((deleted) => {
          if (deleted > 0) this.logger.info({ deleted, cutoff }, 'purged deliveries past retention');
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

  /**
   * Deletes every delivery created before `cutoff`, with its attempts (in its row), a batch at a
   * time; returns how many. A writer holding one of them (a batch updating it) makes the delete
   * wait; one that reaches it while the delete holds it finds it gone (DeliveryLogWriter).
   */
  async purgeCreatedBefore(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      // by the expression of the deliveries_expiry index (see migration 0001)
      const { length: gone } = await this.postgres.query<{ id: string }>(
        `DELETE FROM deliveries WHERE id IN (
           SELECT id FROM deliveries WHERE (created_at AT TIME ZONE 'UTC') < ($1::timestamptz AT TIME ZONE 'UTC') ORDER BY (created_at AT TIME ZONE 'UTC') LIMIT ${PURGE_BATCH}
         ) RETURNING id`,
        [cutoff],
      );
      deleted += gone;
      if (gone < PURGE_BATCH || this.stopping) return deleted;
    }
  }
}
