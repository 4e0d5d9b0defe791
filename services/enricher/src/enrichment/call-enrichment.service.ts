import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import type { CallEvent, CallLegEvent } from '@callhooks/contracts';
import type { BatchContext, ConsumedRecord } from '@callhooks/kafka';
import { ENRICHER_CONFIG, type EnricherConfig } from '../config/enricher.config';
import { toSnapshot, type CallRecord } from './call-state';
import { applyLegs, fireTimers, type EnrichmentTimings } from './call-state.reducer';
import { CallStateStore } from './call-state.store';
import { CallTraces } from './call-traces';
import { EnricherMetrics } from './enricher.metrics';

/**
 * The enricher's unit of work, for a consumed batch and for due timers alike: run the pure
 * reducer against the committed state, queue the events and the changed call states (the
 * changelog, on the input partition, keyed by call) in the same Kafka transaction, and touch
 * the in-memory store only once that transaction committed.
 */
@Injectable()
export class CallEnrichmentService {
  readonly store = new CallStateStore();
  private readonly traces = new CallTraces();
  readonly metrics: EnricherMetrics;
  private readonly timings: EnrichmentTimings;
  /** Per input partition, when its last batch was handled (its due timers fired with it). */
  private readonly lastBatchAt = new Map<number, number>();

  constructor(
    @Inject(ENRICHER_CONFIG) config: EnricherConfig,
    @Inject(Registry) registry: Registry,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(CallEnrichmentService.name);
    this.timings = config.enrichment.timings;
    this.metrics = new EnricherMetrics(registry, { open: () => this.store.open, closed: () => this.store.closed });
  }

  /**
   * One consumed batch of one input partition. The partition's due timers fire first, in the
   * same transaction, as if their own transaction had committed just before the batch: a busy
   * partition then needs no timer transaction of its own (CallTimersScheduler only fires those
   * of partitions whose batches stopped: none within a fetch linger and a tick).
   */
  handleLegs(records: Array<ConsumedRecord<CallLegEvent>>, ctx: BatchContext): void {
    const partition = records[0].partition;
    const now = Date.now();
    this.lastBatchAt.set(partition, now);
    const changes = new Map<string, CallRecord | null>();
    const events: CallEvent[] = [];
    const expired = this.collectDueTimers(partition, now, changes, events);
    const byCall = new Map<string, Array<ConsumedRecord<CallLegEvent>>>();
    for (const r of records) {
      this.traces.remember(r.value.call_uuid, r.headers);
      const list = byCall.get(r.value.call_uuid);
      if (list) list.push(r);
      else byCall.set(r.value.call_uuid, [r]);
    }
    let duplicates = 0;
    let late = 0;
    for (const [callUuid, legs] of byCall) {
      // a timer of this batch may have changed (or forgotten) the call already
      const current = changes.has(callUuid) ? (changes.get(callUuid) ?? undefined) : this.store.get(partition, callUuid);
      const outcome = applyLegs(current, legs.map((r) => r.value), now, this.timings);
      outcome.verdicts.forEach((verdict, i) => {
        const r = legs[i];
        if (verdict.kind === 'duplicate') duplicates++;
        else if (verdict.kind === 'rejected') ctx.deadLetter(r, 'contract_violation', verdict.reason);
        else if (verdict.kind === 'late') {
          late++;
          this.logger.info({ callUuid, eventId: r.value.event_id, kind: r.value.kind, partition, offset: r.offset }, 'late leg of a reported call: not re-reported');
        }
      });
      if (outcome.changed) changes.set(callUuid, outcome.record!);
      events.push(...outcome.events);
    }
    this.queue(ctx, partition, changes, events, now);
    ctx.onCommitted(() => {
      if (duplicates > 0) this.metrics.duplicateLegs.inc(duplicates);
      if (late > 0) this.metrics.lateLegs.inc(late);
      if (expired > 0) this.metrics.expiredCalls.inc(expired);
    });
  }

  /** Whether a batch of the partition was handled after `since` (epoch ms). */
  batchedSince(partition: number, since: number): boolean {
    return (this.lastBatchAt.get(partition) ?? 0) > since;
  }

  /** Fires the due timers of one partition (inside the partition's out-of-band transaction). */
  fireDueTimers(partition: number, ctx: BatchContext): void {
    const changes = new Map<string, CallRecord | null>();
    const events: CallEvent[] = [];
    const now = Date.now();
    const expired = this.collectDueTimers(partition, now, changes, events);
    this.queue(ctx, partition, changes, events, now);
    ctx.onCommitted(() => {
      if (expired > 0) this.metrics.expiredCalls.inc(expired);
    });
  }

  /** The state changes and events of the partition's timers due at `now`; returns how many calls were given up. */
  private collectDueTimers(partition: number, now: number, changes: Map<string, CallRecord | null>, events: CallEvent[]): number {
    let expired = 0;
    for (const [callUuid, record] of this.store.due(partition, now)) {
      const outcome = fireTimers(record, now, this.timings);
      if (!outcome) continue;
      if (outcome.kind === 'evaluated') {
        changes.set(callUuid, outcome.record);
        events.push(...outcome.events);
      } else {
        changes.set(callUuid, null);
        if (outcome.kind === 'expired') {
          expired++;
          this.logger.warn({ callUuid, partition, legs: outcome.call.legs.length, lastSeenAt: new Date(outcome.call.lastSeenAt).toISOString() }, 'call went silent without ending: given up');
        }
      }
    }
    return expired;
  }

  private queue(ctx: BatchContext, partition: number, changes: Map<string, CallRecord | null>, events: CallEvent[], startedAt: number): void {
    const epoch = this.store.epoch(partition);
    if (events.length > 0) ctx.send('callEvents', events.map((e) => ({ key: e.call_uuid, value: e, headers: this.traces.eventHeaders(e, startedAt) })));
    // the changelog partition is the input partition: a partition's state restores from one place
    if (changes.size > 0) ctx.send('enricherState', [...changes].map(([callUuid, record]) => ({ key: callUuid, value: record ? toSnapshot(record) : null, partition })));
    ctx.onCommitted(() => {
      this.store.apply(partition, changes, epoch);
      for (const [callUuid, record] of changes) if (!record) this.traces.forget(callUuid);
      this.metrics.emitted(events);
    });
  }
}
