import type { CallEvent } from '@callhooks/contracts';
import { contextFrom, SpanKind, startSpan, traceHeaders } from '@callhooks/observability';

/** Calls whose trace context is kept: the open calls of a busy enricher, with room to spare. */
const MAX_CALLS = 100_000;

/**
 * The trace context each call's raw legs came with (their `traceparent` header), so every
 * event of the call — those a leg completes and those a timer fires later — continues the
 * platform's trace. Kept in memory only: after a restart, an event fired by a timer from the
 * restored state starts a trace of its own.
 */
export class CallTraces {
  private readonly parents = new Map<string, string>();

  /** The latest trace context a leg of the call carried. */
  remember(callUuid: string, headers: Record<string, string> | undefined): void {
    const parent = headers?.traceparent;
    if (!parent) return;
    this.parents.delete(callUuid);
    this.parents.set(callUuid, parent);
    if (this.parents.size > MAX_CALLS) this.parents.delete(this.parents.keys().next().value!);
  }

  forget(callUuid: string): void {
    this.parents.delete(callUuid);
  }

  /** An `enrich` span for the event, child of its call's trace; its context goes out with the event. */
  eventHeaders(event: CallEvent, startedAt: number): Record<string, string> {
    const span = startSpan('enrich', contextFrom({ traceparent: this.parents.get(event.call_uuid) }), {
      kind: SpanKind.PRODUCER,
      startTime: startedAt,
      attributes: { 'callhooks.event': event.event, 'callhooks.event_id': event.event_id, 'callhooks.call_uuid': event.call_uuid },
    });
    span.end();
    return traceHeaders(span);
  }
}
