import { PinoLogger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import type { CallLegEvent } from '@callhooks/contracts';
import { simulateCall } from '@callhooks/call-simulator';
import type { BatchContext, ConsumedRecord, ConsumerRuntime } from '@callhooks/kafka';
import { loadEnricherConfig } from '../config/enricher.config';
import { CallEnrichmentService } from './call-enrichment.service';
import type { CallRecord } from './call-state';
import { CallTimersScheduler } from './call-timers.scheduler';

const LINGER_MS = 100;
// the scheduler's own periodic tick stays a minute away: these tests call tick() themselves
const TICK_MS = 60_000;

/** A reported call's marker whose retention ended: due, and its timer only forgets it. */
function dueMarker(callUuid: string): CallRecord {
  return { status: 'closed', callUuid, customerId: 'c1', environmentId: 'e1', reportedAt: 0, dueAt: 1 };
}

/** A unit of work's context that commits when told to, running its onCommitted hooks as the runtime does. */
function context(): BatchContext & { commit: () => void } {
  const committed: Array<() => void> = [];
  return {
    commit: () => committed.forEach((fn) => fn()),
    send: () => undefined,
    deadLetter: () => undefined,
    onCommitted: (fn) => committed.push(fn),
    onAborted: () => undefined,
    heartbeat: async () => undefined,
    isRunning: () => true,
    defer: () => undefined,
  };
}

describe('CallTimersScheduler.tick', () => {
  const config = loadEnricherConfig({ ENRICHER_FETCH_LINGER_MS: String(LINGER_MS), ENRICHER_TIMER_INTERVAL_MS: String(TICK_MS) });
  let enrichment: CallEnrichmentService;
  let scheduler: CallTimersScheduler;
  /** The partitions the tick opened a transaction for. */
  let transactions: number[];

  beforeEach(() => {
    const logger = new PinoLogger({ pinoHttp: { level: 'silent' } });
    enrichment = new CallEnrichmentService(config, new Registry(), logger);
    scheduler = new CallTimersScheduler(config, enrichment, logger);
    transactions = [];
    const runtime = {
      transaction: async (_topic: string, partition: number, work: (ctx: BatchContext) => Promise<void>) => {
        transactions.push(partition);
        const ctx = context();
        await work(ctx);
        ctx.commit();
      },
    } as unknown as ConsumerRuntime<CallLegEvent>;
    scheduler.start(runtime);
    for (const p of [0, 1]) {
      enrichment.store.beginRestore([p]);
      enrichment.store.finishRestore(p, new Map([[`due-${p}`, dueMarker(`due-${p}`)]]));
    }
  });

  afterEach(() => scheduler.beforeApplicationShutdown());

  it('fires the due timers of a partition without recent batches, and leaves those of a partition with one to its next batch', async () => {
    const call = simulateCall('internal', { seed: 7 });
    const leg: ConsumedRecord<CallLegEvent> = { topic: 'legs', partition: 0, offset: '0', key: call.callUuid, value: call.legs[0], headers: {}, timestamp: Date.now() };
    const batch = context();
    enrichment.handleLegs([leg], batch);
    batch.commit();
    // the batch fired partition 0's due timer itself; a new one fell due since
    expect(enrichment.store.get(0, 'due-0')).toBeUndefined();
    enrichment.store.apply(0, new Map([['due-later', dueMarker('due-later')]]), enrichment.store.epoch(0));

    await scheduler.tick(Date.now());
    expect(transactions).toEqual([1]);

    // no batch for longer than a linger and a tick: the tick fires partition 0 too
    await scheduler.tick(Date.now() + LINGER_MS + TICK_MS + 1);
    expect(transactions).toEqual([1, 0]);
  });

  it('opens no transaction for a partition with nothing due', async () => {
    await scheduler.tick(Date.now() + LINGER_MS + TICK_MS + 1);
    expect(transactions.sort()).toEqual([0, 1]);
    // both timers fired and committed: nothing is due any more
    await scheduler.tick(Date.now() + LINGER_MS + TICK_MS + 1);
    expect(transactions).toEqual([0, 1]);
  });
});
