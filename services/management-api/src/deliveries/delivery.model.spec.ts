import type { DeliveryAttemptResult } from '@callhooks/contracts';
import { testDeliveryResult } from '@callhooks/testing/record-factories';
import { attemptFromStore, attemptOf, summarize, type DeliveryAttempt } from './delivery.model';

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
const attempt = (n: number, outcome: string, next: Date | null = null): DeliveryAttempt => ({
  attempt: n,
  outcome,
  status_code: null,
  error_class: null,
  latency_ms: null,
  response_snippet: null,
  attempted_at: at(n),
  next_attempt_at: next,
});

describe('summarize', () => {
  it('takes the status of the highest attempt, whatever order the attempts come in', () => {
    expect(summarize([attempt(2, 'SUCCEEDED'), attempt(1, 'RETRYING', at(9))])).toEqual({
      status: 'SUCCEEDED',
      attempt_count: 2,
      last_attempt_at: at(2),
      next_attempt_at: null,
    });
  });

  it('shows a BREAKER_OPEN (not attempted) as RETRYING with its next time, and does not count it as an attempt made', () => {
    expect(summarize([attempt(1, 'RETRYING', at(5)), attempt(2, 'BREAKER_OPEN', at(7))])).toEqual({
      status: 'RETRYING',
      attempt_count: 1,
      last_attempt_at: at(1),
      next_attempt_at: at(7),
    });
  });

  it('has no next attempt once over, and no last attempt when none was made', () => {
    expect(summarize([attempt(3, 'FAILED', at(9))]).next_attempt_at).toBeNull();
    expect(summarize([attempt(1, 'BREAKER_OPEN', at(4))])).toMatchObject({ attempt_count: 0, last_attempt_at: null });
  });
});

describe('an attempt as its delivery’s row keeps it', () => {
  it('holds its times as epoch milliseconds and comes back as it was, whether it has a next attempt or not', () => {
    const retrying = { ...attempt(1, 'RETRYING', at(70)), status_code: 503, error_class: 'http_5xx', latency_ms: 31, response_snippet: 'busy' };
    // the result record the attempt comes from, whose epoch milliseconds the writer keeps (attemptOf)
    const resultOf = (a: DeliveryAttempt) =>
      testDeliveryResult({ ...a, outcome: a.outcome as DeliveryAttemptResult['outcome'], attempted_at: a.attempted_at.getTime(), next_attempt_at: a.next_attempt_at?.getTime() ?? null });
    expect(attemptOf(resultOf(retrying))).toEqual({ ...retrying, attempted_at: at(1).getTime(), next_attempt_at: at(70).getTime() });
    // through JSON, as PostgreSQL's jsonb gives it back
    for (const a of [retrying, attempt(2, 'SUCCEEDED')]) expect(attemptFromStore(JSON.parse(JSON.stringify(attemptOf(resultOf(a)))))).toEqual(a);
  });
});
