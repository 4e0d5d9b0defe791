import type { CallRecord } from './call-state';

/**
 * The in-memory state of the calls of the input partitions this instance owns. It only ever
 * holds what the changelog holds: changes are applied once their Kafka transaction
 * committed, and a partition is (re)loaded from the changelog when it is assigned.
 */
export class CallStateStore {
  private readonly partitions = new Map<number, Map<string, CallRecord>>();
  /** Partitions being restored: neither timers nor batches touch them meanwhile. */
  private readonly restoring = new Set<number>();
  /** Bumped when a partition's state is replaced or dropped: work planned against the old state can tell. */
  private readonly epochs = new Map<number, number>();
  private openCount = 0;
  private closedCount = 0;

  get(partition: number, callUuid: string): CallRecord | undefined {
    return this.partitions.get(partition)?.get(callUuid);
  }

  /**
   * Applies committed changes of one partition, planned at `epoch`; null forgets the call
   * (its tombstone committed). Changes planned before the partition was restored or revoked
   * are dropped: the changelog, which has them, is the truth the restore read.
   */
  apply(partition: number, changes: ReadonlyMap<string, CallRecord | null>, epoch: number): void {
    const calls = this.partitions.get(partition);
    if (!calls || this.epoch(partition) !== epoch) return;
    for (const [callUuid, record] of changes) {
      this.count(calls.get(callUuid), -1);
      if (record === null) calls.delete(callUuid);
      else calls.set(callUuid, record);
      this.count(record ?? undefined, +1);
    }
  }

  /** Marks partitions as being restored (their state is about to be replaced). */
  beginRestore(partitions: readonly number[]): void {
    for (const p of partitions) {
      this.restoring.add(p);
      this.bump(p);
    }
  }

  epoch(partition: number): number {
    return this.epochs.get(partition) ?? 0;
  }

  /** Replaces a partition's state with what the changelog holds and opens it for work. */
  finishRestore(partition: number, calls: Map<string, CallRecord>): void {
    this.drop(partition);
    this.partitions.set(partition, calls);
    for (const r of calls.values()) this.count(r, +1);
    this.restoring.delete(partition);
  }

  /** Forgets every partition not in `keep` (revoked by a rebalance). */
  retainOnly(keep: readonly number[]): void {
    for (const p of [...this.partitions.keys()]) if (!keep.includes(p)) this.drop(p);
    for (const p of [...this.restoring]) if (!keep.includes(p)) this.restoring.delete(p);
  }

  /** Partitions owned and ready (restored). */
  readyPartitions(): number[] {
    return [...this.partitions.keys()].filter((p) => !this.restoring.has(p));
  }

  isRestoring(): boolean {
    return this.restoring.size > 0;
  }

  /** Calls of a partition whose timer is due at `now`. */
  due(partition: number, now: number): Array<[string, CallRecord]> {
    const out: Array<[string, CallRecord]> = [];
    for (const entry of this.partitions.get(partition) ?? []) if (entry[1].dueAt !== null && entry[1].dueAt <= now) out.push(entry);
    return out;
  }

  size(partition: number): number {
    return this.partitions.get(partition)?.size ?? 0;
  }

  get open(): number {
    return this.openCount;
  }

  get closed(): number {
    return this.closedCount;
  }

  private drop(partition: number): void {
    const calls = this.partitions.get(partition);
    if (!calls) return;
    for (const r of calls.values()) this.count(r, -1);
    this.partitions.delete(partition);
    this.bump(partition);
  }

  private bump(partition: number): void {
    this.epochs.set(partition, this.epoch(partition) + 1);
  }

  private count(record: CallRecord | undefined, delta: number): void {
    if (!record) return;
    if (record.status === 'open') this.openCount += delta;
    else this.closedCount += delta;
  }
}
