import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './authenticated-request';

/**
 * Requests per minute per API key (per client address when unauthenticated), across all
 * routes. Runs after the authentication guard, which has put the principal on the request;
 * a refused request gets 429 `rate_limited` with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: AuthenticatedRequest): Promise<string> {
    const p = req.principal;
    if (p?.kind === 'customer') return `key:${p.apiKeyId}`;
    if (p?.kind === 'operator') return 'operator';
    return `ip:${req.ip ?? 'unknown'}`;
  }

  protected override generateKey(_context: unknown, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }
}
