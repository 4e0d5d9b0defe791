import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyGuard, OperatorGuard } from './auth.guards';
import { RateLimitGuard } from './rate-limit.guard';
import { SignInThrottle } from './sign-in-throttle';

/**
 * Credentials and rate limits, available to every feature module: put @CustomerApi(),
 * @OperatorApi() or @PublicApi() on a controller and take @CurrentCustomer() in handlers.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [MANAGEMENT_API_CONFIG],
      useFactory: (config: ManagementApiConfig) => ({ throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimit.perMinute }] }),
    }),
  ],
  providers: [ApiKeyAuthenticator, SignInThrottle, OperatorGuard, ApiKeyGuard, RateLimitGuard],
  exports: [ApiKeyAuthenticator, SignInThrottle, OperatorGuard, ApiKeyGuard, RateLimitGuard],
})
export class AuthModule {}
