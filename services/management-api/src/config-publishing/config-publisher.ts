import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ConfigPublishingMetrics } from './config-publishing.metrics';
import { refKey, type ConfigSink, type ConfigStore, type EntityRef, type PublishRequest } from './config-store';

export interface ConfigPublisherOptions {
  /** Entities per Kafka batch. */
  batchSize: number;
  /** Pause after a failed send, doubled on each failure up to backoffMaxMs. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Beyond this many queued entities new requests are dropped: they stay flagged in MongoDB for the reconciler. */
  maxQueued: number;
}

const DEFAULTS: ConfigPublisherOptions = { batchSize: 500, backoffMinMs: 500, backoffMaxMs: 30_000, maxQueued: 50_000 };

/** How long shutdown waits for a batch in flight (Kafka may be retrying a dead broker). */
const SHUTDOWN_WAIT_MS = 5000;

/** A document that keeps moving while we publish it is left to the reconciler after this many rounds. */
const MAX_ROUNDS_PER_ENTITY = 5;

/**
 * Publishes the current state of changed webhooks and environments to the config topic,
 * after the write to MongoDB (which flagged them `publish_pending`). Requests are coalesced
 * per entity and sent by ONE loop, one batch at a time, so the records of an entity reach
 * the topic in the order of its versions and the last record of each key (the one
 * compaction keeps) is the newest. A batch is acknowledged in MongoDB only at the version
 * sent; an entity that changed meanwhile (in this instance or another) is sent again, so a
 * late stale record is always followed by the current one.
 *
 * Failures never reach the API caller: the entities stay flagged, the loop backs off and
 * retries, and the reconciler finds anything left behind (e.g. after a crash).
 */
export class ConfigPublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ConfigPublisher.name);
  private readonly options: ConfigPublisherOptions;
  private readonly queue = new Map<string, PublishRequest>();
  private readonly rounds = new Map<string, number>();
  private draining?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private backoffMs = 0;
  private stopped = false;

  constructor(
    private readonly store: ConfigStore,
    private readonly sink: ConfigSink,
    private readonly metrics: ConfigPublishingMetrics,
    options: Partial<ConfigPublisherOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Queues these entities for publishing (read from the store when sent); returns at once and never throws. */
  request(refs: EntityRef[]): void {
    if (this.stopped) return;
    for (const ref of refs) {
      if (this.queue.size >= this.options.maxQueued) break;
      // one already queued keeps its place, and the document written with it if any
      if (!this.queue.has(refKey(ref))) this.queue.set(refKey(ref), { type: ref.type, id: ref.id });
    }
    if (!this.retryTimer) this.kick();
  }

  /**
   * Queues an entity this process has just written, with the document as written: it is sent
   * without a read (see PublishRequest). Of two writes queued, the newer version is sent.
   */
  requestWritten(ref: EntityRef, written: { version: number }): void {
    if (this.stopped) return;
    const key = refKey(ref);
    const queued = this.queue.get(key);
    if (!queued && this.queue.size >= this.options.maxQueued) return;
    if (queued?.written && queued.written.version >= written.version) return;
    this.queue.set(key, { type: ref.type, id: ref.id, written });
    if (!this.retryTimer) this.kick();
  }

  /** Resolves when the loop has nothing left to try now (queue empty, or waiting out a backoff). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** True while a failure backoff holds the queue. */
  isBackingOff(): boolean {
    return this.retryTimer !== undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // let a batch in flight finish, for a few seconds at most; the rest stays flagged for the next start
    await Promise.race([this.idle(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
    await this.sink.close();
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // requests that arrived while the last batch was being acknowledged
      if (this.queue.size > 0 && !this.retryTimer) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0 && !this.stopped) {
      const batch = this.take(this.options.batchSize);
      let entities;
      try {
        entities = await this.store.load(batch);
        await this.sink.send(entities.map((e) => ({ key: e.key, value: e.record })));
      } catch (err) {
        this.metrics.failed(batch.length);
        for (const request of batch) if (!this.queue.has(refKey(request))) this.queue.set(refKey(request), request);
        this.scheduleRetry(err as Error, batch.length);
        return;
      }
      this.backoffMs = 0;
      this.metrics.published(entities.length);
      await this.acknowledge(entities);
    }
  }

  private async acknowledge(entities: Awaited<ReturnType<ConfigStore['load']>>): Promise<void> {
    let movedOn: EntityRef[];
    try {
      movedOn = await this.store.acknowledge(entities);
    } catch (err) {
      // sent but not marked: the reconciler sends them once more, which readers ignore (same version)
      this.logger.warn({ err, entities: entities.length }, 'published config records but could not mark them published');
      return;
    }
    const moved = new Set(movedOn.map(refKey));
    for (const e of entities) {
      const key = refKey(e.ref);
      if (!moved.has(key)) {
        this.rounds.delete(key);
        continue;
      }
      const round = (this.rounds.get(key) ?? 0) + 1;
      if (round >= MAX_ROUNDS_PER_ENTITY) {
        this.rounds.delete(key);
        continue;
      }
      this.rounds.set(key, round);
      // read again: the document moved on past the version sent (a write queued meanwhile keeps its own)
      if (!this.queue.has(key)) this.queue.set(key, e.ref);
    }
  }

  private take(n: number): PublishRequest[] {
    const batch: PublishRequest[] = [];
    for (const [key, ref] of this.queue) {
      if (batch.length >= n) break;
      batch.push(ref);
      this.queue.delete(key);
    }
    return batch;
  }

  private scheduleRetry(err: Error, count: number): void {
    this.backoffMs = Math.min(this.options.backoffMaxMs, Math.max(this.options.backoffMinMs, this.backoffMs * 2));
    this.logger.warn(
      { err: { message: err.message, name: err.name }, entities: count, retryInMs: this.backoffMs },
      'could not publish config records; they stay flagged in MongoDB and will be retried',
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.backoffMs);
    this.retryTimer.unref();
  }
}
