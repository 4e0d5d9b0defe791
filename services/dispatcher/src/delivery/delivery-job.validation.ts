import { DEFAULT_CONTRACT_BOUNDS, enumProblem, idsProblem, timestampProblem, type ContractBounds, type DeliveryJob } from '@callhooks/contracts';

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the dispatcher sets itself; a job may not replace them. */
const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-length', 'host', 'transfer-encoding', 'connection']);

/**
 * The contract of a delivery job beyond its Avro schema. A job that breaks it can never be
 * delivered, so it goes to `<topic>.dlq` with this reason instead of being retried. Total:
 * whatever the job holds, it returns and never throws.
 */
export function deliveryJobProblem(job: DeliveryJob, bounds: ContractBounds = DEFAULT_CONTRACT_BOUNDS, now = Date.now()): string | null {
  const problem =
    idsProblem(job, ['delivery_id', 'webhook_id', 'customer_id', 'event_id', 'event']) ??
    enumProblem('delivery-job', 'origin', job.origin) ??
    enumProblem('delivery-job', 'method', job.method);
  if (problem) return problem;
  let url: URL;
  try {
    url = new URL(String(job.url));
  } catch {
    return `url is not a valid URL: ${JSON.stringify(String(job.url).slice(0, 200))}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `url must be http or https, got ${url.protocol}`;
  if (job.method === 'POST' && job.body === null) return 'a POST job needs a body';
  if (!Number.isInteger(job.attempt) || job.attempt < 1) return `attempt must be at least 1, got ${job.attempt}`;
  const time = timestampProblem('created_at', job.created_at, bounds, { now });
  if (time) return time;
  // retry tiers set it ahead of now by up to their delay: any epoch is fine
  if (job.not_before !== null && job.not_before !== undefined && !(Number.isSafeInteger(job.not_before) && job.not_before > 0)) return `not_before ${String(job.not_before)} is not an epoch in milliseconds`;
  if (!job.headers || typeof job.headers !== 'object') return 'headers is not a map';
  for (const [name, value] of Object.entries(job.headers)) {
    if (!HEADER_NAME.test(name)) return `header name ${JSON.stringify(name.slice(0, 100))} is not a valid HTTP token`;
    if (RESERVED_HEADERS.has(name.toLowerCase())) return `header ${name} is set by the dispatcher and cannot be given`;
    if (typeof value !== 'string') return `header ${name} has no text value`;
    if (/[\r\n\0]/.test(value)) return `header ${name} has a line break or NUL in its value`;
  }
  return null;
}
