import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import { StatsQueryDto, WebhookStatsDto } from './dto/webhook-stats.dto';
import { WebhookHealthService } from './webhook-health.service';

@ApiTags('webhooks')
@CustomerApi()
@Controller('v1/webhooks')
export class WebhookHealthController {
  constructor(private readonly health: WebhookHealthService) {}

  @Get(':id/stats')
  @ApiOperation({
    summary: 'Health of a webhook',
    description:
      'Attempts, successes, failures by class, success rate, latency percentiles and a per-minute or per-hour series over the window; ' +
      'the last success and failure, consecutive failures and the target\u2019s breaker. From rolling aggregates kept as results arrive.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookStatsDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: '`validation_failed`: `window` is not 1h, 24h or 7d.' })
  @ApiNotFoundResponse({ type: ApiErrorDto, description: '`not_found`: no such webhook for this customer.' })
  stats(@CurrentCustomer() customerId: string, @Param('id') id: string, @Query() query: StatsQueryDto): Promise<WebhookStatsDto> {
    return this.health.stats(customerId, id, query.window ?? '24h');
  }
}
