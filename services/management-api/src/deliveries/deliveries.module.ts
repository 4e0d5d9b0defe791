import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';
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
 * `webhookPorts` provides GoneWebhooks (410 disables a webhook) and WebhookTestJobs (builds
 * test-send jobs): WebhooksModule, or a stand-in in tests of the delivery log alone.
 */
@Module({})
export class DeliveriesModule {
  /** `config`: the settings, when not the application's (MANAGEMENT_API_CONFIG.deliveries). */
  static forRoot(config?: DeliveriesConfig, webhookPorts: Type | DynamicModule = WebhooksModule): DynamicModule {
    return {
      module: DeliveriesModule,
      imports: [webhookPorts, MongooseModule.forFeature([{ name: DeliveryRecord.name, schema: DeliveryRecordSchema }])],
      controllers: [DeliveriesController, WebhookTestController, DeliveryLogConsumer],
      providers: [
        config
          ? { provide: DELIVERIES_CONFIG, useValue: config }
          : { provide: DELIVERIES_CONFIG, inject: [MANAGEMENT_API_CONFIG], useFactory: (app: ManagementApiConfig) => app.deliveries },
        DeliveryLogService,
        DeliveryRetention,
      ],
      exports: [DeliveryLogService],
    };
  }
}
