/**
 * kafkajs 2.2.4 re-arms a timer of every broker connection's request queue after each check of
 * its pending requests, and with nothing pending and no throttle the delay is negative (its
 * `throttledUntil` starts at -1): a 1 ms timer loop per connection for the life of the client
 * (kafkajs issues 1556, 1604, 1704; the fixes, PRs 1667 and 1768, are unreleased). The
 * management API idled at 0.023-0.029 CPU-s/s on it. A check is needed only while requests
 * wait: a request that cannot be sent now is queued and schedules one (10 ms, or when a
 * throttle ends), and each response checks the queue anyway. kafkajs is pinned (package-lock),
 * so the one internal method this replaces, RequestQueue#scheduleCheckPendingRequests, cannot
 * change under it.
 */

/** kafkajs's interval between checks while requests wait beyond the in-flight limit. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The part of kafkajs's RequestQueue this touches. */
export interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

let installed = false;

/** Replaces kafkajs's RequestQueue#scheduleCheckPendingRequests once per process; idempotent. */
export function quietIdleRequestQueues(): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export its RequestQueue class
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueLike };
  scheduleChecksOnlyWhenNeeded(RequestQueue.prototype);
}

/**
 * kafkajs's scheduling, less the timer with nothing to wait for: a check is scheduled while
 * requests are pending (when the throttle ends, or after the interval) or a throttle is on.
 */
export function scheduleChecksOnlyWhenNeeded(target: RequestQueueLike): void {
  target.scheduleCheckPendingRequests = function (this: RequestQueueLike): void {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && untilUnthrottled <= 0) return;
    const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
}
