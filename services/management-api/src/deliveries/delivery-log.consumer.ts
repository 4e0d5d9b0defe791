import { Controller, Inject, Optional } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Registry } from 'prom-client';
import { RetryableError, type DeliveryAttemptResult } from '@callhooks/contracts';
import { KafkaConsumer, KafkaContext, type ConsumedRecord } from '@callhooks/kafka';
import { contextFrom, failSpan, SpanKind, startSpan } from '@callhooks/observability';
import { isMongoUnavailable } from '../database/mongo-errors';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveryLogService } from './delivery-log.service';
import { deliveryResultViolation } from './delivery-result.contract';
import { DeliveryResultsObserver } from './delivery-results-observer';
import { GoneWebhooks } from './gone-webhooks';

/** Deliveries written at once; the results of one delivery are always written in order. */
const WRITE_CONCURRENCY = 16;

/**
 * Keeps the delivery log from the delivery-results topic (group
 * MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP).
 * At least once: a batch is committed after its documents are written, and writing a
 * result twice changes nothing (DeliveryLogService.record). While MongoDB is unreachable the
 * batch is retried, not dead-lettered: the results wait in their topic. A 410 Gone result disables the
 * webhook through the webhooks feature (GoneWebhooks).
 */
@Controller()
export class DeliveryLogConsumer {
  private readonly gone: Counter<'handled'>;

  constructor(
    @Inject(DELIVERIES_CONFIG) private readonly config: DeliveriesConfig,
    private readonly kafka: KafkaContext,
    private readonly log: DeliveryLogService,
    private readonly logger: PinoLogger,
    @Inject(Registry) registry: Registry,
    @Optional() private readonly goneWebhooks?: GoneWebhooks,
    @Optional() private readonly observer?: DeliveryResultsObserver,
  ) {
    this.logger.setContext(DeliveryLogConsumer.name);
    this.gone = new Counter({
      name: 'callhooks_webhooks_gone_total',
      help: 'Deliveries answered 410 Gone, by whether the webhook was disabled (handled=true) or no webhooks service was bound (false)',
      labelNames: ['handled'],
      registers: [registry],
    });
  }

  /** Writes a batch: deliveries in parallel, each delivery's results in their order. */
  @KafkaConsumer<DeliveryLogConsumer, DeliveryAttemptResult>({
    name: 'delivery-log',
    topics: ['deliveryResults'],
    settings: ({ config }) => ({ groupId: config.consumerGroup, concurrency: 3, fetchLingerMs: config.fetchLingerMs }),
    validate: (_, result, _record, bounds) => deliveryResultViolation(result, bounds),
    prepare: async (self) => (await self.kafka.provisioner()).ensure({ consumes: ['deliveryResults'], produces: ['deliveries'] }),
    // the API serves webhooks and environments while Kafka is down (writes are reconciled
    // later), so the delivery log joins its group whenever Kafka is there
    startup: 'retried-in-background',
  })
  async apply(records: Array<ConsumedRecord<DeliveryAttemptResult>>): Promise<void> {
    await this.write(records).catch(retryWhileDatabaseDown);
  }

  private async write(records: Array<ConsumedRecord<DeliveryAttemptResult>>): Promise<void> {
    const byDelivery = new Map<string, DeliveryAttemptResult[]>();
    for (const r of records) byDelivery.set(r.value.delivery_id, [...(byDelivery.get(r.value.delivery_id) ?? []), r.value]);
    // one span per result, child of its attempt's span, over the batch's writes
    const spans = records.map((r) =>
      startSpan('delivery-log write', contextFrom(r.headers), { kind: SpanKind.CONSUMER, attributes: { 'callhooks.delivery_id': r.value.delivery_id, 'callhooks.outcome': r.value.outcome } }),
    );
    try {
      const queue = await this.log.insertFresh([...byDelivery.values()]);
      const worker = async () => {
        for (let results = queue.shift(); results; results = queue.shift()) {
          for (const result of results) await this.log.record(result);
        }
      };
      await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, queue.length) }, worker));
    } catch (err) {
      spans.forEach((s) => failSpan(s, err));
      throw err;
    }
    spans.forEach((s) => s.end());
    await this.observer?.observe(records);
    for (const r of records) if (r.value.outcome === 'GONE') await this.disableGone(r.value);
  }

  private async disableGone(result: DeliveryAttemptResult): Promise<void> {
    if (!this.goneWebhooks) {
      this.gone.inc({ handled: 'false' });
      this.logger.warn({ webhookId: result.webhook_id, deliveryId: result.delivery_id }, 'receiver answered 410 Gone but no webhooks service is bound to disable the webhook');
      return;
    }
    await this.goneWebhooks.disable(result.customer_id, result.webhook_id, `the receiver answered 410 Gone to delivery ${result.delivery_id}`);
    this.gone.inc({ handled: 'true' });
    this.logger.info({ webhookId: result.webhook_id, deliveryId: result.delivery_id }, 'webhook disabled: its receiver answered 410 Gone');
  }
}

/**
 * A database outage fails every batch alike: retried (RetryableError) until MongoDB is back,
 * the results wait in their topic; any other failure stays the record's, isolated and
 * dead-lettered after its attempts.
 */
function retryWhileDatabaseDown(err: unknown): never {
  if (isMongoUnavailable(err)) throw new RetryableError(`MongoDB unavailable: ${(err as Error).message}`);
  throw err;
}
