import { enumProblem, idProblem, idsProblem, timestampProblem, type ConfigRecord, type ContractBounds } from '@callhooks/contracts';

/**
 * The contract of a config topic record beyond its Avro schema: what the view needs to apply
 * it without losing what it knows. Returns the reason a record breaks it (it then goes to
 * `<topic>.dlq` and the view keeps its entity as it was), or null. Total: never throws.
 *
 * A record that is not deleted must carry the content of its type: applying one without it
 * would delete the entity from the view.
 */
export function configRecordViolation(record: ConfigRecord, key: string, bounds: ContractBounds, now = Date.now()): string | null {
  const problem =
    idsProblem(record, ['entity_id', 'customer_id']) ??
    enumProblem('webhook-config', 'entity_type', record.entity_type) ??
    (Number.isSafeInteger(record.version) && record.version >= 0 ? null : `version ${String(record.version)} is not a non-negative integer`) ??
    // a compacted topic keeps old records for ever: only the future is bounded
    timestampProblem('published_at', record.published_at, bounds, { past: false, now });
  if (problem) return problem;
  const expectedKey = record.entity_type === 'WEBHOOK' ? `WEBHOOK:${record.entity_id}` : `ENVIRONMENT:${record.customer_id}:${record.entity_id}`;
  if (key !== expectedKey) return `record key ${JSON.stringify(key.slice(0, 300))} is not ${JSON.stringify(expectedKey)}`;
  if (record.deleted === true) return null;
  return record.entity_type === 'WEBHOOK' ? webhookProblem(record) : environmentProblem(record);
}

function webhookProblem(record: ConfigRecord): string | null {
  const w = record.webhook;
  if (!w || typeof w !== 'object') return 'a webhook record that is not deleted has no webhook';
  if (w.id !== record.entity_id) return `webhook.id ${JSON.stringify(String(w.id).slice(0, 300))} is not the entity_id`;
  const problem = idProblem('webhook.event', w.event) ?? enumProblem('webhook-config', 'webhook.method', w.method);
  if (problem) return problem;
  if (typeof w.url !== 'string' || !/^https?:\/\//i.test(w.url) || !URL.canParse(w.url)) return `webhook.url ${JSON.stringify(String(w.url).slice(0, 200))} is not an http(s) URL`;
  if (w.body !== null && w.body !== undefined && typeof w.body !== 'string') return 'webhook.body is not text';
  if (!w.headers || typeof w.headers !== 'object' || Object.values(w.headers).some((v) => typeof v !== 'string')) return 'webhook.headers is not a map of strings';
  if (!Array.isArray(w.secrets) || w.secrets.some((s) => !s || typeof s.secret !== 'string' || s.secret === '')) return 'webhook.secrets holds an empty secret';
  return null;
}

function environmentProblem(record: ConfigRecord): string | null {
  const e = record.environment;
  if (!e || typeof e !== 'object') return 'an environment record that is not deleted has no environment';
  if (e.id !== record.entity_id) return `environment.id ${JSON.stringify(String(e.id).slice(0, 300))} is not the entity_id`;
  if (typeof e.name !== 'string' || typeof e.timezone !== 'string') return 'environment.name or environment.timezone is not text';
  if (!Array.isArray(e.webhook_ids)) return 'environment.webhook_ids is not a list';
  for (const id of e.webhook_ids) {
    const problem = idProblem('environment.webhook_ids[]', id);
    if (problem) return problem;
  }
  return null;
}
