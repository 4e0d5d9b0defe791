import { createHash, randomBytes } from 'node:crypto';

const KEY_MARK = 'chk_';
/** The visible start of a key: the mark plus 8 characters; stored in clear to find the key and tell keys apart. */
const PREFIX_LENGTH = KEY_MARK.length + 8;
const KEY_PATTERN = /^chk_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  /** The full key: shown to the caller once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

/** A new key: `chk_` + 32 random bytes (base64url). */
export function generateApiKey(): NewApiKey {
  const key = `${KEY_MARK}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: apiKeyPrefix(key), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** Cheap shape check, so garbage never reaches the database. */
export function isWellFormedApiKey(candidate: string): boolean {
  return KEY_PATTERN.test(candidate);
}
