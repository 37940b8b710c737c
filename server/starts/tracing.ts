// With tracing on, the ingress's Temporal client carries the active span (the request's, or the
// relay's) into each workflow start and signal as Temporal's `_tracer-data` header, the W3C
// traceparent that Temporal's OpenTelemetry interceptors read: the run's span is its child. No
// span of its own (Temporal's client interceptor made a `StartWorkflow` span per start): the
// request span already times the start as its `start` event, and every span costs CPU per event.
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { traceCarrier } from '../../lib/tracing';

const TRACE_HEADER = '_tracer-data';

function withTraceHeader<I extends { headers: Record<string, Payload> }>(input: I): I {
  const carrier = traceCarrier();
  return carrier ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) } } : input;
}

const traceHeaders: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next(withTraceHeader(input)),
  signal: (input, next) => next(withTraceHeader(input)),
  signalWithStart: (input, next) => next(withTraceHeader(input)),
};

export function tracedClientInterceptors(): ClientInterceptors {
  return { workflow: [traceHeaders] };
}
