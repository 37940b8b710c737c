// OpenTelemetry tracing: spans exported over OTLP/HTTP to whatever OTEL_EXPORTER_OTLP_ENDPOINT
// (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) names, configured by the standard OTEL_* variables.
// Off by default: until startTracing() runs nothing of the SDK is loaded, and withSpan() only
// calls its function (one boolean test), so tracing off costs what no tracing cost.
import { type Attributes, type Context, INVALID_TRACEID, type Span, type SpanContext, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export { SpanKind };

/** hookflow's span attributes: what one searches a trace by (Jaeger: Tags). */
export const ATTR = {
  source: 'hookflow.source',
  eventId: 'hookflow.event.id',
  eventType: 'hookflow.event.type',
  deliveryId: 'hookflow.delivery.id',
  flow: 'hookflow.flow',
  workflowId: 'hookflow.workflow.id',
} as const;

/** Tracing is on when an OTLP endpoint is set, or HOOKFLOW_TRACING=1 (the exporter's default, localhost:4318); OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return env.HOOKFLOW_TRACING === '1' || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface Tracing {
  /** The process's service name and OTEL_RESOURCE_ATTRIBUTES (the worker gives it to its workflow span sink). */
  resource: Resource;
  /** Where finished spans go (batched to the OTLP exporter). */
  processor: SpanProcessor;
  /** Sends what is batched now (tests, before they ask the backend). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let on = false;

export const tracingOn = (): boolean => on;

/**
 * Registers the global tracer provider (W3C trace context propagation, AsyncLocalStorage context)
 * exporting over OTLP/HTTP. `serviceName` is the default; OTEL_SERVICE_NAME wins.
 */
export function startTracing(serviceName: string): Tracing {
  // Required here, not imported: a process with tracing off never loads the SDK.
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { Resource: ResourceClass, envDetectorSync } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const resource = ResourceClass.default().merge(new ResourceClass({ 'service.name': serviceName })).merge(envDetectorSync.detect());
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  on = true;
  return {
    resource,
    processor,
    flush: () => provider.forceFlush(),
    async shutdown() {
      on = false;
      await provider.shutdown().catch(() => undefined); // a backend that is gone loses the last spans, not the stop
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

const tracer = () => trace.getTracer('hookflow');

/**
 * Runs `fn` inside a span named `name` (a child of the active one, or of `parent`); the span ends
 * when `fn` settles and records its error. With tracing off, only `fn` runs.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span?: Span) => Promise<T> | T, opts: { kind?: SpanKind; parent?: Context } = {}): Promise<T> {
  if (!on) return promiseOf(fn);
  return tracer().startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** `fn`'s own promise, a synchronous throw as a rejection: no extra turn. */
function promiseOf<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

function markFailed(span: Span, err: unknown): void {
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
}

/**
 * Short synchronous work (verify, parse, validate) as an event on the active span, with its
 * duration (`hookflow.duration_ms`) and its error: a tenth of what a child span costs, and the
 * request span shows the same steps; what the span's attributes say is not repeated. With tracing
 * off, only `fn` runs.
 */
export function withEvent<T>(name: string, fn: () => T): T {
  if (!on) return fn();
  const timing = startEvent();
  try {
    const result = fn();
    timing.end(name);
    return result;
  } catch (err) {
    timing.end(name, err);
    throw err;
  }
}

/** The same for awaited work (store, start): an event when `fn`'s promise settles. Off: `fn`'s own promise, no extra turn. */
export function withTimedEvent<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!on) return promiseOf(fn);
  const timing = startEvent();
  return promiseOf(fn).then((value) => {
    timing.end(name);
    return value;
  }, (err: unknown) => {
    timing.end(name, err);
    throw err;
  });
}

function startEvent() {
  const span = trace.getActiveSpan();
  const started = Date.now();
  const t0 = performance.now();
  return {
    end(name: string, err?: unknown) {
      const error = err === undefined ? undefined : (err as Error)?.message ?? String(err);
      span?.addEvent(name, { 'hookflow.duration_ms': Math.round((performance.now() - t0) * 1000) / 1000, ...(error !== undefined && { error }) }, started);
    },
  };
}

/** The context a caller's `traceparent`/`tracestate` headers name (the root context when none or tracing is off). */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  if (!on) return context.active();
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
}

/** Adds `traceparent` (and `tracestate`) of the active span to outgoing headers; nothing when off. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (on) propagation.inject(context.active(), headers);
}

/** The active span's context, when tracing is on and a real span is active. */
function activeSpanContext(): SpanContext | undefined {
  if (!on) return undefined;
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && ctx.traceId !== INVALID_TRACEID ? ctx : undefined;
}

/** The active span's trace id (32 hex digits), or undefined when tracing is off or no span is active. */
export function currentTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

/**
 * The active span as W3C `traceparent` (and `tracestate`) fields, or undefined when tracing is off
 * or no span is active. Written directly, not through the configured propagator: what reads them
 * (the relay, Temporal's `_tracer-data` header, workflows/tracing.ts) reads W3C only.
 */
export function traceCarrier(): { traceparent: string; tracestate?: string } | undefined {
  const ctx = activeSpanContext();
  if (!ctx) return undefined;
  const traceparent = `00-${ctx.traceId}-${ctx.spanId}-0${(ctx.traceFlags || 0).toString(16)}`;
  const tracestate = ctx.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The active span as a W3C traceparent (the relay continues a stored event's trace from it). */
export function currentTraceparent(): string | undefined {
  return traceCarrier()?.traceparent;
}

/** pino mixin part: the trace id of the active span, for every log line written inside one. */
export function traceLogFields(): { traceId?: string } {
  const traceId = currentTraceId();
  return traceId ? { traceId } : {};
}

/** Sets attributes on the active span (nothing when off). */
export function annotate(attributes: Attributes): void {
  if (on) trace.getActiveSpan()?.setAttributes(attributes);
}
