import { Global, Module } from '@nestjs/common';
import { ConfigPublishingModule } from '../config-publishing/config-publishing.module';
import { WebhookDisabledListener } from '../webhooks/webhook-disabled.listener';
import { OperationalNotices } from './operational-notices';
import { OperationalWebhooksController } from './operational-webhooks.controller';
import { OperationalWebhooksService } from './operational-webhooks.service';

/**
 * Operational webhooks (/v1/operational-webhooks) and the notices sent to them. Global so the
 * webhooks feature (webhook.disabled on 410) and webhook health (failing, recovered,
 * exhausted, auto-disable) find OperationalNotices.
 */
@Global()
@Module({
  imports: [ConfigPublishingModule],
  controllers: [OperationalWebhooksController],
  providers: [OperationalWebhooksService, OperationalNotices, { provide: WebhookDisabledListener, useExisting: OperationalNotices }],
  exports: [OperationalWebhooksService, OperationalNotices, WebhookDisabledListener],
})
export class OperationalWebhooksModule {}
