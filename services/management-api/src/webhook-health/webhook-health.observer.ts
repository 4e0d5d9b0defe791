import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';
import { DeliveryResultsObserver } from '../deliveries/delivery-results-observer';
import { WebhookHealthStore } from './webhook-health.store';

/** The delivery log's results, into the webhook health aggregates. */
@Injectable()
export class WebhookHealthObserver extends DeliveryResultsObserver {
  constructor(private readonly store: WebhookHealthStore) {
    super();
  }

  async observe(records: Array<ConsumedRecord<DeliveryAttemptResult>>): Promise<void> {
    await this.store.apply(records);
  }
}
