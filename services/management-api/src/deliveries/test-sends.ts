import { Injectable } from '@nestjs/common';
import type { DeliveryJob } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { DeliveryQueries } from './delivery-queries';
import { queueDeliveryJob } from './delivery-jobs';
import type { DeliveryDetail } from './delivery.model';

/** Poll interval of a test send waiting for its attempt. */
const POLL_MS = 200;

/** Test sends: the job queued for the dispatcher, then the log polled for its attempt. */
@Injectable()
export class TestSends {
  constructor(
    private readonly queries: DeliveryQueries,
    private readonly kafka: KafkaContext,
  ) {}

  send(job: DeliveryJob): Promise<void> {
    return queueDeliveryJob(this.kafka, job);
  }

  /** The delivery once this attempt of it has a result (a BREAKER_OPEN is not one), or null when the time is up. */
  async waitForAttempt(customerId: string, id: string, attempt: number, timeoutMs: number): Promise<DeliveryDetail | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      // one primary-key read per poll: the delivery comes with its attempts
      const found = await this.queries.find(customerId, id);
      if (found?.attempts.some((a) => a.attempt === attempt && a.outcome !== 'BREAKER_OPEN')) return found;
      if (Date.now() >= end) return null;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, end - Date.now()))));
    }
  }
}
