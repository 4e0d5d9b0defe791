import { Body, Controller, Delete, Get, HttpCode, Optional, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import type { Page } from '../common/pagination';
import { PreviewDto, TemplatePreviewDto } from './dto/preview.dto';
import { CreateWebhookDto, ListWebhooksQueryDto, UpdateWebhookDto, WebhookDto, WebhookPageDto, WebhookSecretDto } from './dto/webhook.dto';
import { WebhookPreviews } from './webhook-previews';
import { WebhooksService } from './webhooks.service';
import { WebhookHealthService } from '../webhook-health/webhook-health.service';

const badRequest = ApiBadRequestResponse({
  type: ApiErrorDto,
  description: '`validation_failed`: the fields say what is wrong (event, method, url, body template, headers, lengths, unknown properties).',
});
const notFound = ApiNotFoundResponse({ type: ApiErrorDto, description: '`not_found`: no such webhook for this customer.' });

@ApiTags('webhooks')
@CustomerApi()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly previews: WebhookPreviews,
    @Optional() private readonly health?: WebhookHealthService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List webhooks', description: 'Paged (cursor or page number), ordered by creation date, filtered by event, enabled and URL; `include=health` adds each webhook\u2019s health.' })
  @ApiOkResponse({ type: WebhookPageDto })
  @badRequest
  async list(@CurrentCustomer() customerId: string, @Query() query: ListWebhooksQueryDto): Promise<Page<WebhookDto>> {
    const page = await this.webhooks.list(customerId, query);
    if (query.include !== 'health' || !this.health) return page;
    const health = await this.health.forPage(page.data);
    return { ...page, data: page.data.map((w) => ({ ...w, health: health.get(w.id) })) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a webhook',
    description: 'A signing secret is made with it (GET /v1/webhooks/{id}/secret). Subscribe it in an environment to make it fire.',
  })
  @ApiCreatedResponse({ type: WebhookDto })
  @badRequest
  create(@CurrentCustomer() customerId: string, @Body() dto: CreateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.create(customerId, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a webhook' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDto })
  @notFound
  get(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<WebhookDto> {
    return this.webhooks.get(customerId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a webhook', description: 'Only the fields given change; `body: null` and `description: null` clear them.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDto })
  @badRequest
  @notFound
  update(@CurrentCustomer() customerId: string, @Param('id') id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(customerId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook', description: 'Also unsubscribes it from every environment.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse()
  @notFound
  remove(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<void> {
    return this.webhooks.remove(customerId, id);
  }

  @Get(':id/secret')
  @ApiOperation({
    summary: 'The signing secret',
    description: 'Deliveries carry Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature) made with it.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookSecretDto })
  @notFound
  secret(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<WebhookSecretDto> {
    return this.webhooks.secret(customerId, id);
  }

  @Post(':id/secret/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description: 'A new secret signs from now on; the previous one also signs until the overlap ends (24 h by default).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookSecretDto })
  @notFound
  rotate(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<WebhookSecretDto> {
    return this.webhooks.rotateSecret(customerId, id);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview the request',
    description: 'The webhook\u2019s body rendered with sample call data (the console\u2019s eye icon); for GET, the URL with its query parameters.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PreviewDto })
  @notFound
  async preview(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<PreviewDto> {
    return this.previews.ofWebhook(await this.webhooks.live(customerId, id));
  }
}

@ApiTags('webhooks')
@CustomerApi()
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly previews: WebhookPreviews) {}

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Preview an unsaved body template', description: 'Checks the template as a save would, and renders it with sample call data.' })
  @ApiOkResponse({ type: PreviewDto })
  @badRequest
  preview(@Body() dto: TemplatePreviewDto): PreviewDto {
    return this.previews.ofDraft(dto);
  }
}
