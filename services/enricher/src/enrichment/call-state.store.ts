import type { CallRecord } from './call-state';

/**
 * The calls of one partition by deadline (a binary min-heap on dueAt), so finding the due ones
 * costs what is due, not a scan of every call: closed markers are kept for days, and the due
 * calls are looked up on every batch and timer tick. Entries are the records themselves
 * (immutable: a change replaces the record); an entry whose record is no longer the call's
 * current one is stale and dropped when it reaches the top.
 */
class DeadlineHeap {
  private readonly items: CallRecord[] = [];

  constructor(
    private readonly isCurrent: (record: CallRecord) => boolean,
    records: Iterable<CallRecord> = [],
  ) {
    for (const r of records) if (r.dueAt !== null) this.items.push(r);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  push(record: CallRecord): void {
    if (record.dueAt === null) return;
    this.items.push(record);
    this.up(this.items.length - 1);
  }

  /** The current records due at `now`, in no particular order. */
  due(now: number): CallRecord[] {
    while (this.items.length > 0 && !this.isCurrent(this.items[0])) this.pop();
    const out: CallRecord[] = [];
    const stack = this.items.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const r = this.items[i];
      if (r.dueAt! > now) continue;
      if (this.isCurrent(r)) out.push(r);
      for (const c of [2 * i + 1, 2 * i + 2]) if (c < this.items.length) stack.push(c);
    }
    return out;
  }

  get length(): number {
    return this.items.length;
  }

  private pop(): void {
    const last = this.items.pop()!;
    if (this.items.length === 0) return;
    this.items[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const a = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].dueAt! <= a[i].dueAt!) return;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l].dueAt! < a[m].dueAt!) m = l;
      if (r < a.length && a[r].dueAt! < a[m].dueAt!) m = r;
      if (m === i) return;
      [a[m], a[i]] = [a[i], a[m]];
      i = m;
    }
  }
}

/**
 * The in-memory state of the calls of the input partitions this instance owns. It only ever
 * holds what the changelog holds: changes are applied once their Kafka transaction
 * committed, and a partition is (re)loaded from the changelog when it is assigned.
 */
export class CallStateStore {
  private readonly partitions = new Map<number, Map<string, CallRecord>>();
  private readonly deadlines = new Map<number, DeadlineHeap>();
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
    const deadlines = this.deadlines.get(partition)!;
    for (const [callUuid, record] of changes) {
      this.count(calls.get(callUuid), -1);
      if (record === null) calls.delete(callUuid);
      else {
        calls.set(callUuid, record);
        deadlines.push(record);
      }
      this.count(record ?? undefined, +1);
    }
    // stale entries (superseded deadlines) are dropped as they reach the top; should they pile up, rebuild
    if (deadlines.length > 2 * calls.size + 1024) this.deadlines.set(partition, this.heapOf(calls));
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
    this.deadlines.set(partition, this.heapOf(calls));
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

  /** Calls of a partition whose timer is due at `now` (costs what is due, not the partition's size). */
  due(partition: number, now: number): Array<[string, CallRecord]> {
    return (this.deadlines.get(partition)?.due(now) ?? []).map((r) => [r.callUuid, r]);
  }

  private heapOf(calls: Map<string, CallRecord>): DeadlineHeap {
    return new DeadlineHeap((r) => calls.get(r.callUuid) === r, calls.values());
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
    this.deadlines.delete(partition);
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
