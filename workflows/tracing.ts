// A workflow interceptor module of the traced bundle only (worker/create-worker.ts,
// TRACED_FLOW_BUNDLE): Temporal's OpenTelemetry interceptors. The run's span is a child of the
// span that started it (the ingress's, through the start's headers), each step's span a child of
// the run's, and each activity gets its step's span in its headers. They add headers to commands,
// never commands: histories replay the same with or without them (test/workflow/replay.test.ts).
// Spans leave the workflow through the `exporter` sink, which is not called during replay.
export { interceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
