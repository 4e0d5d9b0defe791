import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RetryableError, type DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { DocumentLocks } from '../database/document-locks';
import { isDuplicateKey } from '../database/duplicate-key';
import { applyResults, emptyHealth, type HealthState } from './health-buckets';
import { WebhookHealthRecord } from './webhook-health.schema';

/** Read-modify-write rounds before the batch is handed back to the consumer runtime as retryable. */
const MAX_WRITE_ROUNDS = 8;
/** Webhooks of one batch updated at once. */
const WRITE_CONCURRENCY = 8;

/** A webhook's health before and after a batch: what the notices and the sweep look at. */
export interface HealthChange {
  customerId: string;
  webhookId: string;
  before: HealthState;
  after: HealthState;
}

const healthLock = (webhookId: string): string => `webhook-health:${webhookId}`;

/**
 * Keeps the webhook_health documents: one read and one conditional write per webhook per
 * batch of results, whatever the batch size. A result counts once: each document remembers
 * the last offset it applied per partition of the results topic, and a partition's records
 * come in offset order, so a replay (after a crash, before the commit) is recognised.
 */
@Injectable()
export class WebhookHealthStore {
  constructor(
    @InjectModel(WebhookHealthRecord.name) private readonly health: Model<WebhookHealthRecord>,
    private readonly locks: DocumentLocks,
  ) {}

  /**
   * Applies a batch; `beforeWrite` sees each webhook's change before it is stored, so what it
   * sends (notices) is sent again if the write is lost, never skipped.
   */
  async apply(records: Array<ConsumedRecord<DeliveryAttemptResult>>, beforeWrite?: (change: HealthChange) => Promise<void>): Promise<HealthChange[]> {
    const byWebhook = new Map<string, Array<ConsumedRecord<DeliveryAttemptResult>>>();
    for (const r of records) {
      const list = byWebhook.get(r.value.webhook_id);
      if (list) list.push(r);
      else byWebhook.set(r.value.webhook_id, [r]);
    }
    const queue = [...byWebhook.values()];
    const changes: HealthChange[] = [];
    const worker = async () => {
      for (let list = queue.shift(); list; list = queue.shift()) {
        const change = await this.locks.run(healthLock(list[0].value.webhook_id), () => this.applyToWebhook(list!, beforeWrite));
        if (change) changes.push(change);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, queue.length) }, worker));
    return changes;
  }

  async get(webhookId: string): Promise<WebhookHealthRecord | null> {
    return this.health.findById(webhookId).lean().exec();
  }

  /**
   * The documents of these webhooks (a page of the list), by id: one `_id` look-up each, all at
   * once. FerretDB serves `_id` equality from its index but scans the collection for `$in`
   * (bench:health: 1.1 s for a page of 50 with `$in`); and only what the list shows.
   */
  async getMany(webhookIds: string[]): Promise<Map<string, WebhookHealthRecord>> {
    // the list shows the last 24 h from the hour buckets: the minute buckets, offsets and streak times are not needed
    // (FerretDB v1 refuses a `$slice` of the hours here)
    const projection = { minutes: 0, applied_offsets: 0, streak: 0 };
    const docs = await Promise.all(webhookIds.map((id) => this.health.findById(id, projection).lean().exec()));
    return new Map(docs.filter((d): d is NonNullable<typeof d> => d !== null).map((d) => [d._id, d]));
  }

  /** Webhooks whose every attempt failed since before `cutoff`. */
  async failingSince(cutoff: Date): Promise<WebhookHealthRecord[]> {
    return this.health.find({ failing_since: { $ne: null, $lte: cutoff } }).lean().exec();
  }

  private async applyToWebhook(records: Array<ConsumedRecord<DeliveryAttemptResult>>, beforeWrite?: (change: HealthChange) => Promise<void>): Promise<HealthChange | null> {
    const webhookId = records[0].value.webhook_id;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await this.health.findById(webhookId).lean().exec();
      const applied = { ...(current?.applied_offsets ?? {}) };
      const fresh = records.filter((r) => Number(r.offset) > (applied[String(r.partition)] ?? -1));
      if (fresh.length === 0) return null;
      for (const r of fresh) applied[String(r.partition)] = Math.max(applied[String(r.partition)] ?? -1, Number(r.offset));
      const before = current ? stateOf(current) : emptyHealth();
      const after = applyResults(structuredClone(before), fresh.map((r) => r.value), Date.now());
      const fields = { ...after, applied_offsets: applied, updated_at: new Date() };
      const change: HealthChange = { customerId: current?.customer_id ?? records[0].value.customer_id, webhookId, before, after };
      await beforeWrite?.(change);
      if (!current) {
        try {
          await this.health.collection.insertOne({ _id: webhookId, customer_id: change.customerId, ...fields, rev: 0 } as unknown as Record<string, unknown>);
          return change;
        } catch (err) {
          if (isDuplicateKey(err)) continue; // created meanwhile: update it instead
          throw err;
        }
      }
      const updated = await this.health.collection.updateOne({ _id: webhookId as never, rev: current.rev }, { $set: fields, $inc: { rev: 1 } });
      if (updated.matchedCount === 1) return change;
    }
    throw new RetryableError(`the health of webhook ${webhookId} kept changing while results were applied`);
  }
}

export function stateOf(doc: WebhookHealthRecord): HealthState {
  return {
    minutes: doc.minutes ?? [],
    hours: doc.hours ?? [],
    last_success: doc.last_success ?? null,
    last_failure: doc.last_failure ?? null,
    consecutive_failures: doc.consecutive_failures ?? 0,
    failing_since: doc.failing_since ?? null,
    streak: doc.streak ?? [],
    streak_overflow: doc.streak_overflow ?? 0,
    breaker_open_at: doc.breaker_open_at ?? null,
    last_attempt_at: doc.last_attempt_at ?? null,
  };
}
