import { ExecutionContext, Inject, Injectable, type CanActivate } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { UnauthorizedError } from '../common/api-error';
import type { Response } from 'express';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { bearerToken, type AuthenticatedRequest } from './authenticated-request';
import { SignInThrottle } from './sign-in-throttle';

/** Lets through requests carrying the operator token (MANAGEMENT_OPERATOR_TOKEN); failures count against the client address. */
@Injectable()
export class OperatorGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    @Inject(MANAGEMENT_API_CONFIG) config: ManagementApiConfig,
    private readonly throttle: SignInThrottle,
  ) {
    this.expected = digest(config.auth.operatorToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(req);
    // compare digests: constant time, and equal lengths whatever was sent
    if (token && timingSafeEqual(digest(token), this.expected)) {
      req.principal = { kind: 'operator' };
      return true;
    }
    if (this.throttle.isBlocked(req)) this.throttle.refuse(req, context.switchToHttp().getResponse<Response>());
    this.throttle.recordFailure(req);
    throw new UnauthorizedError('missing or invalid operator token');
  }
}

/**
 * Lets through requests carrying a valid API key, and puts its customer on the request. An
 * address over its failed sign-ins gets 429 before any database read (a key this instance
 * verified recently still passes, from memory).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly throttle: SignInThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(req);
    const blocked = this.throttle.isBlocked(req);
    const verified = !token ? null : blocked ? this.authenticator.verifyFromMemory(token) : await this.authenticator.verify(token);
    if (!verified) {
      if (blocked) this.throttle.refuse(req, context.switchToHttp().getResponse<Response>());
      this.throttle.recordFailure(req);
      throw new UnauthorizedError(token ? 'invalid or revoked API key' : 'missing API key: send Authorization: Bearer <key>');
    }
    req.principal = { kind: 'customer', customerId: verified.customerId, apiKeyId: verified.apiKeyId };
    return true;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
