import { targetOrigin, type DeliveryJob } from '@callhooks/contracts';
import type { KafkaContext } from '@callhooks/kafka';
import type { DeliverySummary } from './delivery.model';

/** Queues a delivery job for the dispatcher, keyed by its target origin (one target, one partition). */
export async function queueDeliveryJob(kafka: KafkaContext, job: DeliveryJob): Promise<void> {
  await kafka.send('deliveries', [{ key: targetOrigin(job.url), value: job }]);
}

/** The job that sends a logged delivery again: same delivery id, so the same webhook-id. */
export function resendJob(delivery: DeliverySummary, attempt: number, retried: boolean): DeliveryJob {
  return {
    delivery_id: delivery.id,
    webhook_id: delivery.webhook_id,
    customer_id: delivery.customer_id,
    environment_id: delivery.environment_id,
    event_id: delivery.event_id,
    event: delivery.event,
    call_uuid: delivery.call_uuid,
    // a retried resend runs the usual retry ladder (only EVENT jobs are retried) from this attempt
    origin: retried ? 'EVENT' : 'REDELIVERY',
    method: delivery.method === 'GET' ? 'GET' : 'POST',
    url: delivery.url,
    body: delivery.method === 'GET' ? null : (delivery.request_body ?? ''),
    headers: {},
    attempt,
    created_at: Date.now(),
    not_before: null,
    ...(retried ? { first_attempt: attempt } : {}),
  };
}
