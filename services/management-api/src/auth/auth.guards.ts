import { ExecutionContext, Inject, Injectable, type CanActivate } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { UnauthorizedError } from '../common/api-error';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { bearerToken, type AuthenticatedRequest } from './authenticated-request';

/** Lets through requests carrying the operator token (MANAGEMENT_OPERATOR_TOKEN). */
@Injectable()
export class OperatorGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(MANAGEMENT_API_CONFIG) config: ManagementApiConfig) {
    this.expected = digest(config.auth.operatorToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(req);
    // compare digests: constant time, and equal lengths whatever was sent
    if (!token || !timingSafeEqual(digest(token), this.expected)) throw new UnauthorizedError('missing or invalid operator token');
    req.principal = { kind: 'operator' };
    return true;
  }
}

/** Lets through requests carrying a valid API key, and puts its customer on the request. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    const verified = await this.authenticator.verify(token);
    if (!verified) throw new UnauthorizedError('invalid or revoked API key');
    req.principal = { kind: 'customer', customerId: verified.customerId, apiKeyId: verified.apiKeyId };
    return true;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
