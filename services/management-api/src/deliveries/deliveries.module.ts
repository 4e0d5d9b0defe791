import { Module, type DynamicModule } from '@nestjs/common';
import { DELIVERIES_CONFIG, loadDeliveriesConfig, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryLogConsumer } from './delivery-log.consumer';
import { DeliveryLogWriter } from './delivery-log.writer';
import { DeliveryQueries } from './delivery-queries';
import { DeliveryRetention } from './delivery-retention';
import { Redelivery } from './redelivery';
import { TestSends } from './test-sends';
import { WebhookTestController } from './webhook-test.controller';

/**
 * The delivery log: consumes delivery results into the PostgreSQL tables `deliveries` and
 * `delivery_attempts` (their only writer: DeliveryLogWriter), serves /v1/deliveries
 * (DeliveryQueries), redelivery (Redelivery) and webhook test sends (TestSends), purges past
 * retention (DeliveryRetention). Needs the application's PostgresPool (DatabaseModule),
 * KafkaContext, and the auth guards (AuthModule);
 * the webhooks feature binds GoneWebhooks (410 disables a webhook) and WebhookTestJobs
 * (builds test-send jobs) as global providers.
 */
@Module({})
export class DeliveriesModule {
  static forRoot(config: DeliveriesConfig = loadDeliveriesConfig()): DynamicModule {
    return {
      module: DeliveriesModule,
      controllers: [DeliveriesController, WebhookTestController],
      providers: [
        { provide: DELIVERIES_CONFIG, useValue: config },
        DeliveryLogWriter,
        DeliveryQueries,
        Redelivery,
        TestSends,
        DeliveryLogConsumer,
        DeliveryRetention,
      ],
      exports: [DeliveryQueries],
    };
  }
}
