// The Koa app factory: routes and error mapping, no listening. Tests drive app.callback() directly.
import Koa from 'koa';
import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { HookflowError, SchemaViolationError, UnavailableError, UnknownSourceError } from '../lib/errors';
import { readBody } from './http';
import { type HandshakeResponse, type WebhookResponse, admit, answerHandshake, handleWebhook, noteRejection, type WebhookDeps } from './webhook';
import { getHandshake } from './handshakes';
import { checkAddress } from './verification/address';
import type { Definitions } from '../definitions/definitions';
import { type IngressOps, QUIET_PATHS, addOpsRoutes, requestTimer } from './ops-routes';
import { observeWebhook } from './observe';
import { OverloadedError, admissionControl } from './admission';

export interface AppDeps extends Omit<WebhookDeps, 'definitions'> {
  /** Read per request, so a reload of flow files takes effect without a restart. */
  getDefinitions: () => Definitions;
  /** Metrics and readiness checks: /metrics, /readyz and the counters. */
  ops?: IngressOps;
  /** The admin API's routes (server/admin), mounted under /admin when given. */
  admin?: Router;
  /** Webhook requests worked on at once; past it 503 + Retry-After at once (unbounded when unset). */
  maxInFlight?: number;
  /** Past this average answer time (ms), admission tightens (server/admission.ts); unset, it never does. */
  admissionTargetMs?: number;
}

/** An incoming X-Request-Id is kept when it is a plain token; anything else gets a fresh id. */
const REQUEST_ID = /^[\w.:@/+=-]{1,100}$/;

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const router = new Router();

  app.use(requestTimer(deps.ops?.metrics));
  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = deps.log.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
      // Unmatched routes and methods answer with the same JSON error shape as everything else.
      if (ctx.status >= 400 && (ctx.body === undefined || typeof ctx.body === 'string')) {
        const status = ctx.status;
        const code = status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'bad_request';
        ctx.body = { error: { code, message: status === 404 ? `no route for ${ctx.method} ${ctx.path.slice(0, 200)}` : ctx.message } };
        ctx.status = status; // setting a body would otherwise turn it into 200
      }
    } catch (err) {
      respondWithError(ctx, err, ctx.state.log as Logger);
    }
    const level = QUIET_PATHS.has(ctx.path) && ctx.status < 400 ? 'debug' : 'info';
    (ctx.state.log as Logger)[level]({ method: ctx.method, path: ctx.path, status: ctx.status, deliveryId: ctx.state.deliveryId as string | undefined, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
  });

  router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  if (deps.ops) addOpsRoutes(router, deps.ops);

  const observe = deps.ops ? observeWebhook(deps.ops.metrics, deps.getDefinitions) : (_ctx: unknown, next: () => Promise<unknown>) => next();
  const admission = deps.maxInFlight ? admissionControl({ maxInFlight: deps.maxInFlight, targetMs: deps.admissionTargetMs }).middleware : (_ctx: unknown, next: () => Promise<unknown>) => next();
  router.post('/webhooks/:source', observe, admission, async (ctx) => {
    const definitions = deps.getDefinitions();
    const { source, facts, log } = requestOf(ctx, definitions);
    let rawBody: Buffer;
    try {
      admit(source, facts.headers, facts.remoteAddress); // before reading a body that would be refused
      rawBody = await readBody(ctx.req, source.maxBodyBytes);
    } catch (err) {
      await noteRejection(facts, {}, err, { deliveries: deps.deliveries, log });
      throw err;
    }
    respond(ctx, await handleWebhook({ ...facts, rawBody }, { ...deps, definitions, log }));
  });

  // The GET subscription check (hub.mode=subscribe) of Meta/WhatsApp-style providers.
  router.get('/webhooks/:source', observe, async (ctx) => {
    const { source, facts, log } = requestOf(ctx, deps.getDefinitions());
    try {
      checkAddress(source.network, facts.remoteAddress, facts.headers);
      const handshake = getHandshake(source, ctx.query, facts.receivedAt);
      respond(ctx, await answerHandshake(facts, handshake, { deliveries: deps.deliveries, log }));
    } catch (err) {
      await noteRejection(facts, { eventType: 'hub.subscribe' }, err, { deliveries: deps.deliveries, log });
      throw err;
    }
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  if (deps.admin) app.use(deps.admin.routes()).use(deps.admin.allowedMethods());
  return app;
}

function requestOf(ctx: Koa.Context, definitions: Definitions) {
  const source = definitions.sources.get(ctx.params.source as string);
  if (!source) throw new UnknownSourceError((ctx.params.source as string).slice(0, 64));
  const log = (ctx.state.log as Logger).child({ source: source.name });
  const facts = { source, headers: ctx.req.headers, url: ctx.req.url, receivedAt: new Date(), remoteAddress: ctx.req.socket.remoteAddress, requestId: ctx.state.requestId as string };
  return { source, facts, log };
}

/** hookflow's own answer, or exactly the body a provider's handshake requires. */
function respond(ctx: Koa.Context, result: WebhookResponse | HandshakeResponse): void {
  ctx.status = result.status;
  ctx.state.deliveryId = 'handshake' in result ? result.deliveryId : result.body.deliveryId; // for the request's log line
  if ('handshake' in result) {
    ctx.state.answered = { status: 'handshake', eventType: result.handshake.eventType };
    ctx.body = result.handshake.body;
  } else {
    ctx.state.answered = result.body;
    ctx.body = result.body;
  }
}

function respondWithError(ctx: Koa.Context, err: unknown, log: Logger): void {
  if (err instanceof HookflowError) {
    ctx.status = err.status;
    const body: Record<string, unknown> = { error: { code: err.code, message: err.message } };
    if (err instanceof SchemaViolationError) (body.error as Record<string, unknown>).violations = err.violations;
    if (err instanceof UnavailableError) ctx.set('Retry-After', String(err.retryAfterSeconds));
    ctx.body = body;
    if (err instanceof OverloadedError) return;
    log[err.status >= 500 ? 'error' : 'warn']({ code: err.code, reason: err.message, cause: err.details === undefined || err instanceof SchemaViolationError ? undefined : err.details }, 'request rejected');
    return;
  }
  log.error({ err }, 'unexpected error');
  ctx.status = 500;
  ctx.body = { error: { code: 'internal_error', message: 'unexpected error; the event was not accepted, retry later' } };
}
