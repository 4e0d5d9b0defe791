import type { CallEvent, DeliveryJob } from '@callhooks/contracts';
import type { ConfigView } from '@callhooks/config-view';
import { renderRequest } from '@callhooks/templating';
import type { CompiledTemplates } from './compiled-templates';
import { deliveryId, targetOrigin } from './delivery-id';
import { localizedPayload } from './local-times';

/** A delivery job with the key it goes to the deliveries topic under (its target origin). */
export interface PlannedDelivery {
  key: string;
  job: DeliveryJob;
}

export type RenderFailureReason = 'template' | 'url' | 'render';

/** A matching webhook that gets no job, and why. */
export interface RenderFailure {
  webhookId: string;
  reason: RenderFailureReason;
  message: string;
}

export interface MatchOutcome {
  deliveries: PlannedDelivery[];
  failures: RenderFailure[];
  /** Set when the environment's time zone could not be applied (times stay in UTC). */
  zoneProblem?: string;
}

/**
 * From one system event to its delivery jobs: the enabled webhooks of the event's customer
 * that are subscribed in its environment and listen to its name, each body rendered from the
 * payload with the environment's local times. Reads the config view as it is now, so a config
 * change applies to every event matched after the view has seen it.
 */
export class EventMatcher {
  constructor(
    private readonly view: ConfigView,
    private readonly templates: CompiledTemplates,
  ) {}

  match(event: CallEvent, now: number): MatchOutcome {
    const webhooks = this.view.subscribers(event.customer_id, event.environment_id, event.event);
    if (webhooks.length === 0) return { deliveries: [], failures: [] };
    const environment = this.view.environment(event.customer_id, event.environment_id);
    const { payload, zoneProblem } = localizedPayload(event, environment?.timezone);
    // the enricher takes the name from the raw legs; the environment's own name fills a gap
    if (payload.environment_name === null && environment) payload.environment_name = environment.name;

    const deliveries: PlannedDelivery[] = [];
    const failures: RenderFailure[] = [];
    for (const webhook of webhooks) {
      const lookup = this.templates.lookup(webhook);
      if ('problem' in lookup) {
        failures.push({ webhookId: webhook.id, reason: 'template', message: lookup.problem });
        continue;
      }
      let key: string;
      try {
        key = targetOrigin(webhook.url);
      } catch {
        failures.push({ webhookId: webhook.id, reason: 'url', message: `url ${JSON.stringify(webhook.url.slice(0, 200))} is not a valid URL` });
        continue;
      }
      let request: ReturnType<typeof renderRequest>;
      try {
        request = renderRequest({ method: webhook.method, url: webhook.url, template: lookup.template }, payload);
      } catch (err) {
        failures.push({ webhookId: webhook.id, reason: 'render', message: (err as Error).message });
        continue;
      }
      deliveries.push({
        key,
        job: {
          delivery_id: deliveryId(webhook.id, event.event_id),
          webhook_id: webhook.id,
          customer_id: event.customer_id,
          environment_id: event.environment_id,
          event_id: event.event_id,
          event: event.event,
          call_uuid: event.call_uuid,
          origin: 'EVENT',
          method: request.method,
          url: request.url,
          body: request.body,
          headers: { ...webhook.headers },
          attempt: 1,
          created_at: now,
          not_before: null,
        },
      });
    }
    return { deliveries, failures, zoneProblem };
  }
}
