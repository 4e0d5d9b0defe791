import type { DeliveryAttemptResult, DeliveryJob } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { contextFrom, failSpan, linkTo, SpanKind, SpanStatusCode, startSpan, traceHeaders, type Span } from '@callhooks/observability';
import type { JobReport, Outgoing } from './delivery.executor';

/** On a rescheduled job: the `traceparent` of its first attempt, which every retry's span links to. */
export const FIRST_ATTEMPT_HEADER = 'callhooks-first-attempt';

/**
 * The span of one HTTP attempt, child of the job's trace (the matcher's render span). A retry is
 * a new span of the same trace, linked to the first attempt.
 */
export function startAttemptSpan(record: ConsumedRecord<DeliveryJob>, target: string): Span {
  const job = record.value;
  return startSpan(`deliver ${job.method}`, contextFrom(record.headers), {
    kind: SpanKind.CLIENT,
    links: linkTo(record.headers?.[FIRST_ATTEMPT_HEADER]),
    attributes: {
      'callhooks.delivery_id': job.delivery_id,
      'callhooks.webhook_id': job.webhook_id,
      'callhooks.attempt': job.attempt,
      'http.request.method': job.method,
      'server.address': target,
    },
  });
}

/**
 * Ends the attempt's span with its outcome and status, and carries the trace on: the result
 * (for the delivery log) continues from the attempt, a rescheduled job names the first attempt.
 */
export function endAttemptSpan(span: Span, report: JobReport, record: ConsumedRecord<DeliveryJob>): JobReport {
  const result = report.outputs.find((o) => o.topic === 'deliveryResults')?.record.value as DeliveryAttemptResult | undefined;
  span.setAttribute('callhooks.outcome', report.outcome);
  if (result?.status_code) span.setAttribute('http.response.status_code', result.status_code);
  if (report.outcome !== 'SUCCEEDED') span.setStatus({ code: SpanStatusCode.ERROR, message: result?.error_class ?? report.outcome });
  span.end();
  const attempt = traceHeaders(span);
  const first = record.headers?.[FIRST_ATTEMPT_HEADER] ?? attempt.traceparent;
  for (const o of report.outputs) {
    if (o.topic === 'deliveryResults') o.record.headers = { ...o.record.headers, ...attempt };
    else if (first) o.record.headers = { ...o.record.headers, [FIRST_ATTEMPT_HEADER]: first };
  }
  return report;
}

export function attemptFailed(span: Span, err: unknown): never {
  failSpan(span, err);
  throw err;
}

/** Outputs with no trace of their own yet (rescheduled, postponed, dropped jobs) keep the job's. */
export function carryJobTrace(outputs: Outgoing[], record: ConsumedRecord<DeliveryJob>): void {
  const { traceparent, tracestate } = record.headers ?? {};
  if (!traceparent) return;
  const first = record.headers?.[FIRST_ATTEMPT_HEADER];
  for (const o of outputs) {
    if (o.record.headers?.traceparent) continue;
    o.record.headers = { ...o.record.headers, traceparent, ...(tracestate ? { tracestate } : {}), ...(first && o.topic !== 'deliveryResults' && !o.record.headers?.[FIRST_ATTEMPT_HEADER] ? { [FIRST_ATTEMPT_HEADER]: first } : {}) };
  }
}
