import type { Logger } from 'pino';
import type { ConsumerSupervisionSettings } from '@callhooks/config';
import type { ConsumerLifecycleListener } from './consumer-group';
import type { KafkaMetrics } from './kafka.metrics';

/** What the supervisor needs of a consumer runtime. */
export interface SupervisedConsumer {
  readonly groupId: string;
  rejoin(): Promise<void>;
}

/** The first restart waits this long; each further one twice as long, up to restartMaxBackoffMs. */
const FIRST_RESTART_DELAY_MS = 1000;

/**
 * Keeps one consumer runtime in its group. A consumer that stops on its own (kafkajs CRASH:
 * a non-retriable error, retries exhausted, a group it could not rejoin) is joined again with
 * backoff (KAFKA_CONSUMER_RESTART, KAFKA_CONSUMER_RESTART_MAX_BACKOFF_MS); while it is down,
 * `callhooks_consumer_up{group}` reads 0, and once it has been down for
 * KAFKA_CONSUMER_DOWN_LIVENESS_MS liveness fails, so Kubernetes restarts the pod: restarts
 * that do not bring it back (or restarts turned off) end in a fresh process.
 */
export class ConsumerSupervisor implements ConsumerLifecycleListener {
  private state: 'idle' | 'down' | 'up' | 'stopped' = 'idle';
  private downSince: number | null = null;
  private attempts = 0;
  private restartTimer?: NodeJS.Timeout;
  private lastError?: Error;

  constructor(
    private readonly consumer: SupervisedConsumer,
    private readonly settings: ConsumerSupervisionSettings,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
  ) {}

  get groupId(): string {
    return this.consumer.groupId;
  }

  starting(): void {
    if (this.state === 'up') return;
    this.markDown();
  }

  joined(): void {
    if (this.state === 'stopped') return;
    if (this.attempts > 0) this.logger.info({ group: this.groupId, restarts: this.attempts, downMs: Date.now() - (this.downSince ?? Date.now()) }, 'consumer is back in its group');
    this.state = 'up';
    this.downSince = null;
    this.attempts = 0;
    this.lastError = undefined;
    this.metrics.consumerUp.set({ group: this.groupId }, 1);
    // the restart counter's series exists from the first join, so increase() sees its first restart
    this.metrics.consumerRestarts.inc({ group: this.groupId }, 0);
  }

  crashed(error: Error): void {
    if (this.state === 'stopped') return;
    this.lastError = error;
    this.markDown();
    if (this.settings.restart) this.scheduleRestart();
    else this.logger.error({ group: this.groupId, err: error }, `consumer stopped and KAFKA_CONSUMER_RESTART is off: liveness fails in ${this.settings.downLivenessMs} ms`);
  }

  stopped(): void {
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    this.metrics.consumerUp.remove({ group: this.groupId });
  }

  /** How long the consumer has been down at `now` (0 when it is up, stopped or not started). */
  downFor(now = Date.now()): number {
    return this.state === 'down' && this.downSince !== null ? now - this.downSince : 0;
  }

  /** Why liveness should fail, or null: down for longer than KAFKA_CONSUMER_DOWN_LIVENESS_MS. */
  livenessProblem(now = Date.now()): string | null {
    const down = this.downFor(now);
    if (down < this.settings.downLivenessMs) return null;
    return `consumer ${this.groupId} has been out of its group for ${Math.round(down / 1000)} s${this.lastError ? ` (${this.lastError.message})` : ''}`;
  }

  private markDown(): void {
    if (this.state !== 'down') this.downSince = Date.now();
    this.state = 'down';
    this.metrics.consumerUp.set({ group: this.groupId }, 0);
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    const delay = Math.min(this.settings.restartMaxBackoffMs, FIRST_RESTART_DELAY_MS * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    this.logger.warn({ group: this.groupId, attempt: this.attempts, delayMs: delay, err: this.lastError }, 'consumer stopped: restarting it');
    this.restartTimer = setTimeout(() => {
      if (this.state !== 'down') return;
      this.metrics.consumerRestarts.inc({ group: this.groupId });
      this.consumer.rejoin().catch((err: Error) => {
        // not even connected (Kafka unreachable): try again later; a crash after joining comes back through crashed()
        if (this.state !== 'down') return;
        this.lastError = err;
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }
}
