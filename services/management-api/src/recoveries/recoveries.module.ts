import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DeliveryResend } from '../deliveries/delivery-resend';
import { EnvironmentsModule } from '../environments/environments.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { RECOVERIES_CONFIG } from './config/recoveries.config';
import { RecoveriesController } from './recoveries.controller';
import { RecoveriesService } from './recoveries.service';
import { Recovery, RecoverySchema } from './recovery.schema';
import { RecoveryRunner } from './recovery.runner';

/**
 * Bulk recovery of failed deliveries: POST /v1/webhooks/{id}/recover and
 * /v1/environments/{id}/recover start one, GET /v1/recoveries/{id} follows it, RecoveryRunner
 * carries it out (in any instance, after a restart too). Resends go through the delivery
 * log's DeliveryResend, over its PostgreSQL tables.
 */
@Module({})
export class RecoveriesModule {
  static forRoot(): DynamicModule {
    return {
      module: RecoveriesModule,
      imports: [EnvironmentsModule, WebhooksModule, MongooseModule.forFeature([{ name: Recovery.name, schema: RecoverySchema }])],
      controllers: [RecoveriesController],
      providers: [{ provide: RECOVERIES_CONFIG, inject: [MANAGEMENT_API_CONFIG], useFactory: (app: ManagementApiConfig) => app.recoveries }, DeliveryResend, RecoveryRunner, RecoveriesService],
    };
  }
}
