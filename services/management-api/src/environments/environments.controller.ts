import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query, Res } from '@nestjs/common';
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
import type { Response } from 'express';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import { ListQueryDto, type Page } from '../common/pagination';
import {
  AddSubscriptionDto,
  EnvironmentDto,
  EnvironmentPageDto,
  PutEnvironmentDto,
  ReplaceSubscriptionsDto,
  SubscribedWebhooksDto,
} from './dto/environment.dto';
import { EnvironmentsService } from './environments.service';

@ApiTags('environments')
@CustomerApi()
@ApiBadRequestResponse({ type: ApiErrorDto, description: '`validation_failed`: the fields say what is wrong.' })
@ApiNotFoundResponse({ type: ApiErrorDto, description: '`not_found`: no such environment (or webhook) for this customer.' })
@ApiParam({ name: 'id', description: 'The platform\u2019s environment id.', example: 'env-42' })
@Controller('v1/environments')
export class EnvironmentsController {
  constructor(private readonly environments: EnvironmentsService) {}

  @Get()
  @ApiOperation({ summary: 'List environments' })
  @ApiOkResponse({ type: EnvironmentPageDto })
  list(@CurrentCustomer() customerId: string, @Query() query: ListQueryDto): Promise<Page<EnvironmentDto>> {
    return this.environments.list(customerId, query);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Create or update an environment under the platform\u2019s id' })
  @ApiCreatedResponse({ type: EnvironmentDto, description: 'Created (also when a deleted environment comes back).' })
  @ApiOkResponse({ type: EnvironmentDto, description: 'Updated.' })
  async put(
    @CurrentCustomer() customerId: string,
    @Param('id') id: string,
    @Body() dto: PutEnvironmentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EnvironmentDto> {
    const { created, environment } = await this.environments.put(customerId, id, dto);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return environment;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an environment' })
  @ApiOkResponse({ type: EnvironmentDto })
  get(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<EnvironmentDto> {
    return this.environments.get(customerId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an environment (and its subscriptions)' })
  @ApiNoContentResponse()
  remove(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<void> {
    return this.environments.remove(customerId, id);
  }

  @Get(':id/webhooks')
  @ApiOperation({ summary: 'The webhooks subscribed in an environment' })
  @ApiOkResponse({ type: SubscribedWebhooksDto })
  subscriptions(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<SubscribedWebhooksDto> {
    return this.environments.subscriptions(customerId, id);
  }

  @Put(':id/webhooks')
  @ApiOperation({ summary: 'Replace the subscribed webhooks', description: 'Every id must be a webhook of this customer; the 404 names those that are not.' })
  @ApiOkResponse({ type: SubscribedWebhooksDto })
  replace(@CurrentCustomer() customerId: string, @Param('id') id: string, @Body() dto: ReplaceSubscriptionsDto): Promise<SubscribedWebhooksDto> {
    return this.environments.replaceSubscriptions(customerId, id, dto.webhook_ids);
  }

  @Post(':id/webhooks')
  @ApiOperation({ summary: 'Subscribe a webhook in the environment' })
  @ApiCreatedResponse({ type: SubscribedWebhooksDto, description: 'Subscribed.' })
  @ApiOkResponse({ type: SubscribedWebhooksDto, description: 'It already was.' })
  async subscribe(
    @CurrentCustomer() customerId: string,
    @Param('id') id: string,
    @Body() dto: AddSubscriptionDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SubscribedWebhooksDto> {
    const { added, subscriptions } = await this.environments.subscribe(customerId, id, dto.webhook_id);
    res.status(added ? HttpStatus.CREATED : HttpStatus.OK);
    return subscriptions;
  }

  @Delete(':id/webhooks/:webhookId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unsubscribe a webhook from the environment' })
  @ApiNoContentResponse()
  unsubscribe(@CurrentCustomer() customerId: string, @Param('id') id: string, @Param('webhookId') webhookId: string): Promise<void> {
    return this.environments.unsubscribe(customerId, id, webhookId);
  }
}
