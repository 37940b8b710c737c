// With tracing on, the ingress's Temporal client carries the active span (the request's start,
// or the relay's) into each workflow start and signal as a header: the run's span is its child.
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';

export function tracedClientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
