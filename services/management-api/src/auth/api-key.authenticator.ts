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

/**
 * Verifies a customer's API key: candidates are found by the key's clear prefix, then the
 * sha256 of the presented key is compared in constant time. A verified key is remembered
 * for a few seconds (MANAGEMENT_API_KEY_CACHE_MS) so a busy client does not cost one
 * database read per request; a revocation in this instance forgets it at once.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, VerifiedKey & { until: number }>();

  constructor(
    @InjectModel(ApiKey.name) private readonly keys: Model<ApiKey>,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
  ) {}

  async verify(presented: string): Promise<VerifiedKey | null> {
    if (!isWellFormedApiKey(presented)) return null;
    const hash = hashApiKey(presented);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return { customerId: cached.customerId, apiKeyId: cached.apiKeyId };

    const candidates = await this.keys
      .find({ prefix: apiKeyPrefix(presented), revoked_at: null })
      .lean()
      .exec();
    const wanted = Buffer.from(hash, 'hex');
    const match = candidates.find((k) => timingSafeEqual(Buffer.from(k.hash, 'hex'), wanted));
    if (!match) return null;
    const verified = { customerId: match.customer_id, apiKeyId: match._id };
    this.remember(hash, verified);
    return verified;
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
