import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DELIVERIES_CONFIG, loadDeliveriesConfig, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryLogConsumer } from './delivery-log.consumer';
import { DeliveryLogService } from './delivery-log.service';
import { DeliveryRecord, DeliveryRecordSchema } from './delivery.schema';
import { DeliveryRetention } from './delivery-retention';

/**
 * The delivery log: consumes delivery results into the `deliveries` collection (its only
 * writer), serves /v1/deliveries and redelivery, purges past retention. Needs the
 * application's MongoDB connection, KafkaContext, and the auth guards (AuthModule).
 */
@Module({})
export class DeliveriesModule {
  static forRoot(config: DeliveriesConfig = loadDeliveriesConfig()): DynamicModule {
    return {
      module: DeliveriesModule,
      imports: [MongooseModule.forFeature([{ name: DeliveryRecord.name, schema: DeliveryRecordSchema }])],
      controllers: [DeliveriesController],
      providers: [{ provide: DELIVERIES_CONFIG, useValue: config }, DeliveryLogService, DeliveryLogConsumer, DeliveryRetention],
      exports: [DeliveryLogService],
    };
  }
}
