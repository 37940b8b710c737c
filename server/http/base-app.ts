// What both listeners' Koa apps share: a request id on every request and its log line, the
// request timer, and the one mapping of errors to JSON answers.
import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ClientTimeoutError, HookflowError, OverloadedError, SchemaViolationError, UnavailableError } from '../../lib/errors';
import type { IngressMetrics } from '../../lib/metrics';
import { QUIET_PATHS, requestTimer } from './ops-routes';

/** An incoming X-Request-Id is kept when it is a plain token; anything else gets a fresh id. */
const REQUEST_ID = /^[\w.:@/+=-]{1,100}$/;

export function createBaseApp(log: Logger, metrics: IngressMetrics | undefined): Koa {
  const app = new Koa();
  app.use(requestTimer(metrics));
  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
      // Unmatched routes and methods answer with the same JSON error shape as everything else.
      // Console pages (HTML) are answers already.
      if (ctx.status >= 400 && (ctx.body === undefined || (typeof ctx.body === 'string' && ctx.type !== 'text/html'))) {
        const status = ctx.status;
        const code = status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'bad_request';
        ctx.body = { error: { code, message: status === 404 ? `no route for ${ctx.method} ${ctx.path.slice(0, 200)}` : ctx.message } };
        ctx.status = status; // setting a body would otherwise turn it into 200
      }
    } catch (err) {
      respondWithError(ctx, err, ctx.state.log as Logger);
    }
    const level = (QUIET_PATHS.has(ctx.path) && ctx.status < 400) || ctx.state.overloaded === true ? 'debug' : 'info';
    (ctx.state.log as Logger)[level]({ method: ctx.method, path: ctx.path, status: ctx.status, deliveryId: ctx.state.deliveryId as string | undefined, traceId: ctx.state.traceId as string | undefined, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
  });
  return app;
}

function respondWithError(ctx: Koa.Context, err: unknown, log: Logger): void {
  if (err instanceof HookflowError) {
    ctx.status = err.status;
    const body: Record<string, unknown> = { error: { code: err.code, message: err.message } };
    if (err instanceof SchemaViolationError) (body.error as Record<string, unknown>).violations = err.violations;
    if (err instanceof UnavailableError) ctx.set('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof ClientTimeoutError) ctx.set('Connection', 'close'); // the rest of that body is not waited for
    ctx.body = body;
    // A flood of refusals must stay cheap: no line at info (the 503s are counted in the request metrics).
    if (err instanceof OverloadedError) { ctx.state.overloaded = true; return; }
    log[err.status >= 500 ? 'error' : 'warn']({ code: err.code, reason: err.message, cause: err.details === undefined || err instanceof SchemaViolationError ? undefined : err.details }, 'request rejected');
    return;
  }
  log.error({ err }, 'unexpected error');
  ctx.status = 500;
  ctx.body = { error: { code: 'internal_error', message: 'unexpected error; the event was not accepted, retry later' } };
}
