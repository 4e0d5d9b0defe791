import { Controller, Inject, Optional } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Registry } from 'prom-client';
import { RetryableError, type DeliveryAttemptResult } from '@callhooks/contracts';
import { KafkaConsumer, KafkaContext, type ConsumedRecord } from '@callhooks/kafka';
import { contextFrom, failSpan, SpanKind, startSpan } from '@callhooks/observability';
import { isMongoUnavailable } from '../database/mongo-errors';
import { DELIVERIES_CONFIG, type DeliveriesConfig } from './config/deliveries.config';
import { DeliveryLogWriter } from './delivery-log.writer';
import { deliveryResultViolation } from './delivery-result.contract';
import { DeliveryResultsObserver } from './delivery-results-observer';
import { GoneWebhooks } from './gone-webhooks';

/**
 * What a fetch of results waits for before its linger ends (the linger's 256 KiB default fills
 * in a quarter second at 2,500 results/s): the writes cost per batch, and per webhook of a batch
 * (its health row), as much as per result, so batches are made by the linger.
 */
const FETCH_LINGER_BYTES = 2 * 1024 * 1024;

/**
 * Keeps the delivery log from the delivery-results topic (group
 * MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP).
 * At least once: a batch is committed after its documents are written, and writing a
 * result twice changes nothing (DeliveryLogWriter). A 410 Gone result disables the
 * webhook through the webhooks feature (GoneWebhooks).
 */
@Controller()
export class DeliveryLogConsumer {
  private readonly gone: Counter<'handled'>;

  constructor(
    @Inject(DELIVERIES_CONFIG) private readonly config: DeliveriesConfig,
    private readonly kafka: KafkaContext,
    private readonly writer: DeliveryLogWriter,
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

  /** Writes a batch, in one transaction. */
  @KafkaConsumer<DeliveryLogConsumer, DeliveryAttemptResult>({
    name: 'delivery-log',
    topics: ['deliveryResults'],
    settings: ({ config }) => ({ groupId: config.consumerGroup, concurrency: 3, fetchLingerMs: config.fetchLingerMs, fetchLingerBytes: FETCH_LINGER_BYTES }),
    validate: (_, result, _record, bounds) => deliveryResultViolation(result, bounds),
    prepare: async (self) => (await self.kafka.provisioner()).ensure({ consumes: ['deliveryResults'], produces: ['deliveries'] }),
    // the API serves webhooks and environments while Kafka is down (writes are reconciled
    // later), so the delivery log joins its group whenever Kafka is there
    startup: 'retried-in-background',
  })
  async apply(records: Array<ConsumedRecord<DeliveryAttemptResult>>): Promise<void> {
    // one span per result, child of its attempt's span, over the batch's writes
    const spans = records.map((r) =>
      startSpan('delivery-log write', contextFrom(r.headers), { kind: SpanKind.CONSUMER, attributes: { 'callhooks.delivery_id': r.value.delivery_id, 'callhooks.outcome': r.value.outcome } }),
    );
    try {
      await this.writer.write(records.map((r) => r.value));
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
    // the webhooks live in MongoDB: while it is unreachable the batch is retried, not dead-lettered
    await this.goneWebhooks.disable(result.customer_id, result.webhook_id, `the receiver answered 410 Gone to delivery ${result.delivery_id}`).catch(retryWhileMongoDown);
    this.gone.inc({ handled: 'true' });
    this.logger.info({ webhookId: result.webhook_id, deliveryId: result.delivery_id }, 'webhook disabled: its receiver answered 410 Gone');
  }
}

function retryWhileMongoDown(err: unknown): never {
  if (isMongoUnavailable(err)) throw new RetryableError(`MongoDB unavailable: ${(err as Error).message}`);
  throw err;
}
