// The public listener's Koa app: /webhooks/* and /healthz only, no listening. Tests drive
// app.callback() directly. The console, /admin, /metrics and /readyz are on the admin listener.
import type Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { UnknownSourceError } from '../../lib/errors';
import { readBody } from '../http';
import { type HandshakeResponse, type WebhookResponse, admit, answerHandshake, handleWebhook, noteRejection, type WebhookDeps } from './webhook';
import { getHandshake } from './handshakes';
import { checkAddress } from '../../verification/address';
import type { Definitions } from '../../definitions/definitions';
import type { IngressOps } from '../http';
import { createBaseApp } from '../http';
import { observeWebhook } from './observe';
import { admissionControl, type AdmissionOptions } from './admission';
import { traceWebhook } from './trace';

export interface AppDeps extends Omit<WebhookDeps, 'definitions'> {
  /** Read per request, so a reload of flow files takes effect without a restart. */
  getDefinitions: () => Definitions;
  /** The counters webhooks feed (served on the admin listener, see server/admin/app.ts). */
  ops?: IngressOps;
  /** Webhook requests worked on at once, at most; past the bound 503 + Retry-After at once (unbounded when unset; server/webhooks/admission.ts). */
  admission?: AdmissionOptions;
  /** How long a client may take to send its body (ms); DEFAULT_BODY_DEADLINE_MS when unset. */
  bodyDeadlineMs?: number;
}

export function createApp(deps: AppDeps): Koa {
  const app = createBaseApp(deps.log, deps.ops?.metrics);
  const router = new Router();

  router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });

  const observe = deps.ops ? observeWebhook(deps.ops.metrics, deps.getDefinitions) : (_ctx: unknown, next: () => Promise<unknown>) => next();
  const admission = deps.admission ? admissionControl(deps.admission).middleware : (_ctx: unknown, next: () => Promise<unknown>) => next();
  // /webhooks/<source>/<version>: for sources whose events carry their version in the URL.
  router.post(['/webhooks/:source', '/webhooks/:source/:version'], traceWebhook, observe, admission, async (ctx) => {
    const definitions = deps.getDefinitions();
    const { source, facts, log } = requestOf(ctx, definitions);
    let rawBody: Buffer;
    try {
      admit(source, facts.headers, facts.remoteAddress); // before reading a body that would be refused
      rawBody = await readBody(ctx.req, source.maxBodyBytes, deps.bodyDeadlineMs);
    } catch (err) {
      await noteRejection(facts, {}, err, { deliveries: deps.deliveries, log });
      throw err;
    }
    respond(ctx, await handleWebhook({ ...facts, rawBody }, { ...deps, definitions, log }));
  });

  // The GET subscription check (hub.mode=subscribe) of Meta/WhatsApp-style providers.
  router.get('/webhooks/:source', traceWebhook, observe, async (ctx) => {
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
  return app;
}

function requestOf(ctx: Koa.Context, definitions: Definitions) {
  const source = definitions.sources.get(ctx.params.source as string);
  if (!source) throw new UnknownSourceError((ctx.params.source as string).slice(0, 64));
  const urlVersion = ctx.params.version as string | undefined;
  // A version segment only where the source reads its versions from the URL.
  if (urlVersion !== undefined && !source.versions?.url) throw new UnknownSourceError(`${source.name}/${urlVersion.slice(0, 64)}`);
  const log = (ctx.state.log as Logger).child({ source: source.name });
  const facts = { source, headers: ctx.req.headers, url: ctx.req.url, receivedAt: new Date(), remoteAddress: ctx.req.socket.remoteAddress, requestId: ctx.state.requestId as string, ...(urlVersion !== undefined && { urlVersion }) };
  return { source, facts, log };
}

/** hookflow's own answer, or exactly the body a provider's handshake requires. */
function respond(ctx: Koa.Context, result: WebhookResponse | HandshakeResponse): void {
  ctx.status = result.status;
  ctx.state.deliveryId = 'handshake' in result ? result.deliveryId : result.body.deliveryId; // for the request's log line
  if ('handshake' in result) {
    ctx.state.answered = { status: 'handshake', eventType: result.handshake.eventType };
    ctx.body = result.handshake.body;
    // An echoed challenge is the sender's text: never let it be read as HTML (Koa would type "<…" as text/html).
    if (typeof result.handshake.body === 'string') {
      ctx.type = 'text/plain';
      ctx.set('X-Content-Type-Options', 'nosniff');
    }
  } else {
    ctx.state.answered = result.body;
    ctx.body = result.body;
  }
}
