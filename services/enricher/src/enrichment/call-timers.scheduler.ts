import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { CallLegEvent } from '@callhooks/contracts';
import type { ConsumerRuntime } from '@callhooks/kafka';
import { ENRICHER_CONFIG, type EnricherConfig } from '../config/enricher.config';
import { CallEnrichmentService } from './call-enrichment.service';

/**
 * Fires the deadlines kept in the call states (hangup settle, reporting grace and maximum
 * wait, closed-marker retention, stale calls). The deadlines live in the state, so they
 * survive restarts. A partition's batches fire its due deadlines first, in their own
 * transaction (CallEnrichmentService.handleLegs); this tick fires those of the partitions
 * whose batches stopped, each partition's in one transaction of that partition's producer,
 * under the same lock as its batches (a partition with nothing due costs no transaction).
 *
 * A partition that had a batch within the last fetch linger plus one tick is left to its next
 * batch: while legs flow, batches come at least that often (a fetch lingers at most
 * ENRICHER_FETCH_LINGER_MS), and a transaction of its own would cost the broker as much as a
 * batch's. So a deadline fires at most a linger and two ticks after it fell due.
 */
@Injectable()
export class CallTimersScheduler implements BeforeApplicationShutdown {
  private runtime?: ConsumerRuntime<CallLegEvent>;
  private timer?: NodeJS.Timeout;
  private current: Promise<void> = Promise.resolve();
  private inflight?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(ENRICHER_CONFIG) private readonly config: EnricherConfig,
    private readonly enrichment: CallEnrichmentService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(CallTimersScheduler.name);
  }

  start(runtime: ConsumerRuntime<CallLegEvent>): void {
    this.runtime = runtime;
    this.stopped = false;
    this.schedule();
  }

  /**
   * Resolves once no timer transaction holds a partition's lock. A restore waits for it before
   * reading the changelog, so it sees what that transaction commits. (It must not wait for a
   * tick queued behind the lock: that lock may be held by a batch waiting for the restore.)
   */
  idle(): Promise<void> {
    return this.inflight ?? Promise.resolve();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => this.schedule());
    }, this.config.enrichment.timerIntervalMs);
  }

  /** One pass: fires the due deadlines of the partitions whose batches stopped (called every ENRICHER_TIMER_INTERVAL_MS). */
  async tick(now = Date.now()): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    const { fetchLingerMs, timerIntervalMs } = this.config.enrichment;
    for (const partition of this.enrichment.store.readyPartitions()) {
      if (this.stopped) return;
      if (this.enrichment.batchedSince(partition, now - fetchLingerMs - timerIntervalMs)) continue;
      if (this.enrichment.store.due(partition, now).length === 0) continue;
      const epoch = this.enrichment.store.epoch(partition);
      try {
        await runtime.transaction('callLegs', partition, async (ctx) => {
          // queued behind a batch while the partition was restored (or revoked): the state it looked at is gone
          if (this.enrichment.store.epoch(partition) !== epoch) return;
          let release!: () => void;
          this.inflight = new Promise<void>((resolve) => (release = resolve));
          const done = () => {
            this.inflight = undefined;
            release();
          };
          ctx.onCommitted(done);
          ctx.onAborted(done);
          this.enrichment.fireDueTimers(partition, ctx);
        });
      } catch (err) {
        // the deadlines are still in the state: the next tick tries again
        this.logger.warn({ err, partition }, 'firing due timers failed');
      }
    }
  }
}
