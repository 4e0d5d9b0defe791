import type { DeliveryJob, TopicId } from '@callhooks/contracts';
import type { BatchContext, ConsumedRecord, OutgoingRecord } from '@callhooks/kafka';
import type { Logger } from 'pino';
import type { DeliveryMetrics } from './delivery.metrics';
import { PARKED_HEADER, type DeliveryExecutor, type JobReport, type Outgoing, type ReadyJob } from './delivery.executor';
import { targetOrigin } from '@callhooks/contracts';
import { attemptFailed, carryJobTrace, endAttemptSpan, startAttemptSpan } from './delivery-tracing';
import { DetachedAttempts } from './detached-attempts';
import { traceHeaders } from '@callhooks/observability';
import type { RetrySchedule } from './retry-schedule';
import { WebhookRateLimits } from './target-rate-limits';
import type { HeldSlot, SlotClass, TargetSlots } from './target-slots';
import { loopIdleMs } from './target-concurrency';

/** Header of a safety copy: the key of the detached attempt it stands for. */
export const HANDOFF_HEADER = 'x-callhooks-handoff';
/** A job of the batch that was still waiting for a slot of its target at the deadline. */
const UNSTARTED = Symbol('unstarted');
/** A copy comes back this long after its attempt's own timeout, when the attempt has surely ended. */
const HANDOFF_MARGIN_MS = 1000;

/** A handled job of the batch: its record and what came of it. */
type Handled = [ConsumedRecord<DeliveryJob>, JobReport];

/**
 * Records a batch handled beyond its deferral (leaveUnstarted): read again, they are skipped,
 * once. Forgotten after a while (the partition went to another instance, which runs them again).
 */
class RanAhead {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  static key(record: ConsumedRecord<unknown>): string {
    return `${record.topic}:${record.partition}:${record.offset}`;
  }

