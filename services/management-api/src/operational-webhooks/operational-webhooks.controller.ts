import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import type { Page } from '../common/pagination';
import {
  CreateOperationalWebhookDto,
  ListOperationalWebhooksQueryDto,
  OperationalWebhookDto,
  OperationalWebhookPageDto,
  OperationalWebhookSecretDto,
  UpdateOperationalWebhookDto,
} from './dto/operational-webhook.dto';
import { OperationalWebhooksService } from './operational-webhooks.service';

const notFound = ApiNotFoundResponse({ type: ApiErrorDto, description: '`not_found`: no such operational webhook for this customer.' });
const badRequest = ApiBadRequestResponse({ type: ApiErrorDto, description: '`validation_failed`: url, notice_types, lengths, unknown properties.' });

@ApiTags('operational webhooks')
@CustomerApi()
@Controller('v1/operational-webhooks')
export class OperationalWebhooksController {
  constructor(private readonly operational: OperationalWebhooksService) {}

  @Get()
  @ApiOperation({
    summary: 'List operational webhooks',
    description: 'URLs that receive signed notices about this customer\u2019s webhooks: webhook.disabled, webhook.failing, webhook.recovered, delivery.exhausted.',
  })
  @ApiOkResponse({ type: OperationalWebhookPageDto })
  list(@CurrentCustomer() customerId: string, @Query() query: ListOperationalWebhooksQueryDto): Promise<Page<OperationalWebhookDto>> {
    return this.operational.list(customerId, query);
  }

  @Post()
  @ApiOperation({ summary: 'Create an operational webhook', description: 'Its signing secret: GET /v1/operational-webhooks/{id}/secret.' })
  @ApiCreatedResponse({ type: OperationalWebhookDto })
  @badRequest
  create(@CurrentCustomer() customerId: string, @Body() dto: CreateOperationalWebhookDto): Promise<OperationalWebhookDto> {
    return this.operational.create(customerId, dto);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Get an operational webhook' })
  @ApiOkResponse({ type: OperationalWebhookDto })
  @notFound
  get(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<OperationalWebhookDto> {
    return this.operational.get(customerId, id);
  }

  @Patch(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Update an operational webhook' })
  @ApiOkResponse({ type: OperationalWebhookDto })
  @badRequest
  @notFound
  update(@CurrentCustomer() customerId: string, @Param('id') id: string, @Body() dto: UpdateOperationalWebhookDto): Promise<OperationalWebhookDto> {
    return this.operational.update(customerId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Delete an operational webhook' })
  @ApiNoContentResponse()
  @notFound
  remove(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<void> {
    return this.operational.remove(customerId, id);
  }

  @Get(':id/secret')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'The signing secret of the notices' })
  @ApiOkResponse({ type: OperationalWebhookSecretDto })
  @notFound
  secret(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<OperationalWebhookSecretDto> {
    return this.operational.secret(customerId, id);
  }
}
