import type { IncomingMessage, ServerResponse } from 'node:http';
import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from '@callhooks/config';

export { SpanKind, SpanStatusCode, type Context, type Span };

/**
 * Traces across the pipeline: the W3C trace context (`traceparent`, `tracestate`) travels in
 * Kafka record headers from the raw leg to the HTTP request, and each hop adds its spans.
 * Spans are exported over OTLP/HTTP only when an endpoint is configured; without one the
 * global tracer is OpenTelemetry's no-op, which records nothing and costs next to nothing, and
 * the context still passes through (a non-recording span keeps its parent's ids).
 */
let provider: BasicTracerProvider | undefined;

export function startTracing(service: string, settings: TracingSettings, exporter?: SpanExporter): void {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const chosen = exporter ?? (settings.tracesEndpoint ? new OTLPTraceExporter({ url: settings.tracesEndpoint }) : undefined);
  if (!chosen || provider) return;
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'callhooks' }),
    spanProcessors: [new BatchSpanProcessor(chosen)],
  });
  trace.setGlobalTracerProvider(provider);
}

/** Sends what is buffered now. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Sends what is buffered and stops exporting (shutdown). */
export async function stopTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  await p?.shutdown().catch(() => undefined);
}

const tracer = () => trace.getTracer('callhooks');

type Carrier = Record<string, string | undefined>;
const getter = {
  keys: (c: Carrier) => Object.keys(c),
  get: (c: Carrier, key: string) => c[key] ?? c[key.toLowerCase()],
};

/** The trace context in record or HTTP headers (the root context when there is none). */
export function contextFrom(headers: Carrier | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, getter) : ROOT_CONTEXT;
}

/** Headers carrying a span's context to the next hop (`traceparent`, and `tracestate` when set). */
export function traceHeaders(span: Span | Context): Record<string, string> {
  const ctx = 'spanContext' in span ? trace.setSpan(ROOT_CONTEXT, span) : span;
  const out: Record<string, string> = {};
  propagation.inject(ctx, out);
  return out;
}

/** The context whose parent is the span: for its children and for the headers of its records. */
export function withinSpan(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** A link to the span a `traceparent` names (a retry's link to the first attempt). */
export function linkTo(traceparent: string | undefined): Link[] {
  if (!traceparent) return [];
  const ctx = trace.getSpanContext(contextFrom({ traceparent }));
  return ctx ? [{ context: ctx }] : [];
}

export function startSpan(name: string, parent: Context, options: { kind?: SpanKind; attributes?: Attributes; links?: Link[]; startTime?: number } = {}): Span {
  return tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links, startTime: options.startTime }, parent);
}

/** Ends a span with an error status. */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.end();
}

class TracingLifecycle implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}

/** Starts tracing for a service when its module is built, and flushes its spans on shutdown. */
@Global()
@Module({})
export class TracingModule {
  static forRoot(service: string, settings: TracingSettings): DynamicModule {
    startTracing(service, settings);
    return { module: TracingModule, providers: [TracingLifecycle] };
  }
}

const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * Express middleware: a server span per HTTP request, child of the caller's `traceparent`
 * when it sent one, named by method and route once the route is known.
 */
export function httpServerSpans() {
  return (req: IncomingMessage & { path?: string; route?: { path?: string }; baseUrl?: string }, res: ServerResponse, next: () => void): void => {
    const path = req.path ?? (req.url ?? '/').split('?')[0];
    if (UNTRACED_PATHS.has(path)) return next();
    const span = startSpan(req.method ?? 'HTTP', contextFrom(req.headers as Record<string, string | undefined>), {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method ?? '', 'url.path': path },
    });
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : undefined;
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${req.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    next();
  };
}
