import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventName } from '@callhooks/contracts';

/** The enricher's own metrics (the consumer runtime's are in libs/kafka). */
export class EnricherMetrics {
  readonly eventsEmitted: Counter<'event'>;
  readonly duplicateLegs: Counter;
  readonly lateLegs: Counter;
  readonly expiredCalls: Counter;
  readonly legsWithoutCaller: Counter;
  readonly restores: Counter;

  constructor(registry: Registry, counts: { open: () => number; closed: () => number }) {
    this.eventsEmitted = new Counter({
      name: 'callhooks_enricher_events_emitted_total',
      help: 'System events emitted (committed), by event name',
      labelNames: ['event'],
      registers: [registry],
    });
    this.duplicateLegs = new Counter({
      name: 'callhooks_enricher_duplicate_legs_total',
      help: 'Raw call-leg events dropped because their event_id was already applied',
      registers: [registry],
    });
    this.lateLegs = new Counter({
      name: 'callhooks_enricher_late_legs_total',
      help: 'Raw call-leg events that arrived after their call was reported, within ENRICHER_CLOSED_RETENTION_MS (not re-reported)',
      registers: [registry],
    });
    this.legsWithoutCaller = new Counter({
      name: 'callhooks_enricher_legs_without_caller_total',
      help: 'Raw call-leg events of calls whose CALLER LEG_CREATED never came within ENRICHER_REPORTING_MAX_WAIT_MS of their end: given up without events (counted when the call is given up, and as they arrive afterwards)',
      registers: [registry],
    });
    this.expiredCalls = new Counter({
      name: 'callhooks_enricher_expired_calls_total',
      help: 'Open calls given up after ENRICHER_STALE_CALL_MS without a raw event and without ending',
      registers: [registry],
    });
    this.restores = new Counter({
      name: 'callhooks_enricher_state_restored_calls_total',
      help: 'Call states read back from the changelog on partition assignment',
      registers: [registry],
    });
    new Gauge({
      name: 'callhooks_enricher_open_calls',
      help: 'Calls in the state store not yet reported',
      registers: [registry],
      collect() {
        this.set(counts.open());
      },
    });
    new Gauge({
      name: 'callhooks_enricher_closed_calls',
      help: 'Reported (or given up) calls remembered as small markers to recognise late legs (until ENRICHER_CLOSED_RETENTION_MS)',
      registers: [registry],
      collect() {
        this.set(counts.closed());
      },
    });
  }

  emitted(events: Array<{ event: string }>): void {
    for (const e of events) this.eventsEmitted.inc({ event: e.event as EventName });
  }
}
