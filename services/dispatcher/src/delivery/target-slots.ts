import type { AdaptiveTargetConcurrency } from './target-concurrency';

export interface SlotListener {
  inflightChanged(target: string, inflight: number): void;
  limitChanged?(target: string, limit: number): void;
}

/** A held slot. `release()` when the attempt ends (once; more calls do nothing); `detach()` when the attempt outlives its batch. */
export interface HeldSlot {
  release(): void;
  detach(): void;
}

interface Waiter {
  target: string;
  grant: (slot: HeldSlot | null) => void;
}

/**
 * Who waits for a slot: `fresh` (a first attempt from the deliveries topic, a test, a redelivery,
 * a recovery's resend) or `backlog` (a job back from a retry tier).
 */
export type SlotClass = 'fresh' | 'backlog';

/** The waiters of one target: fresh ones first, and one backlog grant at least every BACKLOG_SHARE grants. */
interface TargetQueue {
  fresh: Waiter[];
  backlog: Waiter[];
  /** Grants to fresh waiters since the last one to a backlog waiter, while both waited. */
  freshInARow: number;
}

/**
 * When both wait, a backlog waiter gets at least one grant in this many: fresh events go
 * first (they must not queue behind a recovered target's backlog), and the backlog still
 * drains at a quarter of the target's pace or more under a fresh load that would fill it.
 */
const BACKLOG_SHARE = 4;

/**
 * Concurrency limits of HTTP attempts: at most the target's limit in flight to one target
 * origin (a fixed number, or each target's own adaptive limit: AdaptiveTargetConcurrency)
 * and `total` in the whole process. A waiter gets a slot in arrival order as soon as both
 * limits allow, or null when it gives up (its batch's deadline).
 *
 * A slot whose attempt outlived its batch's deadline is marked detached. A target whose
 * every slot is held by detached attempts is hanging: a batch should not wait for it (its
 * slots free up only when those attempts time out). A target saturated by attempts of live
 * batches, on the other hand, is only busy: their slots free up within a batch deadline,
 * so waiting for them is right (rescheduling would cost the job a retry tier's delay).
 */
export class TargetSlots {
  private readonly inflightByTarget = new Map<string, number>();
  private readonly detachedByTarget = new Map<string, number>();
  private inflightTotal = 0;
  /** Waiters per target, each class FIFO (a batch can queue hundreds behind one busy target). */
  private readonly waiting = new Map<string, TargetQueue>();
  private waiterCount = 0;

  constructor(
    private readonly perTarget: number | AdaptiveTargetConcurrency,
    private readonly total: number,
    private readonly listener?: SlotListener,
  ) {}

  /** The target's concurrency limit now. */
  limit(target: string): number {
    return typeof this.perTarget === 'number' ? this.perTarget : this.perTarget.limit(target);
  }

  /** An attempt ended: feeds an adaptive limit (latency, success, and how many were in flight when it started). */
  observe(target: string, latencyMs: number, ok: boolean, inflightAtStart: number): void {
    if (typeof this.perTarget === 'number') return;
    const before = this.perTarget.limit(target);
    // the process at its total: that limit, not the target's, holds its requests back, so a fast
    // answer says nothing about more; growing then only let one target take the others' share
    const limitInUse = this.inflightTotal < this.total ? inflightAtStart : 0;
    this.perTarget.observe(target, latencyMs, ok, limitInUse);
    const after = this.perTarget.limit(target);
    if (after === before) return;
    this.listener?.limitChanged?.(target, after);
    // a grown limit lets waiters in now, not at the next release
    if (after > before && this.waiterCount > 0) this.grantWaiting(target);
  }

  inflight(target?: string): number {
    return target === undefined ? this.inflightTotal : (this.inflightByTarget.get(target) ?? 0);
  }

  /** True when every slot of the target is held by an attempt that outlived its batch. */
  hanging(target: string): boolean {
    return (this.detachedByTarget.get(target) ?? 0) >= this.limit(target);
  }

