// A workflow interceptor module of the traced bundle only (worker/create-worker.ts,
// TRACED_FLOW_BUNDLE): the run's span, each step's span, continued from the span that started the
// run. It speaks the wire format of Temporal's OpenTelemetry interceptors (the `_tracer-data`
// header with a W3C traceparent; span names RunWorkflow:, StartActivity:, …), so their client and
// activity interceptors on either side join it, but without the OpenTelemetry SDK in the sandbox:
// the reused V8 context instantiates every module again for each run, and the SDK's promises each
// cost the sandbox's promise hook a source-mapped stack trace (together ~+25 % worker CPU per event,
// docs/benchmarks.md). Ids are drawn from Math.random exactly as the SDK's id generator drew them
// in the sandbox, so runs started under those interceptors keep their sequence. Headers only,
// never commands: histories replay the same with or without it (test/workflow/replay.test.ts).
// Spans leave through the `exporter` sink, which is not called during replay.
import {
  ContinueAsNew, type Headers, type WorkflowInterceptorsFactory, defaultPayloadConverter, proxySinks, workflowInfo,
  type Sinks,
} from '@temporalio/workflow';

export const TRACE_HEADER = '_tracer-data';

/** A finished span as it crosses into the worker (the fields of OpenTelemetry's ReadableSpan that copy). */
export interface WorkflowSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceFlags: number;
  traceState?: string;
  /** Epoch milliseconds (workflow time). */
  startMs: number;
  endMs: number;
  error?: string;
}

export interface TracingSinks extends Sinks {
  exporter: { export(spans: WorkflowSpan[]): void };
}

interface SpanContext { traceId: string; spanId: string; traceFlags: number; traceState?: string }

const SAMPLED = 1;

/** Hex id of `bytes` bytes, one Math.random per digit: OpenTelemetry's RandomIdGenerator in the sandbox. */
export function randomId(bytes: number): string {
  let id = '';
  for (let i = 0; i < bytes * 2; i++) id += Math.floor(Math.random() * 16).toString(16);
  return id;
}

function parentFrom(headers: Headers): SpanContext | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string; tracestate?: string }>(payload) ?? {};
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(carrier.traceparent ?? '');
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), ...(carrier.tracestate && { traceState: carrier.tracestate }) };
}

function withContext(headers: Headers, ctx: SpanContext): Headers {
  const carrier = { traceparent: `00-${ctx.traceId}-${ctx.spanId}-0${ctx.traceFlags & SAMPLED}`, ...(ctx.traceState && { tracestate: ctx.traceState }) };
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
}

let sinks: TracingSinks | undefined;
/** The run's span (or a signal's while its handler starts): what the steps it schedules are children of. */
let current: SpanContext | undefined;

/** Starts a span (a child of `parent`, or a new trace); `end` exports it when sampled. */
function startSpan(name: string, parent: SpanContext | undefined) {
  const spanId = randomId(8); // before the trace id, as the SDK's Tracer draws them
  const ctx: SpanContext = { traceId: parent ? parent.traceId : randomId(16), spanId, traceFlags: parent ? parent.traceFlags : SAMPLED, ...(parent?.traceState && { traceState: parent.traceState }) };
  const startMs = Date.now();
  const end = (err?: unknown) => {
    if (!(ctx.traceFlags & SAMPLED)) return;
    const error = err === undefined || err instanceof ContinueAsNew ? undefined : (err as Error)?.message ?? String(err);
    (sinks ??= proxySinks<TracingSinks>()).exporter.export([{ name, ...ctx, parentSpanId: parent?.spanId, startMs, endMs: Date.now(), ...(error !== undefined && { error }) }]);
  };
  return { ctx, end };
}

/** Runs `next` in a span of its own; the span ends when the promise `next` returns settles. */
function traced<T>(name: string, parent: SpanContext | undefined, next: (ctx: SpanContext) => Promise<T>): Promise<T> {
  const span = startSpan(name, parent);
  let result: Promise<T>;
  try {
    result = next(span.ctx);
  } catch (err) {
    span.end(err);
    throw err;
  }
  result.then(() => span.end(), (err) => span.end(err));
  return result;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [{
    execute(input, next) {
      return traced(`RunWorkflow:${workflowInfo().workflowType}`, parentFrom(input.headers), (ctx) => {
        current = ctx;
        return next(input);
      });
    },
    handleSignal(input, next) {
      const run = current;
      return traced(`HandleSignal:${input.signalName}`, parentFrom(input.headers), (ctx) => {
        current = ctx;
        try {
          return next(input);
        } finally {
          current = run; // steps a handler schedules after its first await belong to the run
        }
      });
    },
  }],
  outbound: [{
    scheduleActivity: (input, next) => traced(`StartActivity:${input.activityType}`, current, (ctx) => next({ ...input, headers: withContext(input.headers, ctx) })),
    scheduleLocalActivity: (input, next) => traced(`StartActivity:${input.activityType}`, current, (ctx) => next({ ...input, headers: withContext(input.headers, ctx) })),
    startChildWorkflowExecution: (input, next) => traced(`StartChildWorkflow:${input.workflowType}`, current, (ctx) => next({ ...input, headers: withContext(input.headers, ctx) })),
    signalWorkflow: (input, next) => traced(`SignalWorkflow:${input.signalName}`, current, (ctx) => next({ ...input, headers: withContext(input.headers, ctx) })),
    continueAsNew: (input, next) => traced(`ContinueAsNew:${input.options.workflowType}`, current, (ctx) => next({ ...input, headers: withContext(input.headers, ctx) })),
    getLogAttributes(input, next) {
      // What Temporal's interceptors add to workflow log lines (worker/log-context.ts reads trace_id).
      return current ? next({ trace_id: current.traceId, span_id: current.spanId, trace_flags: `0${current.traceFlags.toString(16)}`, ...input }) : next(input);
    },
  }],
});
