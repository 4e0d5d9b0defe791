import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model } from 'mongoose';
import { targetOrigin, type DeliveryJob } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { DeliveryRecord, type DeliveryStatus } from './delivery.schema';

/** The job that sends a logged delivery again: same delivery id, so the same webhook-id. */
export function resendJob(doc: DeliveryRecord, attempt: number, retried: boolean): DeliveryJob {
  return {
    delivery_id: doc._id,
    webhook_id: doc.webhook_id,
    customer_id: doc.customer_id,
    environment_id: doc.environment_id,
    event_id: doc.event_id,
    event: doc.event,
    call_uuid: doc.call_uuid,
    // a retried resend runs the usual retry ladder (only EVENT jobs are retried) from this attempt
    origin: retried ? 'EVENT' : 'REDELIVERY',
    method: doc.method === 'GET' ? 'GET' : 'POST',
    url: doc.url,
    body: doc.method === 'GET' ? null : (doc.request_body ?? ''),
    headers: {},
    attempt,
    created_at: Date.now(),
    not_before: null,
    ...(retried ? { first_attempt: attempt } : {}),
  };
}

/** Which failed deliveries a recovery covers. */
export interface ResendScope {
  customerId: string;
  webhookId: string | null;
  environmentId: string | null;
  since: Date;
  until: Date | null;
}

/** Where a scan of the window stopped (creation time, then id). */
export interface ScanCursor {
  created_at: Date;
  id: string;
}

/** Statuses after which a delivery's latest attempt is over. */
const FINAL: DeliveryStatus[] = ['SUCCEEDED', 'FAILED', 'GONE', 'BLOCKED'];

/**
 * Bulk resending over the delivery log (its collection's writes stay in the deliveries
 * feature): scan a window for deliveries whose last status is FAILED (dead-lettered: no
 * attempt left), claim one (FAILED → PENDING, a conditional write, so two recoveries never
 * both send it, and a delivery delivered meanwhile is not FAILED any more), send it with the
 * next attempt number and the usual retries, and later read where each one ended.
 */
@Injectable()
export class DeliveryResend {
  constructor(
    @InjectModel(DeliveryRecord.name) private readonly deliveries: Model<DeliveryRecord>,
    private readonly kafka: KafkaContext,
  ) {}

  /** The next failed deliveries of the window after `cursor`, oldest first. */
  async nextFailed(scope: ResendScope, cursor: ScanCursor | null, limit: number): Promise<Array<Pick<DeliveryRecord, '_id' | 'created_at'>>> {
    // test sends are not deliveries of events: an admin repeats them at will
    const where: FilterQuery<DeliveryRecord> = { customer_id: scope.customerId, status: 'FAILED', origin: { $ne: 'TEST' } };
    if (scope.webhookId) where.webhook_id = scope.webhookId;
    if (scope.environmentId) where.environment_id = scope.environmentId;
    const created: Record<string, Date> = { $gte: scope.since };
    if (scope.until) created.$lt = scope.until;
    where.created_at = created;
    if (cursor) {
      where.$or = [{ created_at: { $gt: cursor.created_at } }, { created_at: cursor.created_at, _id: { $gt: cursor.id } }];
    }
    return this.deliveries.find(where, { _id: 1, created_at: 1 }).sort({ created_at: 1, _id: 1 }).limit(limit).lean().exec();
  }

  /** Claims a failed delivery and sends it again; the attempt number sent, or null if it is not FAILED any more. */
  async claimAndSend(id: string): Promise<number | null> {
    const doc = await this.deliveries.findById(id).lean().exec();
    if (!doc || doc.status !== 'FAILED') return null;
    const claimed = await this.deliveries.updateOne({ _id: id, rev: doc.rev, status: 'FAILED' }, { $set: { status: 'PENDING', updated_at: new Date() }, $inc: { rev: 1 } });
    if (claimed.matchedCount !== 1) return null;
    const attempt = Math.max(0, ...doc.attempts.map((a) => a.attempt)) + 1;
    await this.send(doc, attempt);
    return attempt;
  }

  /** Where each resent attempt stands: 'delivered', 'failed' (over, not delivered) or 'pending'. */
  async outcomes(sent: Array<{ id: string; attempt: number }>): Promise<Map<string, 'delivered' | 'failed' | 'pending'>> {
    const out = new Map<string, 'delivered' | 'failed' | 'pending'>();
    // one _id look-up each: FerretDB serves `_id` equality from its index but scans for `$in`
    await Promise.all(
      sent.map(async ({ id, attempt }) => {
        const doc = await this.deliveries.findById(id, { status: 1, attempts: 1 }).lean().exec();
        if (!doc) return out.set(id, 'failed'); // purged meanwhile
        const reached = doc.attempts.some((a) => a.attempt >= attempt && a.outcome !== 'BREAKER_OPEN');
        if (!reached || !FINAL.includes(doc.status)) return out.set(id, 'pending');
        return out.set(id, doc.status === 'SUCCEEDED' ? 'delivered' : 'failed');
      }),
    );
    return out;
  }

  private async send(doc: DeliveryRecord, attempt: number): Promise<void> {
    await this.kafka.send('deliveries', [{ key: targetOrigin(doc.url), value: resendJob(doc, attempt, true) }]);
  }
}
