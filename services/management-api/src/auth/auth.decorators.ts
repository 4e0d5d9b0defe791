import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiErrorDto } from '../common/api-error.dto';
import { ApiKeyGuard, OperatorGuard } from './auth.guards';
import type { AuthenticatedRequest } from './authenticated-request';
import { RateLimitGuard } from './rate-limit.guard';

export const API_KEY_SCHEME = 'api-key';
export const OPERATOR_SCHEME = 'operator-token';

const rateLimited = ApiTooManyRequestsResponse({ type: ApiErrorDto, description: '`rate_limited`: too many requests; see the Retry-After header.' });

/** A route of a customer's API: needs `Authorization: Bearer <API key>`, rate-limited per key. */
export function CustomerApi(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard, RateLimitGuard),
    ApiBearerAuth(API_KEY_SCHEME),
    ApiUnauthorizedResponse({ type: ApiErrorDto, description: '`unauthorized`: missing, unknown or revoked API key.' }),
    rateLimited,
  );
}

/** A route of the platform operator: needs `Authorization: Bearer <operator token>`. */
export function OperatorApi(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(OperatorGuard, RateLimitGuard),
    ApiBearerAuth(OPERATOR_SCHEME),
    ApiUnauthorizedResponse({ type: ApiErrorDto, description: '`unauthorized`: missing or wrong operator token.' }),
    rateLimited,
  );
}

/** A route open to anyone (the catalog), rate-limited per client address. */
export function PublicApi(): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(RateLimitGuard), rateLimited);
}

/** The id of the customer whose API key made the request (routes under @CustomerApi()). */
export const CurrentCustomer = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'customer') throw new Error('CurrentCustomer used on a route without @CustomerApi()');
  return principal.customerId;
});
