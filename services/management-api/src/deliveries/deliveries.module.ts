import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DELIVERIES_CONFIG, loadDeliveriesConfig, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryLogConsumer } from './delivery-log.consumer';
import { DeliveryLogService } from './delivery-log.service';
import { DeliveryRecord, DeliveryRecordSchema } from './delivery.schema';
import { DeliveryRetention } from './delivery-retention';
import { WebhookTestController } from './webhook-test.controller';

/**
 * The delivery log: consumes delivery results into the `deliveries` collection (its only
 * writer), serves /v1/deliveries, redelivery and webhook test sends, purges past retention.
 * Needs the application's MongoDB connection, KafkaContext, and the auth guards (AuthModule);
 * the webhooks feature binds GoneWebhooks (410 disables a webhook) and WebhookTestJobs
 * (builds test-send jobs) as global providers.
 */
@Module({})
export class DeliveriesModule {
  static forRoot(config: DeliveriesConfig = loadDeliveriesConfig()): DynamicModule {
    return {
      module: DeliveriesModule,
      imports: [MongooseModule.forFeature([{ name: DeliveryRecord.name, schema: DeliveryRecordSchema }])],
      controllers: [DeliveriesController, WebhookTestController, DeliveryLogConsumer],
      providers: [{ provide: DELIVERIES_CONFIG, useValue: config }, DeliveryLogService, DeliveryRetention],
      exports: [DeliveryLogService],
    };
  }
}
