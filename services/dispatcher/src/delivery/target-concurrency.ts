import { performance } from 'node:perf_hooks';

/**
 * How long this process's event loop has waited for I/O since it started (ms). Over an attempt,
 * the difference is its latency net of the time our own process was busy (its answer may have
 * arrived while we were, and waited to be read): what the target's limit should follow.
 */
export function loopIdleMs(): number {
  return performance.eventLoopUtilization().idle;
}

export interface TargetConcurrencySettings {
  /** The limit of a target that is slow, failing or new: the protection of slow receivers. */
  base: number;
  /** The most a fast target can reach. */
  max: number;
  /** A target counts as fast while its recent latency stays within this factor of its best. */
  tolerance: number;
  /** Latency (ms) under which a target always counts as fast (loopback and same-datacenter receivers jitter by more than 2× at a few ms). */
  fastMs: number;
  /** Latency (ms) over which a target never grows: it holds sockets and the process's slots that long. */
  slowMs: number;
}

/** Attempts per window of the best-latency minimum: the best of the last one to two windows at the base limit counts. */
const WINDOW = 200;

interface TargetState {
  limit: number;
  /** The best latency of the current window of attempts and of the one before. */
  bestMs: number;
  previousBestMs: number;
  samples: number;
  /** Moving average of the latest latencies. */
  recentMs?: number;
}

/**
 * The concurrency limit of each target, additive increase / multiplicative decrease (AIMD,
 * as TCP's congestion window): a target starts at `base`; each success while its latency
 * stays low and its limit is in use adds 1/limit (one slot per limit's worth of successes);
 * each failure or slow answer takes half a slot, down to `base`. Slow means: the recent
 * latency is over `tolerance` times the target's best at the base limit (of the last few
 * hundred attempts there: it queues our requests), or over `slowMs` at all. A fast receiver so grows to what it answers
 * without queueing, up to `max`; a slow or failing one stays at `base`, the fixed limit of
 * before, and one that queues gets at most the concurrency at which its latency reaches
 * `tolerance` times its latency at the base limit.
 *
 * Latency, not only errors, is the signal: a receiver that queues requests answers later
 * before it fails. The latency observed is the target's own: the caller takes out the time
 * its event loop was busy during the attempt (loopIdleMs). A process busy at its CPU limit
 * otherwise saw its own turns as the receiver's latency (8-10 ms against a loopback receiver
 * answering at once, stalls of 100-200 ms) and held a fast target at the base limit, where
 * more requests in flight per turn would have cost it less CPU per request, not more. Chosen
 * over a gradient limit (Netflix's concurrency-limits) for its two rules that can be read
 * and tested; the gradient reacts faster to a latency drift.
 */
export class AdaptiveTargetConcurrency {
  private readonly targets = new Map<string, TargetState>();

  constructor(private readonly settings: TargetConcurrencySettings) {
    if (settings.max < settings.base) throw new Error('the maximum concurrency is below the base');
  }

  limit(target: string): number {
    return Math.floor(this.targets.get(target)?.limit ?? this.settings.base);
  }

  /**
   * One ended attempt: its latency, whether it succeeded, and how many attempts to the target
   * were in flight when it started (itself included): growth only when the limit was in use.
   */
  observe(target: string, latencyMs: number, ok: boolean, inflightAtStart: number): void {
    const s = this.settings;
    let t = this.targets.get(target);
    if (!t) {
      t = { limit: s.base, bestMs: latencyMs, previousBestMs: latencyMs, samples: 0 };
      this.targets.set(target, t);
    }
    if (++t.samples >= WINDOW) {
      t.samples = 0;
      // the reference is the latency at the base limit: forgetting an old best above it would
      // let a queueing receiver's growing latency become the new normal, slot by slot
      if (t.limit < s.base + 1) [t.previousBestMs, t.bestMs] = [t.bestMs, latencyMs];
    }
    t.bestMs = Math.min(t.bestMs, latencyMs);
    t.recentMs = t.recentMs === undefined ? latencyMs : t.recentMs + 0.2 * (latencyMs - t.recentMs);
    const best = Math.min(t.bestMs, t.previousBestMs);
    const fast = t.recentMs <= s.slowMs && t.recentMs <= Math.max(s.fastMs, s.tolerance * best);
    if (!ok || !fast) t.limit = Math.max(s.base, t.limit - 0.5);
    else if (inflightAtStart >= Math.floor(t.limit)) t.limit = Math.min(s.max, t.limit + 1 / t.limit);
  }

  /** Forgets targets back at the base limit, so the map does not grow with every target ever seen. */
  sweep(): void {
    for (const [target, t] of this.targets) if (t.limit <= this.settings.base) this.targets.delete(target);
  }
}
