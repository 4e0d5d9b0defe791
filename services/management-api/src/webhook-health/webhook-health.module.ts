import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DeliveryResultsObserver } from '../deliveries/delivery-results-observer';
import { WebhookHealthController } from './webhook-health.controller';
import { WebhookHealthObserver } from './webhook-health.observer';
import { WebhookHealthRecord, WebhookHealthSchema } from './webhook-health.schema';
import { WebhookHealthService } from './webhook-health.service';
import { WebhookHealthStore } from './webhook-health.store';

/**
 * Webhook health: rolling aggregates per webhook kept from the delivery results (bound to the
 * delivery log's DeliveryResultsObserver port), GET /v1/webhooks/{id}/stats and the health of a
 * list page (`include=health`). Global so the webhooks list and the delivery log find it.
 */
@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: WebhookHealthRecord.name, schema: WebhookHealthSchema }])],
  controllers: [WebhookHealthController],
  providers: [WebhookHealthStore, WebhookHealthService, { provide: DeliveryResultsObserver, useClass: WebhookHealthObserver }],
  exports: [WebhookHealthStore, WebhookHealthService, DeliveryResultsObserver],
})
export class WebhookHealthModule {}
