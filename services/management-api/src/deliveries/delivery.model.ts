import type { DeliveryAttemptResult } from '@callhooks/contracts';

/** The state of a delivery as the log shows it: the outcome of its latest attempt, or PENDING before any. */
export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'GONE', 'BLOCKED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One attempt of a delivery, as the API shows it (its row keeps it as a StoredAttempt). */
export interface DeliveryAttempt {
  attempt: number;
  /** SUCCEEDED, RETRYING, FAILED, GONE, BLOCKED or BREAKER_OPEN (not attempted, rescheduled). */
  outcome: string;
  status_code: number | null;
  error_class: string | null;
  latency_ms: number | null;
  response_snippet: string | null;
  attempted_at: Date;
  next_attempt_at: Date | null;
}

/**
 * One delivery (one event to one webhook): a row of the deliveries table, as the list shows
 * it. Written only by the delivery log (the consumer of the delivery-results topic, and
 * redelivery requests); the id is the delivery id, so a result read twice lands on the same row.
 */
export interface DeliverySummary {
  id: string;
  customer_id: string;
  webhook_id: string;
  environment_id: string | null;
  event: string;
  event_id: string;
  call_uuid: string | null;
  origin: string;
  method: string;
  url: string;
  request_body: string | null;
  status: DeliveryStatus;
  attempt_count: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type DeliveryDetail = DeliverySummary & { attempts: DeliveryAttempt[] };

/** The columns of a delivery, in the order DeliverySummary lists them. */
export const DELIVERY_COLUMNS =
  'id, customer_id, webhook_id, environment_id, event, event_id, call_uuid, origin, method, url, request_body, status, attempt_count, last_attempt_at, next_attempt_at, created_at, updated_at';

/**
 * An attempt as its delivery's row keeps it, an element of the `attempts` jsonb array (ordered by
 * number): times as epoch milliseconds, cheaper to write and read than timestamps in JSON.
 */
export type StoredAttempt = Omit<DeliveryAttempt, 'attempted_at' | 'next_attempt_at'> & { attempted_at: number; next_attempt_at: number | null };

export function attemptFromStore(a: StoredAttempt): DeliveryAttempt {
  return { ...a, attempted_at: new Date(a.attempted_at), next_attempt_at: a.next_attempt_at === null ? null : new Date(a.next_attempt_at) };
}

/**
 * SQL for the queries that look into a delivery's attempts: the attempts of the deliveries row
 * (or alias) `row` as a set of rows `a(attempt, outcome)`, for a FROM clause.
 */
export function attemptsOf(row: string): string {
  return `jsonb_to_recordset(${row}.attempts) AS a(attempt int, outcome text)`;
}

/**
 * One attempt as the log stores it, from its result record: its times stay the epoch
 * milliseconds the record carries (the writer never needs them as Dates).
 */
export function attemptOf(result: DeliveryAttemptResult): StoredAttempt {
  return {
    attempt: result.attempt,
    outcome: result.outcome,
    status_code: result.status_code,
    error_class: result.error_class,
    latency_ms: result.latency_ms,
    response_snippet: result.response_snippet,
    attempted_at: result.attempted_at,
    next_attempt_at: result.next_attempt_at ?? null,
  };
}

/** What summarize reads of an attempt, its times as Dates (DeliveryAttempt) or epoch milliseconds (StoredAttempt). */
interface TimedAttempt<Time extends Date | number> {
  attempt: number;
  outcome: string;
  attempted_at: Time;
  next_attempt_at: Time | null;
}

/**
 * Status and timing fields that follow from the attempts (at least one): the status follows the highest attempt (a BREAKER_OPEN, not attempted, shows as RETRYING).
 * Times come out as they went in (Dates, or epoch milliseconds as the writer keeps them).
 */
export function summarize<Time extends Date | number>(
  attempts: Array<TimedAttempt<Time>>,
): Pick<DeliverySummary, 'status' | 'attempt_count'> & { last_attempt_at: Time | null; next_attempt_at: Time | null } {
  const latest = attempts.reduce((a, b) => (b.attempt >= a.attempt ? b : a));
  const status: DeliveryStatus = latest.outcome === 'BREAKER_OPEN' ? 'RETRYING' : (latest.outcome as DeliveryStatus);
  const made = attempts.filter((a) => a.outcome !== 'BREAKER_OPEN');
  return {
    status,
    attempt_count: made.length,
    last_attempt_at: made.reduce<Time | null>((m, a) => (m !== null && m > a.attempted_at ? m : a.attempted_at), null),
    next_attempt_at: status === 'RETRYING' ? latest.next_attempt_at : null,
  };
}
