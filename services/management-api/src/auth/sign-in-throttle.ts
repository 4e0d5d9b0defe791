import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';

const WINDOW_MS = 60_000;
/** Addresses remembered at once; the oldest window is forgotten first, so a flood of addresses costs bounded memory. */
const MAX_ADDRESSES = 50_000;

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Failed sign-ins (no credential, a wrong API key, a wrong operator token) per client address
 * and minute (MANAGEMENT_SIGN_IN_FAILURES_PER_MINUTE). Checked by the authentication guards
 * before they look at the credential, so an address over its budget costs no database read:
 * it gets 429 `rate_limited` with Retry-After until its minute ends. A credential proven
 * without database work (the operator token, a key in the verified cache) still passes.
 */
@Injectable()
export class SignInThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly limit: number;

  constructor(@Inject(MANAGEMENT_API_CONFIG) config: ManagementApiConfig) {
    this.limit = config.rateLimit.signInFailuresPerMinute;
  }

  /** Whether the request's address has used up its failures for this minute. */
  isBlocked(req: Request, now = Date.now()): boolean {
    const w = this.current(addressOf(req), now);
    return w !== undefined && w.failures >= this.limit;
  }

  /** Throws 429 with Retry-After (seconds until the address's minute ends). */
  refuse(req: Request, res: Response, now = Date.now()): never {
    const w = this.current(addressOf(req), now);
    const retryAfter = Math.max(1, Math.ceil(((w?.startedAt ?? now) + WINDOW_MS - now) / 1000));
    res.setHeader('Retry-After', String(retryAfter));
    throw new ThrottlerException('too many failed sign-ins from this address');
  }

  recordFailure(req: Request, now = Date.now()): void {
    const address = addressOf(req);
    const w = this.current(address, now);
    if (w) {
      w.failures++;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(address, { startedAt: now, failures: 1 });
  }

  private current(address: string, now: number): Window | undefined {
    const w = this.windows.get(address);
    if (w && now - w.startedAt >= WINDOW_MS) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }
}

function addressOf(req: Request): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}
