// The webhook request's span, the root of an event's trace: a child of the provider's span when
// the request carries a W3C `traceparent` (and `tracestate`). Nothing happens with tracing off.
import type { RouterMiddleware } from '@koa/router';
import { ATTR, SpanKind, contextFromHeaders, tracingOn, withSpan } from '../../lib/tracing';

export const traceWebhook: RouterMiddleware = (ctx, next) => {
  if (!tracingOn()) return next();
  const source = String(ctx.params.source).slice(0, 64);
  const attributes = { 'http.request.method': ctx.method, 'http.route': '/webhooks/:source', [ATTR.source]: source };
  return withSpan(`${ctx.method} /webhooks/${source}`, attributes, async (span) => {
    ctx.state.traceId = span?.spanContext().traceId; // for the request's log line, written outside the span
    try {
      await next();
    } finally {
      span?.setAttribute('http.response.status_code', ctx.status);
    }
  }, { kind: SpanKind.SERVER, parent: contextFromHeaders(ctx.req.headers) });
};
