import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { PostgresPool } from '../database/postgres-pool';
import { DeliveryQueries } from './delivery-queries';
import { queueDeliveryJob, resendJob } from './delivery-jobs';
import { attemptsOf } from './delivery.model';

/**
 * Sends a delivery again: one more attempt of the same message (same delivery id, so the
 * same webhook-id: the Standard Webhooks contract, as Svix does for a resend), numbered
 * after the last attempt so the log keeps every attempt, made once and not retried
 * automatically. Refused while the delivery still has an attempt pending.
 */
@Injectable()
export class Redelivery {
  constructor(
    private readonly queries: DeliveryQueries,
    private readonly postgres: PostgresPool,
    private readonly kafka: KafkaContext,
  ) {}

  async redeliver(customerId: string, id: string): Promise<{ delivery_id: string; attempt: number }> {
    const delivery = await this.queries.find(customerId, id);
    if (!delivery) throw new NotFoundError(`delivery ${id} not found`, { id });
    if (delivery.status === 'PENDING' || delivery.status === 'RETRYING') {
      throw new ConflictError(`delivery ${id} has an attempt pending (${delivery.status}); redeliver it once that is done`, { id, status: delivery.status });
    }
    const attempt = Math.max(0, ...delivery.attempts.map((a) => a.attempt)) + 1;
    await queueDeliveryJob(this.kafka, resendJob(delivery, attempt, false));
    // PENDING unless the attempt's result already came back
    await this.postgres.query(
      `UPDATE deliveries SET status = 'PENDING', updated_at = now() WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ${attemptsOf('deliveries')} WHERE a.attempt >= $2)`,
      [id, attempt],
    );
    return { delivery_id: id, attempt };
  }
}
