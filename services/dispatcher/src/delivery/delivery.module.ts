import { Module } from '@nestjs/common';
import { ConfigViewWebhookDirectory } from './config-view.webhook-directory';
import { DeliveryConsumer } from './delivery.consumer';
import { DeliveryMetrics } from './delivery.metrics';
import { WebhookDirectory } from './webhook-directory';

/** Consumes delivery jobs and their retry tiers, and sends them over HTTP. */
@Module({
  controllers: [DeliveryConsumer],
  providers: [DeliveryMetrics, { provide: WebhookDirectory, useClass: ConfigViewWebhookDirectory }],
})
export class DeliveryModule {}
