/** Entries kept at most; the oldest idle ones go first (a webhook sending nothing needs no entry). */
const MAX_ENTRIES = 100_000;

/**
 * Per-webhook request rate limits (`rate_limit`, requests per second, from the webhook's config).
 * A send reserves the next free instant of its webhook, spaced 1/rate apart, so the requests to
 * a webhook never come closer than that, in any window (a CRM's API quota). A job whose instant
 * is further away than its batch can wait is not reserved: the batch leaves it for later, with
 * no attempt used. Only that webhook's jobs wait; other jobs of the batch go on (no head-of-line
 * blocking). Jobs are keyed by target origin, so a webhook's jobs meet in one partition and one
 * dispatcher instance: the spacing holds with several instances.
 */
export class WebhookRateLimits {
  /** Webhook id → the earliest instant its next request may start. */
  private readonly nextFree = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Reserves the webhook's next instant if it comes within `withinMs`: the wait in ms (0: now),
   * or null when it is further away (nothing reserved).
   */
  reserve(webhookId: string, perSecond: number, withinMs: number): number | null {
    const now = this.now();
    const at = Math.max(now, this.nextFree.get(webhookId) ?? 0);
    if (at - now > withinMs) return null;
    this.nextFree.delete(webhookId); // re-inserted last: the map's order is least recently used first
    this.nextFree.set(webhookId, at + 1000 / perSecond);
    if (this.nextFree.size > MAX_ENTRIES) this.forgetIdle(now);
    return at - now;
  }

  private forgetIdle(now: number): void {
    for (const [id, next] of this.nextFree) {
      if (this.nextFree.size <= MAX_ENTRIES / 2) return;
      if (next < now) this.nextFree.delete(id);
    }
  }
}
