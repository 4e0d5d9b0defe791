import { Controller, Inject } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { CallEvent } from '@callhooks/contracts';
import { ConfigViewFollower } from '@callhooks/config-view';
import { KafkaConsumer, KafkaContext, type BatchContext, type ConsumedRecord, type OutgoingRecord } from '@callhooks/kafka';
import { contextFrom, SpanKind, SpanStatusCode, startSpan, traceHeaders, withinSpan, type Span } from '@callhooks/observability';
import { MATCHER_CONFIG, type MatcherConfig } from '../config/matcher.config';
import { callEventViolation } from './call-event.contract';
import { EventMatcher } from './event-matcher';
import { MatcherMetrics } from './matcher.metrics';

/**
 * Wires matching to Kafka: the config view is followed first, and call events are consumed
 * (group MATCHER_CONSUMER_GROUP) only once it has caught up, so no event is matched against a
 * partial configuration. At-least-once: a batch's jobs are produced before its offsets are
 * committed; a repeat produces the same delivery ids, which downstream treats as one delivery.
 * Start-up runs in the background after the topics are provisioned, so /readyz can say what
 * it is waiting for.
 */
@Controller()
export class CallEventsConsumer {
  constructor(
    @Inject(MATCHER_CONFIG) private readonly config: MatcherConfig,
    private readonly kafka: KafkaContext,
    private readonly follower: ConfigViewFollower,
    private readonly matcher: EventMatcher,
    private readonly metrics: MatcherMetrics,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(CallEventsConsumer.name);
  }

  @KafkaConsumer<CallEventsConsumer, CallEvent>({
    name: 'call-events',
    topics: ['callEvents'],
    settings: ({ config: { matching: m } }) => ({ groupId: m.consumerGroup, concurrency: m.partitionConcurrency, maxWaitTimeMs: m.fetchMaxWaitMs }),
    validate: (_, event, record, bounds) => callEventViolation(event, record.key, bounds),
    prepare: async (self) => (await self.kafka.provisioner()).ensure({ consumes: ['callEvents', 'webhookConfig'], produces: ['deliveries'] }),
    waitFor: (self) => self.follower.follow(),
    waitingFor: 'the config view to catch up',
    startup: 'in-background',
  })
  async handle(records: Array<ConsumedRecord<CallEvent>>, ctx: BatchContext): Promise<void> {
    const now = Date.now();
    const jobs: OutgoingRecord[] = [];
    const counted: Array<() => void> = [];
    for (const record of records) {
      const event = record.value;
      const attributes = { 'callhooks.event': event.event, 'callhooks.event_id': event.event_id, 'callhooks.call_uuid': event.call_uuid };
      const match = startSpan('match', contextFrom(record.headers), { kind: SpanKind.CONSUMER, attributes });
      const outcome = this.matcher.match(event, now);
      match.setAttribute('callhooks.deliveries', outcome.deliveries.length);
      match.end();
      for (const failure of outcome.failures) {
        this.logger.warn({ webhookId: failure.webhookId, eventId: event.event_id, reason: failure.reason, problem: failure.message }, 'matching webhook gets no delivery');
      }
      if (outcome.zoneProblem) this.logger.warn({ environmentId: event.environment_id, customerId: event.customer_id, problem: outcome.zoneProblem }, 'local times sent in UTC');
      // one render span per webhook (within match, which renders them): the job carries its context on
      for (const d of outcome.deliveries) jobs.push({ key: d.key, value: d.job, headers: renderedHeaders(match, d.job.webhook_id, d.job.delivery_id) });
      for (const f of outcome.failures) renderedHeaders(match, f.webhookId, undefined, f.reason);
      // counted once the batch is committed, so a repeated batch is not counted twice
      counted.push(() => {
        this.metrics.events.inc({ event: event.event });
        if (outcome.deliveries.length === 0 && outcome.failures.length === 0) this.metrics.unmatched.inc();
        for (const d of outcome.deliveries) this.metrics.jobs.inc({ event: event.event, method: d.job.method });
        for (const f of outcome.failures) this.metrics.renderFailures.inc({ reason: f.reason });
        if (outcome.zoneProblem) this.metrics.zoneFallbacks.inc();
      });
    }
    if (jobs.length > 0) ctx.send('deliveries', jobs);
    ctx.onCommitted(() => counted.forEach((count) => count()));
  }
}

/** A `render` span under the event's `match`, ended at once; an error when the webhook got no job. */
function renderedHeaders(match: Span, webhookId: string, deliveryId?: string, failure?: string): Record<string, string> {
  const span = startSpan('render', withinSpan(match), { attributes: { 'callhooks.webhook_id': webhookId, ...(deliveryId ? { 'callhooks.delivery_id': deliveryId } : {}) } });
  if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
  span.end();
  return traceHeaders(span);
}
