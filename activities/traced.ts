// Client spans for a step's effects (tracing on; lib/tracing.ts): each MongoDB write, each email
// handed to the SMTP server. They are children of the activity's span (worker/tracing.ts).
// http.request makes its own, and sends it on as `traceparent` (activities/http.ts).
import { SpanKind, withSpan } from '../lib/tracing';

/** One MongoDB write, as an OpenTelemetry database client span. */
export function mongoWrite<T>(operation: string, collection: string, fn: () => Promise<T>): Promise<T> {
  return withSpan(`${operation} ${collection}`, { 'db.system': 'mongodb', 'db.operation.name': operation, 'db.collection.name': collection }, fn, { kind: SpanKind.CLIENT });
}

/** One message handed to the SMTP server. */
export function smtpSend<T>(messageId: string, fn: () => Promise<T>): Promise<T> {
  return withSpan('smtp send', { 'email.message_id': messageId }, fn, { kind: SpanKind.CLIENT });
}
