import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import { DeliveryQueries } from './delivery-queries';
import type { DeliveryDetail, DeliverySummary } from './delivery.model';
import { Redelivery } from './redelivery';
import type { Page } from '../common/pagination';
import { DeliveryPageDto, DeliveryWithAttemptsDto, RedeliveryDto } from './dto/delivery.dto';
import { ListDeliveriesQueryDto } from './dto/list-deliveries.query';
import { parseDateTime } from '../common/date-time';

@ApiTags('deliveries')
@CustomerApi()
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(
    private readonly queries: DeliveryQueries,
    private readonly redelivery: Redelivery,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The delivery log: deliveries newest first, filterable by webhook, environment, event, call, status and time' })
  @ApiOkResponse({ type: DeliveryPageDto })
  list(@CurrentCustomer() customerId: string, @Query() query: ListDeliveriesQueryDto): Promise<Page<DeliverySummary>> {
    const { webhook_id, environment_id, event, call_uuid, status, from, to } = query;
    return this.queries.list(
      customerId,
      { webhook_id, environment_id, event, call_uuid, status, from: parseDateTime(from) ?? undefined, to: parseDateTime(to) ?? undefined },
      { limit: query.limit, cursor: query.cursor, page: query.page, order: query.order },
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery with all its attempts' })
  @ApiOkResponse({ type: DeliveryWithAttemptsDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<DeliveryDetail> {
    return this.queries.get(customerId, id);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivery again',
    description:
      'Queues one more attempt of the same message: the same delivery id and `webhook-id` header (receivers that deduplicate on it see a repeat), ' +
      'numbered after the last attempt, made once and not retried automatically. Refused (409) while an attempt is pending.',
  })
  @ApiAcceptedResponse({ type: RedeliveryDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  redeliver(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<{ delivery_id: string; attempt: number }> {
    return this.redelivery.redeliver(customerId, id);
  }
}