  /** A slot now, or null. */
  tryAcquire(target: string): HeldSlot | null {
    if (!this.fits(target)) return null;
    return this.take(target);
  }

  /**
   * A slot as soon as one is free; `cancel()` ends the wait, resolving the slot to null. A
   * target's waiters are served FIFO within their class, fresh before backlog (but a backlog
   * waiter at least every BACKLOG_SHARE grants). Every waiter that fits is granted at each
   * release, so a waiter left over is always one whose target (or the process) is full: a
   * newcomer that fits may take its slot at once without overtaking anyone.
   */
  acquire(target: string, slotClass: SlotClass = 'fresh'): { slot: Promise<HeldSlot | null>; cancel: () => void } {
    const now = this.tryAcquire(target);
    if (now) return { slot: Promise.resolve(now), cancel: () => undefined };
    let waiter!: Waiter;
    const slot = new Promise<HeldSlot | null>((resolve) => {
      waiter = { target, grant: resolve };
      let queue = this.waiting.get(target);
      if (!queue) {
        queue = { fresh: [], backlog: [], freshInARow: 0 };
        this.waiting.set(target, queue);
      }
      queue[slotClass].push(waiter);
      this.waiterCount++;
    });
    return {
      slot,
      cancel: () => {
        const queue = this.waiting.get(target);
        const list = queue?.[slotClass];
        const i = list ? list.indexOf(waiter) : -1;
        if (i >= 0) {
          list!.splice(i, 1);
          if (queue!.fresh.length === 0 && queue!.backlog.length === 0) this.waiting.delete(target);
          this.waiterCount--;
          waiter.grant(null);
        }
      },
    };
  }

  private fits(target: string): boolean {
    return this.inflightTotal < this.total && this.inflight(target) < this.limit(target);
  }

  private take(target: string): HeldSlot {
    this.inflightTotal++;
    const n = this.inflight(target) + 1;
    this.inflightByTarget.set(target, n);
    this.listener?.inflightChanged(target, n);
    let state: 'held' | 'detached' | 'released' = 'held';
    return {
      detach: () => {
        if (state !== 'held') return;
        state = 'detached';
        this.detachedByTarget.set(target, (this.detachedByTarget.get(target) ?? 0) + 1);
      },
      release: () => {
        if (state === 'released') return;
        if (state === 'detached') {
          const d = (this.detachedByTarget.get(target) ?? 1) - 1;
          if (d <= 0) this.detachedByTarget.delete(target);
          else this.detachedByTarget.set(target, d);
        }
        state = 'released';
        this.give(target);
      },
    };
  }

  private give(target: string): void {
    const totalWasFull = this.inflightTotal >= this.total;
    this.inflightTotal--;
    const n = this.inflight(target) - 1;
    if (n <= 0) this.inflightByTarget.delete(target);
    else this.inflightByTarget.set(target, n);
    this.listener?.inflightChanged(target, Math.max(n, 0));
    if (this.waiterCount === 0) return;
    // the freed slot is this target's; other targets' waiters can only have been held back by the total
    this.grantWaiting(target);
    if (totalWasFull) for (const other of [...this.waiting.keys()]) this.grantWaiting(other);
  }

  /** Grants free slots to the next waiters of one target (fresh first, see BACKLOG_SHARE) while both limits allow. */
  private grantWaiting(target: string): void {
    const queue = this.waiting.get(target);
    if (!queue) return;
    while ((queue.fresh.length > 0 || queue.backlog.length > 0) && this.fits(target)) {
      const backlogTurn = queue.backlog.length > 0 && (queue.fresh.length === 0 || queue.freshInARow >= BACKLOG_SHARE - 1);
      if (backlogTurn) queue.freshInARow = 0;
      else if (queue.backlog.length > 0) queue.freshInARow++;
      this.waiterCount--;
      (backlogTurn ? queue.backlog : queue.fresh).shift()!.grant(this.take(target));
    }
    if (queue.fresh.length === 0 && queue.backlog.length === 0) this.waiting.delete(target);
  }
}
