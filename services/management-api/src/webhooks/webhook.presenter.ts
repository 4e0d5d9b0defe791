import type { Webhook, WebhookHeader } from './webhook.schema';
import type { WebhookDto } from './dto/webhook.dto';

export function presentWebhook(w: Webhook): WebhookDto {
  return {
    id: w._id,
    enabled: w.enabled,
    event: w.event,
    method: w.method,
    url: w.url,
    body: w.body ?? null,
    headers: headersToMap(w.headers ?? []),
    description: w.description ?? null,
    rate_limit: w.rate_limit ?? null,
    disabled_reason: w.disabled_reason ?? null,
    disabled_at: w.disabled_at ? w.disabled_at.toISOString() : null,
    version: w.version,
    created_at: w.created_at.toISOString(),
    updated_at: w.updated_at.toISOString(),
  };
}

export function headersToMap(headers: WebhookHeader[]): Record<string, string> {
  return Object.fromEntries(headers.map((h) => [h.name, h.value]));
}

export function headersToPairs(headers: Record<string, string>): WebhookHeader[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}
