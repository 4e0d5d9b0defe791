import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryLogConsumer } from './delivery-log.consumer';
import { DeliveryLogWriter } from './delivery-log.writer';
import { DeliveryQueries } from './delivery-queries';
import { DeliveryRetention } from './delivery-retention';
import { Redelivery } from './redelivery';
import { TestSends } from './test-sends';
import { WebhookTestController } from './webhook-test.controller';

/**
 * The delivery log: consumes delivery results into the PostgreSQL table `deliveries`, a row per
 * delivery with its attempts (its only writer: DeliveryLogWriter), serves /v1/deliveries
 * (DeliveryQueries), redelivery (Redelivery) and webhook test sends (TestSends), purges past
 * retention (DeliveryRetention). Needs the application's PostgresPool (DatabaseModule),
 * KafkaContext, and the auth guards (AuthModule); `webhookPorts` provides GoneWebhooks (410
 * disables a webhook) and WebhookTestJobs (builds test-send jobs): WebhooksModule, or a
 * stand-in in tests of the delivery log alone.
 */
@Module({})
export class DeliveriesModule {
  /** `config`: the settings, when not the application's (MANAGEMENT_API_CONFIG.deliveries). */
  static forRoot(config?: DeliveriesConfig, webhookPorts: Type | DynamicModule = WebhooksModule): DynamicModule {
    return {
      module: DeliveriesModule,
      imports: [webhookPorts],
      controllers: [DeliveriesController, WebhookTestController, DeliveryLogConsumer],
      providers: [
        config
          ? { provide: DELIVERIES_CONFIG, useValue: config }
          : { provide: DELIVERIES_CONFIG, inject: [MANAGEMENT_API_CONFIG], useFactory: (app: ManagementApiConfig) => app.deliveries },
        DeliveryLogWriter,
        DeliveryQueries,
        Redelivery,
        TestSends,
        DeliveryRetention,
      ],
      exports: [DeliveryQueries],
    };
  }
}
