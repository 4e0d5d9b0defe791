import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model } from 'mongoose';
import { ConflictError, NotFoundError, RetryableError, targetOrigin, type DeliveryAttemptResult, type DeliveryJob } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { findPage, type ListQueryDto, type Page } from '../common/pagination';
import { resendJob } from './delivery-resend';
import { dayOf, DeliveryRecord, type DeliveryAttempt, type DeliveryStatus } from './delivery.schema';

export interface DeliveryFilter {
  webhook_id?: string;
  environment_id?: string;
  event?: string;
  call_uuid?: string;
  status?: DeliveryStatus;
  from?: Date;
  to?: Date;
}

export type DeliverySummary = Omit<DeliveryRecord, 'attempts' | 'rev' | '_id' | 'created_day'> & { id: string };
export type DeliveryDetail = DeliverySummary & { attempts: DeliveryAttempt[] };

/** Read-modify-write rounds before a result is handed back to the consumer runtime as retryable. */
const MAX_WRITE_ROUNDS = 8;
const DAY_MS = 24 * 3_600_000;

/**
 * The delivery log: one document per delivery with its attempts, kept from the
 * delivery-results topic, and the customer-facing queries and redelivery over it.
 */
@Injectable()
export class DeliveryLogService {
  constructor(
    @InjectModel(DeliveryRecord.name) private readonly deliveries: Model<DeliveryRecord>,
    private readonly kafka: KafkaContext,
  ) {}

  /**
   * Records a batch of results, each inner list being one delivery's results in order. A
   * delivery not yet in the log (the common case: a first attempt) is inserted with one
   * insertMany for the whole batch, which costs the database one request instead of two per
   * result; a delivery that already exists, or was created meanwhile, goes through record().
   */
  async insertFresh(byDelivery: DeliveryAttemptResult[][]): Promise<DeliveryAttemptResult[][]> {
    const fresh = byDelivery.filter((results) => results.every((r) => r.attempt === 1 && r.origin === 'EVENT'));
    const rest = byDelivery.filter((results) => !fresh.includes(results));
    let fallback: DeliveryAttemptResult[][] = [];
    if (fresh.length > 0) {
      const docs = fresh.map((results) => newDocument(results[0], dedupeAttempts(results.map(attemptOf))));
      try {
        // the driver's own insertMany: the documents are complete and typed by the Avro contract,
        // and mongoose's per-document casting was most of this consumer's CPU under load
        await this.deliveries.collection.insertMany(docs as unknown as Array<Record<string, unknown>>, { ordered: false });
      } catch (err) {
        // an insert that failed (the delivery exists: a replay) is merged one result at a time;
        // record() is idempotent, so going through it again for an inserted one is harmless
        const failed = new Set((writeErrorsOf(err) ?? docs.map((_, index) => ({ index }))).map((e) => e.index));
        fallback = fresh.filter((_, i) => failed.has(i));
      }
    }
    return [...rest, ...fallback];
  }

