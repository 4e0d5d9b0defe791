import type { DeliveryJob } from '@callhooks/contracts';

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the dispatcher sets itself; a job may not replace them. */
const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-length', 'host', 'transfer-encoding', 'connection']);

/**
 * The contract of a delivery job beyond its Avro schema. A job that breaks it can never be
 * delivered, so it goes to `<topic>.dlq` with this reason instead of being retried.
 */
export function deliveryJobProblem(job: DeliveryJob): string | null {
  for (const field of ['delivery_id', 'webhook_id', 'customer_id', 'event_id', 'event'] as const) {
    if (!job[field]?.trim()) return `${field} is empty`;
  }
  let url: URL;
  try {
    url = new URL(job.url);
  } catch {
    return `url is not a valid URL: ${JSON.stringify(job.url.slice(0, 200))}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `url must be http or https, got ${url.protocol}`;
  if (job.method === 'POST' && job.body === null) return 'a POST job needs a body';
  if (!Number.isInteger(job.attempt) || job.attempt < 1) return `attempt must be at least 1, got ${job.attempt}`;
  if (!(job.created_at > 0)) return 'created_at is missing';
  for (const [name, value] of Object.entries(job.headers ?? {})) {
    if (!HEADER_NAME.test(name)) return `header name ${JSON.stringify(name)} is not a valid HTTP token`;
    if (RESERVED_HEADERS.has(name.toLowerCase())) return `header ${name} is set by the dispatcher and cannot be given`;
    if (/[\r\n\0]/.test(value)) return `header ${name} has a line break or NUL in its value`;
  }
  return null;
}
