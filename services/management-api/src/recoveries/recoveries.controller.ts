import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import type { Page } from '../common/pagination';
import { ListRecoveriesQueryDto, RecoveryDto, RecoveryPageDto, StartRecoveryDto } from './dto/recovery.dto';
import { RecoveriesService } from './recoveries.service';

const RECOVER =
  'Sends again every delivery created in the window whose last status is FAILED (dead-lettered): the same delivery id and `webhook-id`, ' +
  'a fresh attempt numbered after the last, and the usual retries; at most MANAGEMENT_RECOVERY_WINDOW at a time, so at the target\u2019s pace. ' +
  'A delivery delivered (or being resent) by the time the recovery reaches it is skipped, so two recoveries of one window never send it twice. ' +
  'Answers 202 with the recovery; follow it at GET /v1/recoveries/{id}.';
const badRequest = ApiBadRequestResponse({ type: ApiErrorDto, description: '`validation_failed`: since, until.' });

@ApiTags('recoveries')
@CustomerApi()
@Controller('v1')
export class RecoveriesController {
  constructor(private readonly recoveries: RecoveriesService) {}

  @Post('webhooks/:id/recover')
  @HttpCode(202)
  @ApiOperation({ summary: 'Recover a webhook\u2019s failed deliveries', description: RECOVER })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiAcceptedResponse({ type: RecoveryDto })
  @badRequest
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: '`conflict`: the webhook is disabled (enable it first).' })
  forWebhook(@CurrentCustomer() customerId: string, @Param('id') id: string, @Body() dto: StartRecoveryDto): Promise<RecoveryDto> {
    return this.recoveries.forWebhook(customerId, id, dto);
  }

  @Post('environments/:id/recover')
  @HttpCode(202)
  @ApiOperation({ summary: 'Recover the failed deliveries of every webhook of an environment', description: RECOVER })
  @ApiAcceptedResponse({ type: RecoveryDto })
  @badRequest
  @ApiNotFoundResponse({ type: ApiErrorDto })
  forEnvironment(@CurrentCustomer() customerId: string, @Param('id') id: string, @Body() dto: StartRecoveryDto): Promise<RecoveryDto> {
    return this.recoveries.forEnvironment(customerId, id, dto);
  }

  @Get('recoveries')
  @ApiOperation({ summary: 'List recoveries', description: 'Newest first.' })
  @ApiOkResponse({ type: RecoveryPageDto })
  list(@CurrentCustomer() customerId: string, @Query() query: ListRecoveriesQueryDto): Promise<Page<RecoveryDto>> {
    return this.recoveries.list(customerId, query);
  }

  @Get('recoveries/:id')
  @ApiOperation({ summary: 'A recovery\u2019s progress: matched, requeued, delivered, failed, skipped, state' })
  @ApiOkResponse({ type: RecoveryDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@CurrentCustomer() customerId: string, @Param('id') id: string): Promise<RecoveryDto> {
    return this.recoveries.get(customerId, id);
  }
}
