import { Module, type DynamicModule } from '@nestjs/common';
import { DeliveryResultsObserver } from '../deliveries/delivery-results-observer';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { WEBHOOK_HEALTH_CONFIG } from './config/webhook-health.config';
import { FailingWebhooksAutoDisable } from './failing-webhooks.auto-disable';
import { WebhookHealthController } from './webhook-health.controller';
import { WebhookHealthObserver } from './webhook-health.observer';
import { WebhookHealthService } from './webhook-health.service';
import { WebhookHealthStore } from './webhook-health.store';

/**
 * Webhook health: rolling aggregates per webhook kept from the delivery results (bound to the
 * delivery log's DeliveryResultsObserver port), GET /v1/webhooks/{id}/stats, the health of a
 * list page (`include=health`), the failing/recovered/exhausted notices and the auto-disable
 * of webhooks failing for too long. Global so the webhooks list and the delivery log find it.
 */
@Module({})
export class WebhookHealthModule {
  static forRoot(): DynamicModule {
    return {
      module: WebhookHealthModule,
      global: true,
      imports: [WebhooksModule],
      controllers: [WebhookHealthController],
      providers: [
        { provide: WEBHOOK_HEALTH_CONFIG, inject: [MANAGEMENT_API_CONFIG], useFactory: (app: ManagementApiConfig) => app.webhookHealth },
        WebhookHealthStore,
        WebhookHealthService,
        FailingWebhooksAutoDisable,
        { provide: DeliveryResultsObserver, useClass: WebhookHealthObserver },
      ],
      exports: [WebhookHealthStore, WebhookHealthService, FailingWebhooksAutoDisable, DeliveryResultsObserver],
    };
  }
}
