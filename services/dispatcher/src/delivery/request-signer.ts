import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id` (the
 * delivery id, the same on every attempt so receivers can deduplicate), `webhook-timestamp`
 * (seconds, this attempt) and `webhook-signature`: `v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<content>">` for every secret still valid, space-separated, so a
 * receiver verifies with either the old or the new secret during a rotation.
 *
 * The signed content is the request body for POST. A GET has no body, and signing the empty
 * string would leave the query (the payload) unprotected, so for GET the signed content is
 * the request target as sent: path and query (`/hook?uuid=...`). Receivers pass that string
 * as the payload to `Webhook.verify`.
 */
export function signatureHeaders(msgId: string, timestamp: Date, content: string, secrets: string[]): Record<string, string> {
  const seconds = Math.floor(timestamp.getTime() / 1000);
  const toSign = `${msgId}.${seconds}.${content}`;
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(toSign).digest('base64')}`);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(seconds),
    ...(signatures.length > 0 ? { 'webhook-signature': signatures.join(' ') } : {}),
  };
}

/** The content that is signed for a request: the body for POST, path and query for GET. */
export function signedContent(method: 'GET' | 'POST', url: string, body: string | null): string {
  if (method === 'POST') return body ?? '';
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** `whsec_<base64>` -> key bytes (the Standard Webhooks secret format). */
export function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length === 0) throw new Error('empty signing secret');
  return key;
}

/** The secrets to sign with now: newest first, those whose rotation grace has not ended. */
export function validSecrets(secrets: ReadonlyArray<{ secret: string; expires_at: number | null }>, now: number): string[] {
  return secrets.filter((s) => s.expires_at === null || s.expires_at > now).map((s) => s.secret);
}
