import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Registry } from 'prom-client';
import { DeliveryResend, type ResendScope } from '../deliveries/delivery-resend';
import { RECOVERIES_CONFIG, type RecoveriesConfig } from './config/recoveries.config';
import { Recovery, type InFlightResend } from './recovery.schema';

/** Failed deliveries read from the window per query. */
const SCAN_PAGE = 500;
/** Claims and sends made at once. */
const SEND_CONCURRENCY = 16;

/**
 * Carries out running recoveries, in every API instance: each tick, for each RUNNING
 * recovery this instance holds (or may take over: nobody renewed its lease), one step:
 *
 * 1. the resends in flight that are over are counted (delivered or failed) and let go;
 * 2. while fewer than MANAGEMENT_RECOVERY_WINDOW are in flight, the next failed deliveries of
 *    the window (oldest first) are written down as intended, then claimed (FAILED → PENDING,
 *    conditional) and sent with the next attempt number and the usual retries; a delivery no
 *    longer FAILED (delivered meanwhile, or claimed by another recovery) is skipped;
 * 3. once the window is scanned and nothing is in flight, the recovery is DONE.
 *
 * So a recovery keeps at most the window in the dispatcher's hands and goes at the pace the
 * target takes them (its breaker, concurrency and rate limit), and a resend is intended
 * before it is sent, so an instance taking over after a crash finishes what was started.
 */
@Injectable()
export class RecoveryRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly owner = `api-${randomUUID()}`;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  private readonly resent: Counter<'outcome'>;

  constructor(
    @Inject(RECOVERIES_CONFIG) private readonly config: RecoveriesConfig,
    @InjectModel(Recovery.name) private readonly recoveries: Model<Recovery>,
    private readonly resend: DeliveryResend,
    private readonly logger: PinoLogger,
    @Inject(Registry) registry: Registry,
  ) {
    this.logger.setContext(RecoveryRunner.name);
    this.resent = new Counter({
      name: 'callhooks_recovery_deliveries_total',
      help: 'Deliveries handled by bulk recoveries, by outcome: requeued, delivered, failed (again), skipped (no longer failed when reached)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.tickMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
  }

  /** Runs a tick now unless one is running. */
  kick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = this.tick()
      .catch((err: unknown) => this.logger.warn({ err }, 'recovery tick failed; the next one will try again'))
      .finally(() => (this.ticking = undefined));
  }

  private async tick(): Promise<void> {
    const running = await this.recoveries.find({ state: 'RUNNING' }).lean().exec();
    const now = Date.now();
    for (const r of running) {
      if (this.stopped) return;
      if (r.lease_owner !== this.owner && r.lease_until && r.lease_until.getTime() > now) continue;
      const held = await this.save(r, { lease_owner: this.owner, lease_until: new Date(now + this.config.leaseMs) });
      if (!held) continue;
      await this.step(held);
    }
  }

  private async step(r: Recovery): Promise<void> {
    let current = r;
    const scope: ResendScope = { customerId: r.customer_id, webhookId: r.webhook_id, environmentId: r.environment_id, since: r.since, until: r.until };
    // 1. resends that are over
    const inFlight = [...r.in_flight];
    const outcomes = await this.resend.outcomes(inFlight.filter((f) => f.sent));
    let delivered = 0;
    let failed = 0;
    const still = inFlight.filter((f) => {
      const o = outcomes.get(f.id);
      if (o === 'delivered') delivered++;
      else if (o === 'failed') failed++;
      return !f.sent || o === 'pending';
    });
    this.resent.inc({ outcome: 'delivered' }, delivered);
    this.resent.inc({ outcome: 'failed' }, failed);
    // 2. intend the next ones, written down before any is sent
    let cursor = r.cursor;
    let scanDone = r.scan_done;
    let matched = 0;
    const intended: InFlightResend[] = [];
    while (!scanDone && still.length + intended.length < this.config.window) {
      const page = await this.resend.nextFailed(scope, cursor, Math.min(SCAN_PAGE, this.config.window - still.length - intended.length));
      if (page.length === 0) scanDone = true;
      for (const d of page) {
        matched++;
        intended.push({ id: d.id, attempt: 0, sent: false });
        cursor = { created_at: d.created_at, id: d.id };
      }
    }
    const saved = await this.save(current, {
      in_flight: [...still, ...intended],
      cursor,
      scan_done: scanDone,
      matched: r.matched + matched,
      delivered: r.delivered + delivered,
      failed: r.failed + failed,
      lease_until: new Date(Date.now() + this.config.leaseMs),
    });
    if (!saved) return;
    current = saved;
    // then claim and send every one not yet sent (new ones, and any a crash left unsent)
    const unsent = current.in_flight.filter((f) => !f.sent);
    let requeued = 0;
    let skipped = 0;
    const sent = new Map<string, number>();
    const queue = [...unsent];
    const worker = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        // a crash after the claim and before the save below leaves it PENDING: skipped, though sent
        const attempt = await this.resend.claimAndSend(f.id);
        if (attempt === null) skipped++;
        else {
          sent.set(f.id, attempt);
          requeued++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, queue.length) }, worker));
    this.resent.inc({ outcome: 'requeued' }, requeued);
    this.resent.inc({ outcome: 'skipped' }, skipped);
    const afterSend = current.in_flight.filter((f) => f.sent || sent.has(f.id)).map((f) => (f.sent ? f : { id: f.id, attempt: sent.get(f.id)!, sent: true }));
    const done = current.scan_done && afterSend.length === 0;
    const finished = await this.save(current, {
      in_flight: afterSend,
      requeued: current.requeued + requeued,
      skipped: current.skipped + skipped,
      ...(done ? { state: 'DONE', finished_at: new Date(), lease_owner: null, lease_until: null } : {}),
    });
    if (finished && done) this.logger.info({ recoveryId: r._id, matched: finished.matched, requeued: finished.requeued, delivered: finished.delivered, failed: finished.failed }, 'recovery done');
  }

  /** A conditional write at the revision read: null when another instance changed it meanwhile. */
  private async save(r: Recovery, set: Partial<Recovery>): Promise<Recovery | null> {
    const updated = await this.recoveries.collection.findOneAndUpdate(
      { _id: r._id as never, rev: r.rev },
      { $set: { ...set, updated_at: new Date() }, $inc: { rev: 1 } },
      { returnDocument: 'after' },
    );
    return (updated as unknown as Recovery | null) ?? null;
  }
}
