import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/** The matcher's own metrics (the consumer runtime adds records, lag, batch durations; the config view its own). */
@Injectable()
export class MatcherMetrics {
  readonly events: Counter<'event'>;
  readonly jobs: Counter<'event' | 'method'>;
  readonly unmatched: Counter;
  readonly renderFailures: Counter<'reason'>;
  readonly zoneFallbacks: Counter;

  constructor(@Inject(Registry) registry: Registry) {
    const registers = [registry];
    this.events = new Counter({ name: 'callhooks_matcher_events_total', help: 'Call events matched against the config view, by event name', labelNames: ['event'], registers });
    this.jobs = new Counter({ name: 'callhooks_matcher_jobs_total', help: 'Delivery jobs emitted, by event name and HTTP method', labelNames: ['event', 'method'], registers });
    this.unmatched = new Counter({ name: 'callhooks_matcher_unmatched_events_total', help: 'Call events no enabled, subscribed webhook listens to', registers });
    this.renderFailures = new Counter({
      name: 'callhooks_matcher_render_failures_total',
      help: 'Matching webhooks that got no job: template (the body template does not compile), url (not a valid URL), render (rendering failed)',
      labelNames: ['reason'],
      registers,
    });
    // every reason from the start at 0: a first failure is an increase, and the panel has its series
    for (const reason of ['template', 'url', 'render']) this.renderFailures.inc({ reason }, 0);
    this.zoneFallbacks = new Counter({
      name: 'callhooks_matcher_timezone_fallbacks_total',
      help: "Events whose environment's time zone is unknown to this runtime: start_at/answer_at were sent in UTC",
      registers,
    });
  }
}
