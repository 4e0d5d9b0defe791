/**
 * How long a partition rests after a unit of work before it is fetched again, so that its
 * records of that time share the next unit (in transactional mode: one transaction, whose
 * cost to the broker is ~10 requests and log writes whatever it holds).
 *
 * None when idle, longer under load: from the partition's arrival rate λ (records/s, a moving
 * average over its batches), one maximum linger would gather m = λ·max records. When m ≤ 1,
 * a unit would hold about one record however long it waited: no rest. Above that, units
 * start `max − 1/λ` apart (the linger minus the time the next record takes to come anyway),
 * which grows towards `max` as the load grows. So a quiet partition's record is handled at
 * once, and a busy partition makes about one transaction per `max`, as a fixed linger did.
 */
export class AdaptiveFetchLinger {
  private readonly partitions = new Map<string, { lastStart: number; rate: number }>();

  constructor(
    /** The longest rest (ms): the fixed linger's interval. */
    readonly maxMs: number,
    /** Weight of the newest batch in the rate's moving average. */
    private readonly smoothing = 0.5,
  ) {}

  /**
   * Records that a batch of `records` records of `partition` started at `startedAt`, and returns
   * how long (ms) to leave the partition before fetching it again, counted from `now` (its end).
   */
  restAfter(partition: string, records: number, startedAt: number, now: number): number {
    const seen = this.partitions.get(partition);
    if (!seen || startedAt - seen.lastStart > 10 * this.maxMs) {
      // first batch, or after a quiet spell: the rate before says nothing about this burst
      this.partitions.set(partition, { lastStart: startedAt, rate: 0 });
      return 0;
    }
    const gapMs = Math.max(1, startedAt - seen.lastStart);
    const rate = this.smoothing * ((records * 1000) / gapMs) + (1 - this.smoothing) * seen.rate;
    this.partitions.set(partition, { lastStart: startedAt, rate });
    const perLinger = (rate * this.maxMs) / 1000;
    if (perLinger <= 1) return 0;
    const interval = this.maxMs - 1000 / rate;
    return Math.min(this.maxMs, Math.max(0, startedAt + interval - now));
  }

  /** Forgets a partition (revoked). */
  forget(partition: string): void {
    this.partitions.delete(partition);
  }
}
