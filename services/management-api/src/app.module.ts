import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { serviceFoundation } from '@callhooks/kafka';
import { AuthModule } from './auth/auth.module';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from './config/management-api.config';
import { CatalogModule } from './catalog/catalog.module';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule } from './database/database.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { EnvironmentsModule } from './environments/environments.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { OperationalWebhooksModule } from './operational-webhooks/operational-webhooks.module';
import { RecoveriesModule } from './recoveries/recoveries.module';
import { WebhookHealthModule } from './webhook-health/webhook-health.module';
// the admin console (static pages at /console/ over this API)
import { ConsoleModule } from './console/console.module';

export type FeatureModule = Type | DynamicModule;

/**
 * The management API. Infrastructure first (logs, metrics, health, Kafka, MongoDB, auth and
 * rate limits), then one module per feature: add a feature by appending its module to
 * `features()` below. Feature controllers use @CustomerApi() / @OperatorApi() from auth/.
 */
@Module({})
export class AppModule {
  /** Every feature of the API. Tests may start a subset (e.g. without the delivery log's consumer). */
  static features(): FeatureModule[] {
    return [CustomersModule, WebhooksModule, WebhookHealthModule.forRoot(), OperationalWebhooksModule, EnvironmentsModule, CatalogModule, DeliveriesModule.forRoot(), RecoveriesModule.forRoot(), ConsoleModule];
  }

  static register(config: ManagementApiConfig, features: FeatureModule[] = AppModule.features()): DynamicModule {
    const infrastructure = [
      ...serviceFoundation(config),
      DatabaseModule,
      AuthModule,
    ];
    return {
      module: AppModule,
      global: true,
      imports: [...infrastructure, ...features],
      providers: [{ provide: MANAGEMENT_API_CONFIG, useValue: config }],
      exports: [MANAGEMENT_API_CONFIG],
    };
  }
}
