import type { ConfigRecord, SigningSecret } from '@callhooks/contracts';

/** A webhook as the config topic last described it (the highest version seen). */
export interface WebhookView {
  readonly id: string;
  readonly customerId: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly event: string;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** The body template text; null sends the full payload. */
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Signing secrets, newest first; a rotated one carries its expiry. */
  readonly secrets: readonly SigningSecret[];
  /** Requests per second at most to its URL; null: no limit. */
  readonly rateLimit: number | null;
}

export interface EnvironmentView {
  readonly id: string;
  readonly customerId: string;
  readonly version: number;
  readonly name: string;
  /** IANA zone of the environment's local times (start_at, answer_at). */
  readonly timezone: string;
  readonly webhookIds: readonly string[];
}

/** What applying a record did: `applied` changed the view, `stale` was older than what the view holds, `ignored` was not understood. */
export type ApplyOutcome = 'applied' | 'stale' | 'ignored';

interface Versioned<T> {
  version: number;
  /** Absent when the entity is deleted: the version is kept so an older record cannot bring it back. */
  view?: T;
}

const NO_WEBHOOKS: readonly WebhookView[] = Object.freeze([]);

/**
 * The in-memory view of the compacted config topic (`callhooks.webhook-config.v1`), shared by
 * the matcher (who listens to what) and the dispatcher (secrets, enabled state).
 *
 * Every key keeps its highest version: a record read twice, or an older one read late, changes
 * nothing. A deletion is remembered with its version (the management API keeps versions growing
 * across delete and re-create), and a Kafka tombstone (null value) forgets the entity at any
 * version. The subscription index answers "the enabled webhooks of this customer, subscribed in
 * this environment, listening to this event" with one map look-up; it is kept up to date on each
 * change, so a change applies to every look-up after it.
 */
export class ConfigView {
  private readonly webhooks = new Map<string, Versioned<WebhookView>>();
  /** By environment key (customer id and environment id: environment ids are unique per customer only). */
  private readonly environments = new Map<string, Versioned<EnvironmentView>>();
  /** Webhook id -> keys of the live environments that list it (whatever the webhook's own state). */
  private readonly subscribedIn = new Map<string, Set<string>>();
  /** Index key -> the webhooks that match it, by id. */
  private readonly index = new Map<string, Map<string, WebhookView>>();
  /** Webhook id -> the index keys it is listed under, to take it out again. */
  private readonly indexedUnder = new Map<string, Set<string>>();
  /** Look-up results, rebuilt lazily after a change to their index entry. */
  private readonly lists = new Map<string, readonly WebhookView[]>();

  /**
   * Applies one record of the config topic. `key` is the record key, needed for tombstones
   * (`WEBHOOK:<id>`, `ENVIRONMENT:<customer_id>:<id>`); a record with a value is read from its value.
   */
  apply(key: string, record: ConfigRecord | null): ApplyOutcome {
    if (record === null) return this.applyTombstone(key);
    if (!record.entity_id || !record.customer_id || !Number.isFinite(record.version)) return 'ignored';
    if (record.entity_type === 'WEBHOOK') return this.applyWebhook(record);
    if (record.entity_type === 'ENVIRONMENT') return this.applyEnvironment(record);
    return 'ignored';
  }

  webhook(id: string): WebhookView | undefined {
    return this.webhooks.get(id)?.view;
  }

  /** Whether the view has seen the webhook deleted (as opposed to never having seen it). */
  isWebhookDeleted(id: string): boolean {
    const known = this.webhooks.get(id);
    return known !== undefined && known.view === undefined;
  }

  environment(customerId: string, environmentId: string): EnvironmentView | undefined {
    return this.environments.get(environmentKey(customerId, environmentId))?.view;
  }

  /** The enabled webhooks of the customer that are subscribed in the environment and listen to the event. */
  subscribers(customerId: string, environmentId: string, event: string): readonly WebhookView[] {
    const key = indexKey(environmentKey(customerId, environmentId), event);
    const cached = this.lists.get(key);
    if (cached) return cached;
    const entry = this.index.get(key);
    if (!entry) return NO_WEBHOOKS;
    const list = Object.freeze([...entry.values()]);
    this.lists.set(key, list);
    return list;
  }

  /** Live (not deleted) entities, for metrics and logs. */
  counts(): { webhooks: number; environments: number } {
    let webhooks = 0;
    let environments = 0;
    for (const w of this.webhooks.values()) if (w.view) webhooks++;
    for (const e of this.environments.values()) if (e.view) environments++;
    return { webhooks, environments };
  }