  add(keys: string[]): void {
    const now = this.now();
    for (const [k, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(k);
    for (const k of keys) this.entries.set(k, now + this.ttlMs);
  }

  take(key: string): boolean {
    return this.entries.delete(key);
  }
}

/** The deadline of one batch: when, whether it has passed, and a promise resolved (to null) then. */
interface BatchDeadline {
  at: number;
  passed: boolean;
  expired: Promise<null>;
}

export interface BatchRunnerSettings {
  batchDeadlineMs: number;
  attemptTimeoutMs: number;
  /** Distinguishes this process's copies in logs; a restarted process does not know the old ones. */
  instanceId: string;
}

/**
 * Runs one consumed batch of delivery jobs (from the deliveries topic or a retry tier).
 *
 * No head-of-line blocking, even within a partition:
 * - every job of the batch is started at once, limited only by the per-target and global
 *   concurrency slots (TargetSlots); a job waits for a slot of its own target, never behind
 *   another target's jobs;
 * - a job whose breaker is open, or whose target has every slot held by attempts that
 *   outlived their batches (a hanging target), is not awaited: it is rescheduled to a retry
 *   tier without using up an attempt. A target busy with the attempts of live batches (this
 *   one, another partition's, a retry tier's) is waited for: those free up within a deadline;
 * - the batch waits at most `batchDeadlineMs` (default 2 s, far below the 15 s attempt
 *   timeout). Jobs still waiting for a slot then are left for the next batch, read again at
 *   once from the first of them (leaveUnstarted); attempts still running go
 *   on detached from the batch, and the batch commits a safety copy of each of their jobs
 *   to a retry tier, due just after the attempt's timeout. If the process dies before the
 *   attempt ends, the copy brings the job back (at least once, same webhook-id); if it ends,
 *   its result is published at once and the copy, when it comes back, only carries what
 *   follows (next attempt or dead letter: DetachedAttempts), so a job has one retry chain;
 *   if the result could not be published, the copy carries it (never a second request).
 *   Only a slow attempt is detached: one that has itself run a deadline (outlived), not one
 *   that started late in the batch or whose response the busy process has not read yet.
 *
 * So a batch takes at most two deadlines plus a produce, however many targets hang, and a
 * healthy target sharing a partition with a dead one loses at most one deadline once (the
 * first batch, before the dead target's slots are all held by detached attempts and its
 * breaker opens). Waiting for whole attempts instead would stall the partition for an
 * attempt timeout per batch, and per half-open probe.
 *
 * Retry tiers: jobs of a tier come back in (almost) not_before order (RetrySchedule), so the
 * runner handles the due prefix of the batch and defers the rest: the runtime commits what
 * was handled and pauses the partition until the first job not yet due (no busy loop, no
 * batch held for minutes, heartbeats unaffected).
 *
 * A target that comes back (see the README, "A target that comes back"): its jobs held by the
 * open breaker wait in one tier until the probe may go (DeliveryExecutor.breakerOpen); while
 * the probe is in flight the target's other jobs wait for its outcome, within the deadline,
 * instead of being held for another reset period; a job from the deliveries topic gets the
 * target's slots before the jobs back from a tier (TargetSlots, fresh first); and the jobs of
 * one call to one webhook in a batch are attempted one after the other, oldest (first in the
 * batch) first, so a call's backlog reaches the receiver in order.
 */
export class DeliveryBatchRunner {
  private readonly ranAhead: RanAhead;

  constructor(
    private readonly settings: BatchRunnerSettings,
    private readonly executor: DeliveryExecutor,
    private readonly slots: TargetSlots,
    private readonly detached: DetachedAttempts,
    private readonly schedule: RetrySchedule,
    /** Publishes the result of an attempt that ended after its batch committed. */
    private readonly publishLate: (outputs: Outgoing[]) => Promise<void>,
    private readonly metrics: DeliveryMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly rateLimits: WebhookRateLimits = new WebhookRateLimits(now),
    /** Time this process's event loop has spent waiting for I/O so far (ms): see runJob. */
    private readonly loopIdle: () => number = loopIdleMs,
  ) {
    this.ranAhead = new RanAhead(now);
  }

  async handle(topic: TopicId, records: Array<ConsumedRecord<DeliveryJob>>, ctx: BatchContext): Promise<JobReport[]> {
    const started = this.now();
    let due = records;
    if (this.schedule.tierOf(topic)) {
      const first = records.findIndex((r) => (r.value.not_before ?? 0) > started);
      if (first >= 0) {
        ctx.defer(records[first], records[first].value.not_before!);
        due = records.slice(0, first);
      }
    }
    if (due.length === 0) return [];

    const cancels = new Set<() => void>();
    let deadlineTimer!: NodeJS.Timeout;
    const batch: BatchDeadline = {
      at: started + this.settings.batchDeadlineMs,
      passed: false,
      expired: new Promise<null>((resolve) => {
        deadlineTimer = setTimeout(() => {
          batch.passed = true;
          for (const cancel of cancels) cancel();
          resolve(null);
        }, this.settings.batchDeadlineMs);
      }),
    };
    const slotClass: SlotClass = this.schedule.tierOf(topic) ? 'backlog' : 'fresh';
    let reports: Array<JobReport | typeof UNSTARTED>;
    try {
      const lastOfCall = new Map<string, Promise<JobReport | typeof UNSTARTED>>();
      reports = await Promise.all(
        due.map((record) => {
          const call = record.value.call_uuid ? `${record.value.webhook_id} ${record.value.call_uuid}` : null;
          const before = call ? lastOfCall.get(call) : undefined;
          const run = before
            ? before.then((previous) => (this.mayFollow(previous, batch) ? this.runJob(record, cancels, batch, ctx, slotClass) : UNSTARTED))
            : this.runJob(record, cancels, batch, ctx, slotClass);
          if (call) lastOfCall.set(call, run);
          return run;
        }),
      );
    } finally {
      clearTimeout(deadlineTimer);
    }
    const done = this.leaveUnstarted(due, reports, ctx);
    this.countParked(done, ctx);

    const byTopic = new Map<TopicId, OutgoingRecord[]>();
    for (const [record, report] of done) {
      carryJobTrace(report.outputs, record);
      for (const o of report.outputs) {
        const list = byTopic.get(o.topic) ?? [];
        list.push(o.record);
        byTopic.set(o.topic, list);
      }
    }
    for (const [t, list] of byTopic) ctx.send(t, list);
    return done.map(([, report]) => report);
  }

  /**
   * Whether the next job of a call may start after `previous`: not when the previous one did not
   * start or is still running (detached), nor once the batch's deadline has passed (it would
   * wait for a slot nobody cancels); a job of a call so left over goes with the batch's unstarted ones.
   */
  private mayFollow(previous: JobReport | typeof UNSTARTED, batch: BatchDeadline): boolean {
    return previous !== UNSTARTED && previous.outcome !== 'DETACHED' && !batch.passed;
  }

  /**
   * callhooks_target_parked_jobs, once the batch is committed: each job held for an open breaker
   * (PARKED_HEADER on its reschedule) counts on its target, each held job read back counts off.
   */
  private countParked(done: Handled[], ctx: BatchContext): void {
    const delta = new Map<string, number>();
    const add = (target: string | undefined, n: number) => {
      if (target) delta.set(target, (delta.get(target) ?? 0) + n);
    };
    for (const [record, report] of done) {
      if (report.outcome !== 'SETTLED' || report.outputs.length > 0) add(record.headers[PARKED_HEADER], -1);
      for (const o of report.outputs) {
        const held = o.record.headers?.[PARKED_HEADER];
        add(typeof held === 'string' ? held : undefined, 1);
      }
    }
    if (delta.size > 0) ctx.onCommitted(() => delta.forEach((n, target) => n !== 0 && this.metrics.parkedChanged(target, n)));
  }

  /**
   * Jobs not started when the deadline came (waiting for a slot, behind their call's previous
   * job, for a probe or a rate limit). The batch commits up to the first of them and the
   * partition is read again from there at once: backpressure, with no extra record and no
   * retry-tier delay, and the partition's order kept (a call's held events stay in order; a
   * fresh job does not fall into the backlog's tier). Jobs after it that did run are not run
   * again when read again: their outputs go with this batch and their records, once committed,
   * are skipped (RanAhead). Only a crash or a rebalance in between runs them again (at least
   * once, the same webhook-id).
   */
  private leaveUnstarted(due: Array<ConsumedRecord<DeliveryJob>>, reports: Array<JobReport | typeof UNSTARTED>, ctx: BatchContext): Handled[] {
    const done: Handled[] = [];
    const first = reports.indexOf(UNSTARTED);
    const ahead: string[] = [];
    for (const [i, report] of reports.entries()) {
      if (report === UNSTARTED) continue;
      done.push([due[i], report]);
      if (first >= 0 && i > first) ahead.push(RanAhead.key(due[i]));
    }
    if (first < 0) return done;
    this.metrics.leftForNextBatch.inc(reports.length - done.length);
    ctx.defer(due[first], this.now());
    if (ahead.length > 0) ctx.onCommitted(() => this.ranAhead.add(ahead));
    return done;
  }

  private async runJob(
    record: ConsumedRecord<DeliveryJob>,
    cancels: Set<() => void>,
    batch: BatchDeadline,
    ctx: BatchContext,
    slotClass: SlotClass,
  ): Promise<JobReport | typeof UNSTARTED> {
    const job = record.value;
    const target = targetOrigin(job.url);
    const key = record.key ?? target;

    const ranAhead = RanAhead.key(record);
    if (this.ranAhead.take(ranAhead)) {
      ctx.onAborted(() => this.ranAhead.add([ranAhead]));
      return { outcome: 'SETTLED', outputs: [] };
    }

    const handoff = record.headers[HANDOFF_HEADER];
    if (handoff) {
      const known = this.detached.take(handoff);
      if (known?.state === 'settled') {
        ctx.onAborted(() => this.detached.restore(handoff, known));
        return { outcome: 'SETTLED', outputs: known.followUps };
      }
      if (known?.state === 'running') return this.copy(job, key, handoff, this.now() + HANDOFF_MARGIN_MS);
      // unknown here: the attempt may never have ended; make it again
    }

    const prepared = this.executor.prepare(job, key, target);
    if ('report' in prepared) return prepared.report;
    if (this.slots.hanging(target)) return this.executor.postponeBusy(job, key);
    if (prepared.ready.rateLimit !== null && !(await this.throttle(prepared.ready.job.webhook_id, prepared.ready.rateLimit, batch.at))) return UNSTARTED;

    let slot: HeldSlot | null;
    for (;;) {
      const wait = this.slots.acquire(target, slotClass);
      cancels.add(wait.cancel);
      slot = await wait.slot;
      cancels.delete(wait.cancel);
      if (!slot) return UNSTARTED;
      const probe = this.executor.probeInFlight(target);
      if (!probe) break;
      // half-open: one probe decides for the target; its outcome, not another reset period, says whether this job goes
      slot.release();
      if ((await Promise.race([probe.then(() => true), batch.expired])) === null) return UNSTARTED;
      if (!this.executor.breakerAllows(target)) return this.executor.breakerOpen(job, key);
    }

    const startedAt = this.now();
    const idleAtStart = this.loopIdle();
    const inflightAtStart = this.slots.inflight(target);
    const span = startAttemptSpan(record, target);
    const attempt = this.executor
      .attempt({ ...prepared.ready, trace: traceHeaders(span) })
      .then((report) => {
        // the target's limit follows the target's latency, not this process's: an answer that
        // waited for our busy event loop to read it does not make the target slow (at saturation
        // our own turns were most of a loopback receiver's 8-10 ms and held its limit at the base)
        const waitedMs = Math.min(this.now() - startedAt, this.loopIdle() - idleAtStart);
        this.slots.observe(target, waitedMs, report.outcome === 'SUCCEEDED', inflightAtStart);
        return endAttemptSpan(span, report, record);
      }, (err: unknown) => attemptFailed(span, err))
      .finally(() => slot.release());
    const finished = await Promise.race([attempt, this.outlived(startedAt, batch.expired)]);
    if (finished) return finished;
    slot.detach();
    return this.detach(prepared.ready, startedAt, attempt);
  }

  /**
   * Waits for the webhook's next instant under its rate limit, if it comes before the batch's
   * deadline; false when it does not (the job is left for a later batch, no attempt used).
   */
  private async throttle(webhookId: string, perSecond: number, deadline: number): Promise<boolean> {
    const wait = this.rateLimits.reserve(webhookId, perSecond, deadline - this.now());
    if (wait === null) {
      this.metrics.throttled.inc({ outcome: 'deferred' });
      return false;
    }
    if (wait > 0) {
      this.metrics.throttled.inc({ outcome: 'waited' });
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return true;
  }

  /**
   * When an attempt counts as slow: once the batch's deadline has passed AND the attempt
   * itself has run a deadline's length. A job that waited its turn behind its target's
   * other jobs, or a process busy with other work, does not make its target slow. And the
   * judgement comes after the event loop has read what already arrived (setImmediate runs
   * after the poll phase): a process busy past the deadline would otherwise see the timer
   * before the responses waiting on its sockets. So a batch waits at most twice the deadline.
   */
  private outlived(startedAt: number, expired: Promise<null>): Promise<null> {
    return expired.then(
      () =>
        new Promise<null>((resolve) => {
          const judge = () => setImmediate(() => resolve(null));
          const left = startedAt + this.settings.batchDeadlineMs - this.now();
          if (left > 0) setTimeout(judge, left);
          else judge();
        }),
    );
  }

  /** The attempt outlived the batch deadline: let it finish on its own, and commit a safety copy. */
  private detach(ready: ReadyJob, startedAt: number, attempt: Promise<JobReport>): JobReport {
    const { job, key } = ready;
    const attemptKey = `${this.settings.instanceId}:${DetachedAttempts.key(job.delivery_id, job.attempt)}`;
    this.metrics.detached.inc();
    this.detached.running(attemptKey);
    void attempt.then(async (report) => {
      const results = report.outputs.filter((o) => o.topic === 'deliveryResults');
      const followUps = report.outputs.filter((o) => o.topic !== 'deliveryResults');
      try {
        await this.publishLate(results);
        this.detached.settled(attemptKey, followUps);
      } catch (err) {
        // The request was made: making it again would repeat the delivery. The copy carries the result instead.
        this.detached.settled(attemptKey, report.outputs);
        this.logger.warn({ err, deliveryId: job.delivery_id, attempt: job.attempt }, 'could not publish the result of a detached attempt; its safety copy will');
      }
    }, (err: unknown) => {
      // no outcome to speak of (the attempt itself broke): the copy makes the attempt again
      this.detached.forget(attemptKey);
      this.logger.warn({ err, deliveryId: job.delivery_id, attempt: job.attempt }, 'a detached attempt failed without an outcome');
    });
    return this.copy(job, key, attemptKey, startedAt + this.settings.attemptTimeoutMs + HANDOFF_MARGIN_MS);
  }

  private copy(job: DeliveryJob, key: string, attemptKey: string, notBefore: number): JobReport {
    const tier = this.schedule.tierFor(notBefore - this.now());
    return {
      outcome: 'DETACHED',
      outputs: [{ topic: tier.topic, record: { key, value: { ...job, not_before: notBefore } satisfies DeliveryJob, headers: { [HANDOFF_HEADER]: attemptKey } } }],
    };
  }
}
