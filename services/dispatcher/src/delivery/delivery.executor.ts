import { targetOrigin, type AttemptOutcome, type DeliveryAttemptResult, type DeliveryJob, type TopicId } from '@callhooks/contracts';
import { DLQ_HEADERS, type OutgoingRecord } from '@callhooks/kafka';
import type { DeliveryMetrics } from './delivery.metrics';
import { statusClass } from './delivery.metrics';
import { signatureHeaders, signedContent, validSecrets } from './request-signer';
import type { RetryDecision, RetrySchedule } from './retry-schedule';
import type { TargetBreakers } from './target-breakers';
import type { HttpAttempt, HttpRequestSpec, TargetHttpClient } from './target-http.client';
import type { WebhookDirectory } from './webhook-directory';

/** One record to produce once the batch (or the detached attempt) is done. */
export interface Outgoing {
  topic: TopicId;
  record: OutgoingRecord;
}

/**
 * What handling one job produced: the records to send (result, reschedule, dead letter).
 * Besides the attempt outcomes: POSTPONED (not attempted, no result), DETACHED (attempt went
 * on past the batch deadline; a safety copy is sent), SETTLED (a safety copy whose attempt ended).
 */
export interface JobReport {
  outcome: AttemptOutcome | 'POSTPONED' | 'DETACHED' | 'SETTLED';
  outputs: Outgoing[];
}

export interface ExecutorSettings {
  userAgent: string;
  unknownWebhookGraceMs: number;
}

/** A job cleared to be attempted, with what it needs for the attempt. */
export interface ReadyJob {
  job: DeliveryJob;
  key: string;
  target: string;
  secrets: string[];
  /** The webhook's custom headers as configured now; the job's own headers override them. */
  headers: Readonly<Record<string, string>>;
  /** The webhook's requests per second at most (WebhookRateLimits); null: no limit. */
  rateLimit: number | null;
  /** The attempt's trace context (`traceparent`), sent so the receiver can join the trace. */
  trace?: Readonly<Record<string, string>>;
}

/**
 * Header of a job held in a retry tier for its target's open breaker: the target origin, so the
 * job's return is counted off that target's backlog (callhooks_target_parked_jobs).
 */
export const PARKED_HEADER = 'x-callhooks-parked';
/** A held job comes back this long after the breaker's probe is due (opossum's timer is not early). */
const PROBE_MARGIN_MS = 500;

/** The deliveries DLQ carries its reason in the same header as every `<topic>.dlq`. */
export const DLQ_REASON_HEADER = DLQ_HEADERS.reason;

/**
 * The life of one delivery attempt, without Kafka: decide whether the job may be attempted
 * (webhook still there, breaker closed), attempt it through the target's breaker, and turn
 * the outcome into records: a DeliveryAttemptResult for every attempt, the next attempt in
 * a retry tier, or the job in the deliveries DLQ once no attempt is left.
 *
 * Outcomes: SUCCEEDED (2xx); RETRYING (failed, next attempt scheduled); FAILED (failed with
 * no attempt left, or the request can never be sent, or the webhook is deleted/disabled:
 * error_class webhook_deleted / webhook_disabled / webhook_unknown, dropped without DLQ as
 * nobody wants it delivered any more); GONE (410: no retry, the management API disables the
 * webhook); BLOCKED (SSRF guard: no retry, to the DLQ); BREAKER_OPEN (not attempted, the same
 * attempt rescheduled). TEST and REDELIVERY jobs get exactly one attempt, not retried (the
 * console shows that attempt; an admin asked for it and can ask again); a TEST may target a
 * disabled webhook, so an admin can try a webhook before enabling it. The webhook's current
 * custom headers are sent under the job's own (a redelivery or test job may carry none).
 */
