import { Controller, HttpCode, HttpStatus, Inject, Optional, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RetryableError } from '@callhooks/contracts';
import { CurrentCustomer, CustomerApi } from '../auth/auth.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';
import { TestSends } from './test-sends';
import { TestSendDto } from './dto/delivery.dto';
import { WebhookTestJobs } from './webhook-test-jobs';

@ApiTags('webhooks')
@CustomerApi()
@Controller('v1/webhooks')
export class WebhookTestController {
  constructor(
    private readonly sends: TestSends,
    @Inject(DELIVERIES_CONFIG) private readonly config: DeliveriesConfig,
    @Optional() private readonly testJobs?: WebhookTestJobs,
  ) {}

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a sample event to the webhook now and return the attempt',
    description:
      'Renders the sample call data with the webhook’s body template and sends it once (origin TEST, not retried; allowed on a disabled webhook). ' +
      'Waits for the attempt up to MANAGEMENT_TEST_SEND_WAIT_MS (15 s); if it has not finished by then, answers 202 with the delivery id to read later.',
  })
  @ApiOkResponse({ type: TestSendDto })
  @ApiAcceptedResponse({ type: TestSendDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async test(@CurrentCustomer() customerId: string, @Param('id') webhookId: string, @Res({ passthrough: true }) res: Response): Promise<TestSendDto> {
    // 503: the webhooks feature that renders test events is not bound in this deployment
    if (!this.testJobs) throw new RetryableError('test sends are not available: no webhooks feature builds test jobs');
    const job = await this.testJobs.build(customerId, webhookId);
    await this.sends.send(job);
    const done = await this.sends.waitForAttempt(customerId, job.delivery_id, job.attempt, this.config.testSendWaitMs);
    if (!done) {
      res.status(HttpStatus.ACCEPTED);
      return { delivery_id: job.delivery_id, state: 'PENDING' };
    }
    return { delivery_id: job.delivery_id, state: 'DONE', attempt: done.attempts.find((a) => a.attempt === job.attempt) };
  }
}
