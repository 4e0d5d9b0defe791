import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { timingSafeEqual } from 'node:crypto';
import type { Model } from 'mongoose';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { apiKeyPrefix, hashApiKey, isWellFormedApiKey } from '../customers/api-key.codec';
import { ApiKey } from '../customers/api-key.schema';

export interface VerifiedKey {
  customerId: string;
  apiKeyId: string;
}

const CACHE_LIMIT = 10_000;
/** Well-formed keys found in no document, remembered so a client repeating one costs no database read. */
const MISS_CACHE_LIMIT = 10_000;

/**
 * Verifies a customer's API key: candidates are found by the key's clear prefix, then the
 * sha256 of the presented key is compared in constant time. A verified key is remembered
 * for a few seconds (MANAGEMENT_API_KEY_CACHE_MS) so a busy client does not cost one
 * database read per request; a revocation in this instance forgets it at once. A well-formed
 * key that matches nothing is remembered as unknown for as long (keys are random: a key
 * issued later cannot be one presented before).
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, VerifiedKey & { until: number }>();
  private readonly misses = new Map<string, number>();

  constructor(
    @InjectModel(ApiKey.name) private readonly keys: Model<ApiKey>,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
  ) {}

  async verify(presented: string): Promise<VerifiedKey | null> {
    if (!isWellFormedApiKey(presented)) return null;
    const hash = hashApiKey(presented);
    const cached = this.cached(hash);
    if (cached) return cached;
    if ((this.misses.get(hash) ?? 0) > Date.now()) return null;

    const candidates = await this.keys
      .find({ prefix: apiKeyPrefix(presented), revoked_at: null })
      .lean()
      .exec();
    const wanted = Buffer.from(hash, 'hex');
    const match = candidates.find((k) => timingSafeEqual(Buffer.from(k.hash, 'hex'), wanted));
    if (!match) {
      this.rememberMiss(hash);
      return null;
    }
    const verified = { customerId: match.customer_id, apiKeyId: match._id };
    this.remember(hash, verified);
    return verified;
  }

  /** A key verified recently, from memory only (no database read); null otherwise. */
  verifyFromMemory(presented: string): VerifiedKey | null {
    return isWellFormedApiKey(presented) ? this.cached(hashApiKey(presented)) : null;
  }

  private cached(hash: string): VerifiedKey | null {
    const cached = this.cache.get(hash);
    return cached && cached.until > Date.now() ? { customerId: cached.customerId, apiKeyId: cached.apiKeyId } : null;
  }

  private rememberMiss(hash: string): void {
    const ttl = this.config.auth.apiKeyCacheMs;
    if (ttl <= 0) return;
    if (this.misses.size >= MISS_CACHE_LIMIT) this.misses.delete(this.misses.keys().next().value as string);
    this.misses.set(hash, Date.now() + ttl);
  }

  /** Called when a key is revoked, so this instance refuses it immediately. */
  forget(apiKeyId: string): void {
    for (const [hash, entry] of this.cache) if (entry.apiKeyId === apiKeyId) this.cache.delete(hash);
  }

  private remember(hash: string, verified: VerifiedKey): void {
    const ttl = this.config.auth.apiKeyCacheMs;
    if (ttl <= 0) return;
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(hash, { ...verified, until: Date.now() + ttl });
  }
}