export class DeliveryExecutor {
  constructor(
    private readonly settings: ExecutorSettings,
    private readonly schedule: RetrySchedule,
    private readonly breakers: TargetBreakers,
    private readonly http: TargetHttpClient,
    private readonly webhooks: WebhookDirectory,
    private readonly metrics: DeliveryMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** Either a final report without any HTTP (dropped, postponed), or the job cleared for an attempt. */
  prepare(job: DeliveryJob, key: string, target: string): { report: JobReport } | { ready: ReadyJob } {
    const now = this.now();
    const webhook = this.webhooks.status(job.webhook_id);
    if (webhook.state === 'unknown' && now - job.created_at < this.settings.unknownWebhookGraceMs) {
      this.metrics.postponed.inc({ reason: 'webhook_unknown' });
      return { report: this.postpone(job, key) };
    }
    if (webhook.state !== 'active') return { report: this.drop(job, `webhook_${webhook.state}`, now) };
    if (!webhook.enabled && job.origin !== 'TEST') return { report: this.drop(job, 'webhook_disabled', now) };
    // a probe in flight decides for the target: the runner waits for it (probeInFlight)
    if (!this.breakers.allows(target) && !this.breakers.probe(target)) return { report: this.breakerOpen(job, key) };
    return { ready: { job, key, target, secrets: validSecrets(webhook.secrets, now), headers: webhook.headers, rateLimit: webhook.rateLimit ?? null } };
  }

  /** The attempt itself, through the target's breaker. */
  async attempt(ready: ReadyJob): Promise<JobReport> {
    const { job, key, target } = ready;
    const call = await this.breakers.call(target, () => this.http.send(this.request(ready)), (r) => r.targetUnhealthy);
    if (!call.ran) return this.breakerOpen(job, key);
    return this.report(job, key, call.result);
  }

  /** The half-open probe of the target in flight, if any: its outcome decides whether the job may go. */
  probeInFlight(target: string): Promise<void> | undefined {
    return this.breakers.probe(target);
  }

  /** Whether the target's breaker lets a call through now (after a probe, ask again). */
  breakerAllows(target: string): boolean {
    return this.breakers.allows(target);
  }

  /** Not attempted because the target (or the process) had no free slot: the same attempt later, no result. */
  postponeBusy(job: DeliveryJob, key: string): JobReport {
    this.metrics.postponed.inc({ reason: 'target_busy' });
    return this.postpone(job, key);
  }

  /** The request of an attempt: signed now, so the timestamp is this attempt's. */
  request(ready: ReadyJob): HttpRequestSpec {
    const { job } = ready;
    const content = signedContent(job.method, job.url, job.body);
    const headers: Record<string, string> = {
      ...ready.headers,
      ...job.headers,
      ...ready.trace,
      'user-agent': this.settings.userAgent,
      ...signatureHeaders(job.delivery_id, new Date(this.now()), content, ready.secrets),
    };
    if (job.method === 'POST') headers['content-type'] = 'application/json';
    return { method: job.method, url: job.url, headers, body: job.method === 'POST' ? job.body : null };
  }

  private report(job: DeliveryJob, key: string, attempt: HttpAttempt): JobReport {
    const attemptedAt = this.now() - attempt.latencyMs;
    this.metrics.attemptDuration.observe({ status_class: statusClass(attempt.statusCode) }, attempt.latencyMs / 1000);
    switch (attempt.kind) {
      case 'success':
        return this.finish(job, key, 'SUCCEEDED', attempt, attemptedAt, null, false);
      case 'gone':
        return this.finish(job, key, 'GONE', attempt, attemptedAt, null, false);
      case 'blocked':
        this.metrics.blocked.inc();
        return this.finish(job, key, 'BLOCKED', attempt, attemptedAt, 'target address blocked', true);
      case 'invalid':
        return this.finish(job, key, 'FAILED', attempt, attemptedAt, 'request cannot be sent', true);
      case 'failure': {
        if (job.origin !== 'EVENT') return this.finish(job, key, 'FAILED', attempt, attemptedAt, null, false);
        const decision = this.schedule.afterFailure(job, this.now(), attempt.retryAfterMs);
        if (decision.kind === 'give_up') return this.finish(job, key, 'FAILED', attempt, attemptedAt, decision.reason, true);
        return {
          outcome: 'RETRYING',
          outputs: [
            this.result(job, 'RETRYING', attempt, attemptedAt, decision.notBefore),
            this.reschedule({ ...job, attempt: job.attempt + 1 }, key, decision),
          ],
        };
      }
    }
  }

  private finish(job: DeliveryJob, key: string, outcome: AttemptOutcome, attempt: HttpAttempt, attemptedAt: number, dlqReason: string | null, deadLetter: boolean): JobReport {
    const outputs = [this.result(job, outcome, attempt, attemptedAt, null)];
    if (deadLetter) outputs.push(this.deadLetter(job, key, `${outcome}: ${dlqReason ?? attempt.errorClass}`));
    return { outcome, outputs };
  }

  /**
   * Not attempted, the breaker is open: the job is held (no attempt used) until the breaker
   * lets its probe through, in the one tier covering the reset period (RetrySchedule.hold), so
   * a target's held jobs come back together, in the order they were held, when it may have
   * recovered; not every few seconds meanwhile, which, with a long outage and a deep backlog,
   * re-produced every job (and a result for it) and buried the recovery under that traffic.
   */
  breakerOpen(job: DeliveryJob, key: string): JobReport {
    this.metrics.postponed.inc({ reason: 'breaker_open' });
    const target = targetOrigin(job.url);
    const now = this.now();
    const decision = this.schedule.hold(job, now, now + this.breakers.openFor(target) + PROBE_MARGIN_MS, this.breakers.resetTimeoutMs);
    if (decision.kind === 'give_up') {
      return {
        outcome: 'FAILED',
        outputs: [this.bareResult(job, 'FAILED', 'breaker_open', now, null), this.deadLetter(job, key, `FAILED: ${decision.reason} while breaker_open`)],
      };
    }
    const held = this.reschedule(job, key, decision);
    held.record.headers = { [PARKED_HEADER]: target };
    return { outcome: 'BREAKER_OPEN', outputs: [this.bareResult(job, 'BREAKER_OPEN', 'breaker_open', now, decision.notBefore), held] };
  }

  /** The same attempt later, through the first tier; past the age limit it fails to the DLQ instead. */
  private postpone(job: DeliveryJob, key: string): JobReport {
    const now = this.now();
    const decision = this.schedule.postpone(job, now);
    if (decision.kind === 'give_up') {
      return {
        outcome: 'FAILED',
        outputs: [this.bareResult(job, 'FAILED', 'target_busy', now, null), this.deadLetter(job, key, `FAILED: ${decision.reason} while target_busy`)],
      };
    }
    return { outcome: 'POSTPONED', outputs: [this.reschedule(job, key, decision)] };
  }

  private drop(job: DeliveryJob, errorClass: string, now: number): JobReport {
    return { outcome: 'FAILED', outputs: [this.bareResult(job, 'FAILED', errorClass, now, null)] };
  }

  private reschedule(job: DeliveryJob, key: string, decision: Extract<RetryDecision, { kind: 'retry' }>): Outgoing {
    return { topic: decision.tier.topic, record: { key, value: { ...job, not_before: decision.notBefore } satisfies DeliveryJob } };
  }

  private deadLetter(job: DeliveryJob, key: string, reason: string): Outgoing {
    return { topic: 'deliveriesDlq', record: { key, value: job, headers: { [DLQ_REASON_HEADER]: reason } } };
  }

  private result(job: DeliveryJob, outcome: AttemptOutcome, attempt: HttpAttempt, attemptedAt: number, nextAttemptAt: number | null): Outgoing {
    this.metrics.deliveries.inc({ outcome, status_class: statusClass(attempt.statusCode) });
    return this.resultRecord(job, {
      outcome,
      status_code: attempt.statusCode,
      error_class: attempt.errorClass,
      latency_ms: Math.round(attempt.latencyMs),
      response_snippet: attempt.snippet ?? attempt.message,
      attempted_at: attemptedAt,
      next_attempt_at: nextAttemptAt,
    });
  }

  private bareResult(job: DeliveryJob, outcome: AttemptOutcome, errorClass: string, at: number, nextAttemptAt: number | null): Outgoing {
    this.metrics.deliveries.inc({ outcome, status_class: 'none' });
    return this.resultRecord(job, { outcome, status_code: null, error_class: errorClass, latency_ms: null, response_snippet: null, attempted_at: at, next_attempt_at: nextAttemptAt });
  }

  private resultRecord(
    job: DeliveryJob,
    fields: Pick<DeliveryAttemptResult, 'outcome' | 'status_code' | 'error_class' | 'latency_ms' | 'response_snippet' | 'attempted_at' | 'next_attempt_at'>,
  ): Outgoing {
    const value: DeliveryAttemptResult = {
      delivery_id: job.delivery_id,
      webhook_id: job.webhook_id,
      customer_id: job.customer_id,
      environment_id: job.environment_id,
      event_id: job.event_id,
      event: job.event,
      call_uuid: job.call_uuid,
      origin: job.origin,
      attempt: job.attempt,
      method: job.method,
      url: job.url,
      request_body: job.body,
      ...fields,
    };
    return { topic: 'deliveryResults', record: { key: job.delivery_id, value } };
  }
}
