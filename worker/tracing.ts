// The worker's side of tracing (lib/tracing.ts): each activity runs in a span that is a child of
// its step's span in the run (from the activity's headers), and the spans workflow code makes
// (workflows/tracing.ts) leave the sandbox through the `exporter` sink into the process's span
// processor, with the run's ids as attributes (the only attributes: Temporal's own sink copied
// the whole workflow info onto every span).
import { type HrTime, SpanKind, SpanStatusCode, createTraceState } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { TracingSinks, WorkflowSpan } from '../workflows/tracing';
import type { Tracing } from '../lib/tracing';

export const tracedActivities: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

const SCOPE = { name: '@temporalio/interceptor-workflow' };
const hr = (ms: number): HrTime => [Math.floor(ms / 1000), (ms % 1000) * 1e6];

/** A span from the sandbox as the SDK's processors take it. */
export function readableSpan(span: WorkflowSpan, attributes: Record<string, string>, resource: Tracing['resource']): ReadableSpan {
  const spanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags, ...(span.traceState && { traceState: createTraceState(span.traceState) }) };
  return {
    name: span.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => spanContext,
    parentSpanId: span.parentSpanId,
    startTime: hr(span.startMs),
    endTime: hr(span.endMs),
    duration: hr(span.endMs - span.startMs),
    status: span.error === undefined ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR, message: span.error },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationLibrary: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

export function workflowSpanSinks(tracing: Tracing): InjectedSinks<TracingSinks> {
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          const attributes = { temporalWorkflowId: info.workflowId, temporalRunId: info.runId, temporalWorkflowType: info.workflowType };
          for (const span of spans) tracing.processor.onEnd(readableSpan(span, attributes, tracing.resource));
        },
      },
    },
  };
}
