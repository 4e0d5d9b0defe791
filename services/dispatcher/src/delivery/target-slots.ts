export interface SlotListener {
  inflightChanged(target: string, inflight: number): void;
}

/** A held slot; release it exactly once when the attempt ends. */
export type ReleaseSlot = () => void;

interface Waiter {
  target: string;
  owner: object;
  grant: (release: ReleaseSlot | null) => void;
}

/**
 * Concurrency limits of HTTP attempts: at most `perTarget` in flight to one target origin
 * and `total` in the whole process. A waiter gets a slot in arrival order as soon as both
 * limits allow, or null when it gives up (its batch's deadline). Each slot records its owner
 * (the batch that took it), so a batch can tell a target busy with its own attempts, whose
 * slots free up soon, from one saturated by attempts of earlier batches that went on past
 * their deadline (a hanging target): waiting for the latter would only stall the batch.
 */
export class TargetSlots {
  private readonly byTarget = new Map<string, Map<object, number>>();
  private readonly inflightByTarget = new Map<string, number>();
  private inflightTotal = 0;
  private waiters: Waiter[] = [];

  constructor(
    private readonly perTarget: number,
    private readonly total: number,
    private readonly listener?: SlotListener,
  ) {}

  inflight(target?: string): number {
    return target === undefined ? this.inflightTotal : (this.inflightByTarget.get(target) ?? 0);
  }

  /** True when the target is at its limit and none of its slots belongs to `owner`. */
  saturatedByOthers(target: string, owner: object): boolean {
    return this.inflight(target) >= this.perTarget && !(this.byTarget.get(target)?.get(owner) ?? 0);
  }

  /** A slot now, or null. */
  tryAcquire(target: string, owner: object): ReleaseSlot | null {
    if (!this.fits(target)) return null;
    return this.take(target, owner);
  }

  /**
   * A slot as soon as one is free (FIFO among the waiters that fit); `cancel()` ends the
   * wait, resolving the slot to null. Every waiter that fits is granted at each release, so
   * a waiter left over is always one whose target (or the process) is full: a newcomer that
   * fits may take its slot at once without overtaking anyone.
   */
  acquire(target: string, owner: object): { slot: Promise<ReleaseSlot | null>; cancel: () => void } {
    const now = this.tryAcquire(target, owner);
    if (now) return { slot: Promise.resolve(now), cancel: () => undefined };
    let waiter!: Waiter;
    const slot = new Promise<ReleaseSlot | null>((resolve) => {
      waiter = { target, owner, grant: resolve };
      this.waiters.push(waiter);
    });
    return {
      slot,
      cancel: () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          waiter.grant(null);
        }
      },
    };
  }

  private fits(target: string): boolean {
    return this.inflightTotal < this.total && this.inflight(target) < this.perTarget;
  }

  private take(target: string, owner: object): ReleaseSlot {
    this.inflightTotal++;
    const n = this.inflight(target) + 1;
    this.inflightByTarget.set(target, n);
    let owners = this.byTarget.get(target);
    if (!owners) this.byTarget.set(target, (owners = new Map()));
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    this.listener?.inflightChanged(target, n);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(target, owner);
    };
  }

  private give(target: string, owner: object): void {
    this.inflightTotal--;
    const n = this.inflight(target) - 1;
    if (n <= 0) this.inflightByTarget.delete(target);
    else this.inflightByTarget.set(target, n);
    const owners = this.byTarget.get(target)!;
    const mine = (owners.get(owner) ?? 1) - 1;
    if (mine <= 0) owners.delete(owner);
    else owners.set(owner, mine);
    if (owners.size === 0) this.byTarget.delete(target);
    this.listener?.inflightChanged(target, Math.max(n, 0));
    this.grantWaiting();
  }

  /** Grants free slots to the earliest waiters that fit (a waiter for a busy target does not block others). */
  private grantWaiting(): void {
    if (this.waiters.length === 0 || this.inflightTotal >= this.total) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.fits(w.target)) w.grant(this.take(w.target, w.owner));
      else still.push(w);
    }
    this.waiters = still;
  }
}
