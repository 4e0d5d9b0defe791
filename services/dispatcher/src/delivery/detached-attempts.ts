import type { Outgoing } from './delivery.executor';

export type DetachedState = { state: 'running' } | { state: 'settled'; followUps: Outgoing[] };

/**
 * Attempts that outlived their batch (see DeliveryBatchRunner). When the batch commits, a
 * safety copy of each such job waits in a retry tier; when the copy comes back, this
 * registry says what became of the original attempt: settled (the copy carries what is left
 * to send: the follow-ups, next attempt or dead letter, and the result when it could not be
 * published on its own; never a second request) or still
 * running (the copy waits again). A copy this process knows nothing about (it restarted, or
 * another instance owns the tier partition) is simply attempted again: at least once.
 */
export class DetachedAttempts {
  private readonly entries = new Map<string, { value: DetachedState; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(ttlMs, 60_000));
    this.sweeper.unref();
  }

  static key(deliveryId: string, attempt: number): string {
    return `${deliveryId}#${attempt}`;
  }

  get size(): number {
    return this.entries.size;
  }

  running(key: string): void {
    this.entries.set(key, { value: { state: 'running' }, expiresAt: this.now() + this.ttlMs });
  }

  settled(key: string, followUps: Outgoing[]): void {
    this.entries.set(key, { value: { state: 'settled', followUps }, expiresAt: this.now() + this.ttlMs });
  }

  /** Forgets an attempt that broke without an outcome: its copy will make it again. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** What became of the attempt; a settled entry is consumed (the copy is handled once). */
  take(key: string): DetachedState | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.value.state === 'settled') this.entries.delete(key);
    return e.value;
  }

  /** Puts back a settled entry whose follow-ups were not committed (the batch will be handled again). */
  restore(key: string, state: DetachedState): void {
    this.entries.set(key, { value: state, expiresAt: this.now() + this.ttlMs });
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}
