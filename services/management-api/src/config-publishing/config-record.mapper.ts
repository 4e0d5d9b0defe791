import type { ConfigRecord, SigningSecret } from '@callhooks/contracts';
import type { Environment } from '../environments/environment.schema';
import type { OperationalWebhook } from '../operational-webhooks/operational-webhook.schema';
import type { Webhook } from '../webhooks/webhook.schema';

/** Key of a webhook on the config topic. Webhook ids are UUIDs, unique across customers. */
export function webhookConfigKey(webhookId: string): string {
  return `WEBHOOK:${webhookId}`;
}

/** Key of an environment: environment ids are the platform's, unique per customer only, hence the customer id. */
export function environmentConfigKey(customerId: string, environmentId: string): string {
  return `ENVIRONMENT:${customerId}:${environmentId}`;
}

/**
 * The whole current state of a webhook as the matcher and dispatcher read it. A deleted
 * webhook is published with `deleted: true` and no content (its secrets leave the topic).
 * Retired secrets are included until they expire; readers check `expires_at` themselves.
 */
export function webhookRecord(w: Webhook, now: number): ConfigRecord {
  const deleted = w.deleted_at !== null && w.deleted_at !== undefined;
  return {
    entity_type: 'WEBHOOK',
    entity_id: w._id,
    customer_id: w.customer_id,
    version: w.version,
    deleted,
    published_at: now,
    webhook: deleted
      ? null
      : {
          id: w._id,
          enabled: w.enabled,
          event: w.event,
          method: w.method,
          url: w.url,
          body: w.body ?? null,
          headers: Object.fromEntries((w.headers ?? []).map((h) => [h.name, h.value])),
          rate_limit: w.rate_limit ?? null,
          secrets: liveSecrets(w, now),
        },
    environment: null,
  };
}

export function environmentRecord(e: Environment, now: number): ConfigRecord {
  const deleted = e.deleted_at !== null && e.deleted_at !== undefined;
  return {
    entity_type: 'ENVIRONMENT',
    entity_id: e.environment_id,
    customer_id: e.customer_id,
    version: e.version,
    deleted,
    published_at: now,
    webhook: null,
    environment: deleted ? null : { id: e.environment_id, name: e.name, timezone: e.timezone, webhook_ids: [...(e.webhook_ids ?? [])] },
  };
}

/** The event name of an operational webhook's record: no call event has it, so the matcher never sends one there. */
export const OPERATIONAL_EVENT = 'callhooks.operational';

/** An operational webhook as the dispatcher needs it (URL, secrets, enabled); its notices come as ready jobs from the API. */
export function operationalWebhookRecord(o: OperationalWebhook, now: number): ConfigRecord {
  const deleted = o.deleted_at !== null && o.deleted_at !== undefined;
  return {
    entity_type: 'WEBHOOK',
    entity_id: o._id,
    customer_id: o.customer_id,
    version: o.version,
    deleted,
    published_at: now,
    webhook: deleted ? null : { id: o._id, enabled: o.enabled, event: OPERATIONAL_EVENT, method: 'POST', url: o.url, body: null, headers: {}, secrets: liveSecrets(o, now) },
    environment: null,
  };
}

function liveSecrets(w: Pick<Webhook, 'secrets'>, now: number): SigningSecret[] {
  return (w.secrets ?? [])
    .filter((s) => !s.expires_at || s.expires_at.getTime() > now)
    .map((s) => ({ secret: s.secret, expires_at: s.expires_at ? s.expires_at.getTime() : null }));
}
