import { randomBytes } from 'node:crypto';
import type { StoredSigningSecret } from './webhook.schema';

/** Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The secrets after a rotation: a new current secret first, then the previous ones still
 * valid, each expiring at the latest `overlapMs` from now (an earlier expiry is kept), so
 * receivers can switch over while deliveries are signed with both. Expired ones are dropped.
 */
export function rotateSecrets(secrets: StoredSigningSecret[], now: Date, overlapMs: number, fresh = generateSigningSecret()): StoredSigningSecret[] {
  const until = new Date(now.getTime() + overlapMs);
  const previous = secrets
    .filter((s) => !s.expires_at || s.expires_at.getTime() > now.getTime())
    .map((s) => ({ secret: s.secret, created_at: s.created_at, expires_at: s.expires_at && s.expires_at < until ? s.expires_at : until }))
    .filter((s) => s.expires_at.getTime() > now.getTime());
  return [{ secret: fresh, created_at: now, expires_at: null }, ...previous];
}

/** The secret deliveries are signed with now (the newest without an expiry). */
export function currentSecret(secrets: StoredSigningSecret[]): StoredSigningSecret | undefined {
  return secrets.find((s) => !s.expires_at);
}
