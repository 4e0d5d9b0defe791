import { Module } from '@nestjs/common';
import { ConfigPublishingModule } from '../config-publishing/config-publishing.module';
import { GoneWebhooks } from '../deliveries/gone-webhooks';
import { WebhookTestJobs } from '../deliveries/webhook-test-jobs';
import { EnvironmentsModule } from '../environments/environments.module';
import { BodyTemplates } from './body-templates';
import { TemplatingBodyTemplates } from './templating-body-templates';
import { WebhookGoneHandler } from './webhook-gone.handler';
import { WebhookPreviews } from './webhook-previews';
import { TemplatesController, WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks, their secrets and previews. Exports the two ports the delivery log imports this
 * module for: GoneWebhooks (a 410 disables the webhook) and WebhookTestJobs (test-send jobs).
 */
@Module({
  imports: [ConfigPublishingModule, EnvironmentsModule],
  controllers: [WebhooksController, TemplatesController],
  providers: [
    WebhooksService,
    WebhookPreviews,
    { provide: BodyTemplates, useClass: TemplatingBodyTemplates },
    { provide: GoneWebhooks, useClass: WebhookGoneHandler },
    { provide: WebhookTestJobs, useExisting: WebhookPreviews },
  ],
  exports: [WebhooksService, GoneWebhooks, WebhookTestJobs],
})
export class WebhooksModule {}
