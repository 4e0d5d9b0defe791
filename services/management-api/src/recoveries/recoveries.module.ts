import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DeliveryResend } from '../deliveries/delivery-resend';
import { EnvironmentsModule } from '../environments/environments.module';
import { loadRecoveriesConfig, RECOVERIES_CONFIG, type RecoveriesConfig } from './config/recoveries.config';
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
  static forRoot(config: RecoveriesConfig = loadRecoveriesConfig()): DynamicModule {
    return {
      module: RecoveriesModule,
      imports: [EnvironmentsModule, MongooseModule.forFeature([{ name: Recovery.name, schema: RecoverySchema }])],
      controllers: [RecoveriesController],
      providers: [{ provide: RECOVERIES_CONFIG, useValue: config }, DeliveryResend, RecoveryRunner, RecoveriesService],
    };
  }
}