  /**
   * Records one attempt's result, idempotently: the attempt is keyed by its number, so a
   * result read again after a crash replaces itself instead of adding a row. The delivery's
   * status follows its highest attempt (a BREAKER_OPEN, not attempted, shows as RETRYING).
   */
  async record(result: DeliveryAttemptResult): Promise<void> {
    const attempt = attemptOf(result);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await this.deliveries.findById(result.delivery_id).lean();
      const now = new Date();
      if (!current) {
        try {
          await this.deliveries.create(newDocument(result, [attempt]));
          return;
        } catch (err) {
          if ((err as { code?: number }).code === 11000) continue; // created meanwhile: merge into it
          throw err;
        }
      }
      const attempts = [...current.attempts.filter((a) => a.attempt !== attempt.attempt), attempt].sort((a, b) => a.attempt - b.attempt);
      const updated = await this.deliveries.updateOne(
        { _id: result.delivery_id, rev: current.rev },
        { $set: { attempts, ...summarize(attempts), updated_at: now }, $inc: { rev: 1 } },
      );
      if (updated.matchedCount === 1) return;
    }
    throw new RetryableError(`delivery ${result.delivery_id} kept changing while its result was recorded`);
  }

  async list(customerId: string, filter: DeliveryFilter, query: ListQueryDto): Promise<Page<DeliverySummary>> {
    const where: FilterQuery<DeliveryRecord> = { customer_id: customerId };
    for (const key of ['webhook_id', 'environment_id', 'event', 'call_uuid', 'status'] as const) {
      if (filter[key] !== undefined) where[key] = filter[key];
    }
    if (filter.from || filter.to) where.created_at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    const { items, meta } = await findPage(this.deliveries, where, query);
    return { data: items.map((d) => summary(d)), page: meta };
  }

  async get(customerId: string, id: string): Promise<DeliveryDetail> {
    const doc = await this.findOwn(customerId, id);
    if (!doc) throw new NotFoundError(`delivery ${id} not found`, { id });
    return { ...summary(doc), attempts: doc.attempts };
  }

  /**
   * A delivery of this customer, or null (another customer's is not found either). By `_id`
   * alone, the customer checked here: FerretDB's SQLite backend pushes a filter down only when
   * it is `_id` and nothing else; MongoDB answers both shapes from the `_id` index.
   */
  private async findOwn(customerId: string, id: string): Promise<DeliveryRecord | null> {
    const doc = await this.deliveries.findById(id).lean<DeliveryRecord>();
    return doc?.customer_id === customerId ? doc : null;
  }

  /**
   * Sends the delivery again: one more attempt of the same message (same delivery id, so the
   * same webhook-id: the Standard Webhooks contract, as Svix does for a resend), numbered
   * after the last attempt so the log keeps every attempt, made once and not retried
   * automatically. Refused while the delivery still has an attempt pending.
   */
  async redeliver(customerId: string, id: string): Promise<{ delivery_id: string; attempt: number }> {
    const doc = await this.findOwn(customerId, id);
    if (!doc) throw new NotFoundError(`delivery ${id} not found`, { id });
    if (doc.status === 'PENDING' || doc.status === 'RETRYING') {
      throw new ConflictError(`delivery ${id} has an attempt pending (${doc.status}); redeliver it once that is done`, { id, status: doc.status });
    }
    const attempt = Math.max(0, ...doc.attempts.map((a) => a.attempt)) + 1;
    const job = resendJob(doc, attempt, false);
    await this.send(job, targetOrigin(doc.url));
    // PENDING unless the attempt's result already came back (rev moved on)
    await this.deliveries.updateOne({ _id: id, rev: doc.rev }, { $set: { status: 'PENDING', updated_at: new Date() }, $inc: { rev: 1 } });
    return { delivery_id: id, attempt };
  }

  /** Queues a delivery job for the dispatcher, keyed by its target origin. */
  async send(job: DeliveryJob, key: string): Promise<void> {
    await this.kafka.send('deliveries', [{ key, value: job }]);
  }

  /** Polls the log for the result of one attempt (test sends), until it is there or the time is up. */
  async waitForAttempt(customerId: string, id: string, attempt: number, timeoutMs: number): Promise<DeliveryDetail | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const doc = await this.findOwn(customerId, id);
      if (doc?.attempts.some((a) => a.attempt === attempt && a.outcome !== 'BREAKER_OPEN')) return { ...summary(doc), attempts: doc.attempts };
      if (Date.now() >= end) return null;
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, end - Date.now()))));
    }
  }

  /** Deletes every delivery created before `cutoff`, whatever its age; returns how many. */
  async purgeCreatedBefore(cutoff: Date): Promise<number> {
    return (await this.deliveries.deleteMany({ created_at: { $lt: cutoff } })).deletedCount;
  }

  /**
   * Deletes what expired within the day before `cutoff`: deliveries of the cutoff's day created
   * before it, and those of the whole day before. Two equalities on created_day: index probes on
   * MongoDB and on FerretDB's PostgreSQL backend alike, where purgeCreatedBefore's range makes
   * FerretDB read the whole log (it pushes equalities down, never ranges).
   */
  async purgeDayBefore(cutoff: Date): Promise<number> {
    const today = await this.deliveries.deleteMany({ created_day: dayOf(cutoff), created_at: { $lt: cutoff } });
    const yesterday = await this.deliveries.deleteMany({ created_day: dayOf(new Date(cutoff.getTime() - DAY_MS)) });
    return today.deletedCount + yesterday.deletedCount;
  }
}

/** One attempt as the log stores it, from its result record. */
function attemptOf(result: DeliveryAttemptResult): DeliveryAttempt {
  return {
    attempt: result.attempt,
    outcome: result.outcome,
    status_code: result.status_code,
    error_class: result.error_class,
    latency_ms: result.latency_ms,
    response_snippet: result.response_snippet,
    attempted_at: new Date(result.attempted_at),
    next_attempt_at: result.next_attempt_at === null ? null : new Date(result.next_attempt_at),
  };
}

/** One row per attempt number, the last result read winning (a replay replaces itself). */
function dedupeAttempts(attempts: DeliveryAttempt[]): DeliveryAttempt[] {
  return [...new Map(attempts.map((a) => [a.attempt, a])).values()].sort((a, b) => a.attempt - b.attempt);
}

function newDocument(result: DeliveryAttemptResult, attempts: DeliveryAttempt[]): DeliveryRecord {
  return {
    _id: result.delivery_id,
    customer_id: result.customer_id,
    webhook_id: result.webhook_id,
    environment_id: result.environment_id,
    event: result.event,
    event_id: result.event_id,
    call_uuid: result.call_uuid,
    origin: result.origin,
    method: result.method,
    url: result.url,
    request_body: result.request_body,
    ...summarize(attempts),
    attempts,
    created_at: attempts[0].attempted_at,
    created_day: dayOf(attempts[0].attempted_at),
    updated_at: new Date(),
    rev: 0,
  } as DeliveryRecord;
}

function writeErrorsOf(err: unknown): Array<{ index: number }> | null {
  const e = err as { writeErrors?: Array<{ index: number }>; code?: number };
  return Array.isArray(e?.writeErrors) ? e.writeErrors : null;
}

/** Status and timing fields that follow from the attempts. */
function summarize(attempts: DeliveryAttempt[]): Pick<DeliveryRecord, 'status' | 'attempt_count' | 'last_attempt_at' | 'next_attempt_at'> {
  const latest = attempts.reduce((a, b) => (b.attempt >= a.attempt ? b : a));
  const status: DeliveryStatus = latest.outcome === 'BREAKER_OPEN' ? 'RETRYING' : (latest.outcome as DeliveryStatus);
  return {
    status,
    attempt_count: attempts.filter((a) => a.outcome !== 'BREAKER_OPEN').length,
    last_attempt_at: attempts.filter((a) => a.outcome !== 'BREAKER_OPEN').reduce<Date | null>((m, a) => (m && m > a.attempted_at ? m : a.attempted_at), null),
    next_attempt_at: status === 'RETRYING' ? latest.next_attempt_at : null,
  };
}

function summary(doc: DeliveryRecord): DeliverySummary {
  const { _id, attempts: _attempts, rev: _rev, created_day: _day, ...rest } = doc as DeliveryRecord & { attempts?: unknown };
  return { id: _id, ...rest };
}