  private applyWebhook(record: ConfigRecord): ApplyOutcome {
    const id = record.entity_id;
    const known = this.webhooks.get(id);
    if (known && known.version >= record.version) return 'stale';
    const w = record.webhook;
    if (record.deleted || !w) {
      this.webhooks.set(id, { version: record.version });
    } else {
      const view: WebhookView = Object.freeze({
        id,
        customerId: record.customer_id,
        version: record.version,
        enabled: w.enabled,
        event: w.event,
        method: w.method,
        url: w.url,
        body: w.body ?? null,
        headers: Object.freeze({ ...(w.headers ?? {}) }),
        secrets: Object.freeze((w.secrets ?? []).map((s) => Object.freeze({ ...s }))),
        rateLimit: w.rate_limit ?? null,
      });
      this.webhooks.set(id, { version: record.version, view });
    }
    this.placeWebhook(id);
    return 'applied';
  }

  private applyEnvironment(record: ConfigRecord): ApplyOutcome {
    const key = environmentKey(record.customer_id, record.entity_id);
    const known = this.environments.get(key);
    if (known && known.version >= record.version) return 'stale';
    const e = record.environment;
    const before = known?.view?.webhookIds ?? [];
    if (record.deleted || !e) {
      this.environments.set(key, { version: record.version });
    } else {
      const view: EnvironmentView = Object.freeze({
        id: record.entity_id,
        customerId: record.customer_id,
        version: record.version,
        name: e.name,
        timezone: e.timezone,
        webhookIds: Object.freeze([...new Set(e.webhook_ids ?? [])]),
      });
      this.environments.set(key, { version: record.version, view });
    }
    this.resubscribe(key, before, this.environments.get(key)?.view?.webhookIds ?? []);
    return 'applied';
  }

  private applyTombstone(key: string): ApplyOutcome {
    const [type, ...rest] = key.split(':');
    if (type === 'WEBHOOK' && rest.length >= 1) {
      const id = rest.join(':');
      if (!this.webhooks.has(id)) return 'stale';
      this.webhooks.delete(id);
      this.placeWebhook(id);
      return 'applied';
    }
    if (type === 'ENVIRONMENT' && rest.length >= 2) {
      // customer ids carry no ':' (the management API's ids are UUIDs or platform ids); environment ids may
      const envKey = environmentKey(rest[0], rest.slice(1).join(':'));
      const known = this.environments.get(envKey);
      if (!known) return 'stale';
      this.environments.delete(envKey);
      this.resubscribe(envKey, known.view?.webhookIds ?? [], []);
      return 'applied';
    }
    return 'ignored';
  }

  /** An environment's subscription list changed from `before` to `after`: re-place every webhook concerned. */
  private resubscribe(envKey: string, before: readonly string[], after: readonly string[]): void {
    const afterSet = new Set(after);
    for (const id of before) {
      if (afterSet.has(id)) continue;
      const envs = this.subscribedIn.get(id);
      envs?.delete(envKey);
      if (envs?.size === 0) this.subscribedIn.delete(id);
    }
    for (const id of after) {
      let envs = this.subscribedIn.get(id);
      if (!envs) this.subscribedIn.set(id, (envs = new Set()));
      envs.add(envKey);
    }
    // an environment's time zone or name changes nothing in the index, but its subscriptions do
    for (const id of new Set([...before, ...after])) this.placeWebhook(id);
  }

  /** Puts a webhook under the index keys it belongs to now, taking it out of the others. */
  private placeWebhook(id: string): void {
    const previous = this.indexedUnder.get(id);
    if (previous) {
      for (const key of previous) {
        const entry = this.index.get(key);
        entry?.delete(id);
        if (entry?.size === 0) this.index.delete(key);
        this.lists.delete(key);
      }
      this.indexedUnder.delete(id);
    }
    const webhook = this.webhooks.get(id)?.view;
    if (!webhook || !webhook.enabled) return;
    const keys = new Set<string>();
    for (const envKey of this.subscribedIn.get(id) ?? []) {
      const environment = this.environments.get(envKey)?.view;
      // an environment may only subscribe its own customer's webhooks
      if (!environment || environment.customerId !== webhook.customerId) continue;
      const key = indexKey(envKey, webhook.event);
      let entry = this.index.get(key);
      if (!entry) this.index.set(key, (entry = new Map()));
      entry.set(id, webhook);
      this.lists.delete(key);
      keys.add(key);
    }
    if (keys.size > 0) this.indexedUnder.set(id, keys);
  }
}

/** Unambiguous whatever characters the ids hold. */
function environmentKey(customerId: string, environmentId: string): string {
  return JSON.stringify([customerId, environmentId]);
}

function indexKey(envKey: string, event: string): string {
  return `${envKey}${JSON.stringify(event)}`;
}
