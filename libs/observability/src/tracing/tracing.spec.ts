import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { tracingSettings } from '@callhooks/config';
import { contextFrom, flushTracing, linkTo, startSpan, startTracing, stopTracing, traceHeaders, withinSpan } from './tracing';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

describe('tracing', () => {
  afterEach(() => stopTracing());

  it('without an endpoint records nothing, yet passes the caller’s trace context on', () => {
    startTracing('spec', {});
    const span = startSpan('enrich', contextFrom({ traceparent: `00-${TRACE}-${PARENT}-01` }));
    expect(span.isRecording()).toBe(false);
    expect(traceHeaders(span).traceparent).toBe(`00-${TRACE}-${PARENT}-01`);
    span.end();
  });

  it('with an exporter records spans as children of the context in the headers, and links', async () => {
    const exporter = new InMemorySpanExporter();
    startTracing('spec', {}, exporter);
    const parent = startSpan('match', contextFrom({ traceparent: `00-${TRACE}-${PARENT}-01` }));
    const child = startSpan('render', withinSpan(parent), { links: linkTo(`00-${TRACE}-${PARENT}-01`) });
    child.end();
    parent.end();
    const headers = traceHeaders(child);
    expect(headers.traceparent).toBe(`00-${TRACE}-${child.spanContext().spanId}-01`);
    await flushTracing();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.spanContext().traceId, s.parentSpanContext?.spanId])).toEqual([
      ['render', TRACE, parent.spanContext().spanId],
      ['match', TRACE, PARENT],
    ]);
    expect(spans[0].links.map((l) => l.context.spanId)).toEqual([PARENT]);
    expect(spans[0].resource.attributes['service.name']).toBe('spec');
  });

  it('starts a trace of its own when the headers carry none', () => {
    startTracing('spec', {}, new InMemorySpanExporter());
    const span = startSpan('enrich', contextFrom({}));
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanContext().traceId).not.toBe(TRACE);
    span.end();
  });

  it('takes the traces endpoint from the standard variables', () => {
    expect(tracingSettings({})).toEqual({ tracesEndpoint: undefined });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({ tracesEndpoint: 'http://collector:4318/v1/traces' });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/t' })).toEqual({ tracesEndpoint: 'http://other:4318/t' });
  });
});
