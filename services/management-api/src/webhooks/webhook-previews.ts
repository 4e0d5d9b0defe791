import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { samplePayload, ValidationError, type DeliveryJob } from '@callhooks/contracts';
import { WebhookTestJobs } from '../deliveries/webhook-test-jobs';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { BodyTemplates } from './body-templates';
import { MAX_BODY_BYTES } from './dto/webhook.dto';
import type { PreviewDto, TemplatePreviewDto } from './dto/preview.dto';
import { urlProblem } from './webhook-target.policy';
import { headersToMap } from './webhook.presenter';
import type { Webhook } from './webhook.schema';
import { WebhooksService } from './webhooks.service';

const PREVIEW_URL = 'https://receiver.example.com/webhook';

/**
 * What a webhook sends, rendered with the sample call data of the field catalog: previews
 * (saved webhooks and drafts) and the jobs of test sends, which the delivery log queues.
 */
@Injectable()
export class WebhookPreviews extends WebhookTestJobs {
  constructor(
    private readonly templates: BodyTemplates,
    private readonly webhooks: WebhooksService,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
  ) {
    super();
  }

  ofWebhook(w: Pick<Webhook, 'method' | 'url' | 'body'>): PreviewDto {
    const sample = samplePayload();
    const rendered = this.templates.render({ method: w.method, url: w.url, body: w.body }, sample);
    return {
      method: rendered.method,
      url: rendered.url,
      body: rendered.body === null ? null : (JSON.parse(rendered.body) as unknown),
      query: rendered.query,
      sample: { ...sample },
    };
  }

  /** A draft is checked as a save would check it: the same URL rule (a preview must not bless a URL the save refuses). */
  ofDraft(dto: TemplatePreviewDto): PreviewDto {
    const method = dto.method ?? 'POST';
    const body = dto.body === undefined || dto.body === null || dto.body.trim() === '' ? null : dto.body;
    const url = dto.url ?? PREVIEW_URL;
    const problems = [];
    const urlWhy = urlProblem(url, this.config.webhooks.allowPrivateTargets);
    if (urlWhy) problems.push({ field: 'url', message: urlWhy });
    if (body !== null) {
      if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) problems.push({ field: 'body', message: `must be at most ${MAX_BODY_BYTES / 1024} KiB` });
      else problems.push(...this.templates.problems(body, method));
    }
    if (problems.length > 0) throw new ValidationError(`invalid template: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
    return this.ofWebhook({ method, url, body });
  }

  /** The delivery job of a test send: the sample event, origin TEST, attempt 1, a fresh delivery id. */
  async build(customerId: string, webhookId: string): Promise<DeliveryJob> {
    const w = await this.webhooks.live(customerId, webhookId);
    const sample = samplePayload();
    const rendered = this.templates.render({ method: w.method, url: w.url, body: w.body }, sample);
    const deliveryId = randomUUID();
    return {
      delivery_id: deliveryId,
      webhook_id: w._id,
      customer_id: customerId,
      environment_id: null,
      event_id: `test-${deliveryId}`,
      event: w.event,
      call_uuid: sample.uuid,
      origin: 'TEST',
      method: w.method,
      url: rendered.url,
      body: rendered.body,
      headers: headersToMap(w.headers),
      attempt: 1,
      created_at: Date.now(),
      not_before: null,
    };
  }
}
