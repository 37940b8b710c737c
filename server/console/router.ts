// The operator console's routes on the admin listener. Every page needs a session (else the
// login page); every write needs the session's CSRF token and a same-origin request. Errors are
// pages too, never JSON or a stack trace.
import Router, { type RouterContext } from '@koa/router';
import type { Context } from 'koa';
import { HookflowError } from '../../lib/errors';
import { readBody } from '../http';
import type { BulkReplays } from '../admin';
import { replayDelivery, type ReplayContext } from '../admin';
import type { Definitions } from '../../definitions/definitions';
import type { ReloadReport } from '../../definitions/definition-store';
import type { ReadinessCheck } from '../../lib/health';
import { type Html, html } from './html';
import { type ConsolePage, layout } from './layout';
import { type LoginThrottle, loginThrottle } from './login-throttle';
import { SESSION_COOKIE, SESSION_MS, type Sessions, proxyList, sameOrigin, setSessionCookie } from './session';
import { deliveriesPage, deliveryHref, eventPage } from './deliveries-page';
import { flowsPage } from './flows-page';
import { tryPage } from './try-page';
import { healthPage } from './health-page';
import type { WorkerHealthSource } from './worker-health';
import { issuePage, issuesPage, jobHref, jobPage } from './issues-page';
import { type Issues, parseIssueFilter } from '../admin';
import { ISSUE_STATUSES, type IssueStatus } from '../admin';
import type { OutboundAdmin } from '../admin';
import { outboundDeliveryPage, outboundHref, outboundPage } from './outbound-page';

export interface ConsoleDeps {
  /** Sign-in sessions of HOOKFLOW_ADMIN_TOKEN; without them the console, like the admin API, is off. */
  sessions?: Sessions;
  /** HOOKFLOW_ADMIN_TRUSTED_PROXIES (addresses and CIDR ranges): proxies whose X-Forwarded-Proto decides whether the cookie is Secure. */
  trustedProxies?: readonly string[];
  admin: ReplayContext;
  bulk: BulkReplays;
  definitions: () => Definitions;
  lastReload?: () => ReloadReport | undefined;
  checks: ReadinessCheck[];
  issues?: Issues;
  /** Wrong-token throttling of sign-ins (login-throttle.ts); the defaults when omitted. */
  loginThrottle?: LoginThrottle;
  /** The trace backend's page of a trace id, for the timeline's trace link (when tracing is on). */
  traceUrl?: (traceId: string) => string;
  /** What the Health page's worker rows read (server/console/worker-health.ts). */
  workers?: WorkerHealthSource;
  /** Outbound webhooks as the admin API operates them (server/admin/outbound); the Outbound page. */
  outbound?: OutboundAdmin;
}

/** The sources a delivery may name: those loaded and those off until their secrets are set. */
const sourceNames = (d: Definitions) => [...d.sources.keys(), ...(d.disabled ?? []).map((x) => x.name)];

const FLASH_COOKIE = 'hookflow_flash';
const MAX_FORM = 16 * 1024;

function page(ctx: Context, on: ConsolePage, title: string, body: Html | string, status = 200): void {
  const flash = ctx.cookies.get(FLASH_COOKIE);
  if (flash) ctx.cookies.set(FLASH_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 });
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  ctx.set('Cache-Control', 'no-store');
  ctx.body = layout({ title, on, csrf: ctx.state.csrf as string | undefined, flash: flash ? decodeURIComponent(flash) : undefined, body }).text;
}

function redirect(ctx: Context, to: string, flash?: string): void {
  if (flash) ctx.cookies.set(FLASH_COOKIE, encodeURIComponent(flash.slice(0, 500)), { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 60_000 });
  ctx.status = 303;
  ctx.redirect(to);
}

async function form(ctx: Context): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(ctx.req, MAX_FORM)).toString('utf8'));
}

const LOGIN_FORM = (message?: string, next = '/console/deliveries') => html`${message ? html`<p class="bad" role="alert">${message}</p>` : ''}
  <form method="post" action="/console/login"><input type="hidden" name="next" value="${next}">
  <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label> <button>Sign in</button></form>
  <p class="muted">The token is HOOKFLOW_ADMIN_TOKEN of this ingress.</p>`;

/** The nav item a console path belongs to: an error on an issue's page keeps "Issues" lit. */
export function navItemOf(path: string): ConsolePage {
  if (/^\/console\/(issues|replays)(\/|$)/.test(path)) return 'issues';
  if (/^\/console\/flows(\/|$)/.test(path)) return 'flows';
  if (/^\/console\/health(\/|$)/.test(path)) return 'health';
  if (/^\/console\/(outbound|destinations)(\/|$)/.test(path)) return 'outbound';
  if (/^\/console\/login(\/|$)/.test(path)) return 'login';
  return 'deliveries';
}

/** Only a path of this console is a place to go back to after signing in. */
const safeNext = (next: string | null | undefined) => (next && /^\/console\/[\w\-./%?=&]*$/.test(next) && !next.startsWith('//') ? next : '/console/deliveries');

export function createConsoleRouter(deps: ConsoleDeps): Router {
  const router = new Router();
  const { sessions } = deps;
  const throttle = deps.loginThrottle ?? loginThrottle();
  const trustedProxies = proxyList(deps.trustedProxies);

  router.get('/', (ctx) => ctx.redirect('/console/deliveries'));
  router.get('/console', (ctx) => ctx.redirect('/console/deliveries'));

  // Errors of console routes are pages; /admin keeps its JSON errors.
  router.use('/console', async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof HookflowError)) throw err;
      page(ctx, navItemOf(ctx.path), `Error ${err.status}`, html`<p class="bad" role="alert">${err.message}</p><p><a href="/console/deliveries">Deliveries</a></p>`, err.status);
    }
  });
  router.use('/console', async (ctx, next) => {
    if (!sessions) throw new HookflowError('admin_disabled', 404, 'the console is disabled: set HOOKFLOW_ADMIN_TOKEN to enable it');
    return next();
  });

  router.get('/console/login', (ctx) => page(ctx, 'login', 'Sign in', LOGIN_FORM(undefined, safeNext(ctx.query.next as string | undefined))));
  router.post('/console/login', async (ctx) => {
    const body = await form(ctx);
    if (!sameOrigin(ctx)) throw new HookflowError('csrf_refused', 403, 'a sign-in from another site is refused');
    const address = ctx.req.socket.remoteAddress ?? '';
    const wait = throttle.waitSeconds(address);
    if (wait > 0) {
      ctx.state.log?.warn({ address }, 'console sign-in throttled: too many wrong admin tokens');
      ctx.set('Retry-After', String(wait));
      return page(ctx, 'login', 'Sign in', LOGIN_FORM(`Too many wrong tokens: try again in ${wait} s.`, safeNext(body.get('next'))), 429);
    }
    if (!sessions!.tokenMatches(body.get('token') ?? '')) {
      throttle.failed(address);
      ctx.state.log?.warn('console sign-in refused: wrong admin token');
      return page(ctx, 'login', 'Sign in', LOGIN_FORM('That is not the admin token.', safeNext(body.get('next'))), 401);
    }
    throttle.succeeded(address);
    setSessionCookie(ctx, sessions!.issue(), SESSION_MS, trustedProxies);
    redirect(ctx, safeNext(body.get('next')));
  });

  // Everything below has a session (the admin listener's guard, server/admin/access.ts, sent
  // everyone else to the sign-in page); writes also need the CSRF token.
  router.use('/console', async (ctx, next) => {
    if (ctx.path === '/console/login') return next();
    const session = ctx.state.consoleSession as { csrf: string } | undefined;
    if (!session) throw new HookflowError('admin_unauthorized', 401, 'sign in first');
    ctx.state.csrf = session.csrf;
    if (ctx.method === 'POST') {
      const body = await form(ctx);
      if (!sameOrigin(ctx) || !sessions!.csrfMatches(ctx.cookies.get(SESSION_COOKIE)!, body.get('_csrf') ?? undefined)) throw new HookflowError('csrf_refused', 403, 'this form is stale or came from another site; reload the page and try again');
      ctx.state.form = body;
    }
    return next();
  });
  const fields = (ctx: Context) => ctx.state.form as URLSearchParams;
  const csrf = (ctx: Context) => ctx.state.csrf as string;

  router.post('/console/logout', async (ctx) => {
    // Revoked first: a copy of this cookie is refused on every replica, not only forgotten here.
    await sessions!.revoke(ctx.cookies.get(SESSION_COOKIE));
    setSessionCookie(ctx, '', 0, trustedProxies);
    redirect(ctx, '/console/login');
  });

  router.get('/console/deliveries', async (ctx) => page(ctx, 'deliveries', 'Deliveries', await deliveriesPage(deps.admin, ctx.query, sourceNames(deps.definitions()))));
  router.get('/console/deliveries/:id', async (ctx: RouterContext) => {
    const shown = await eventPage(deps.admin, ctx.params.id, csrf(ctx), deps.traceUrl);
    if (!shown) return page(ctx, 'deliveries', 'Not found', html`<p class="bad">No delivery with id <code>${ctx.params.id}</code>: it never came, or its retention ended.</p>`, 404);
    page(ctx, 'deliveries', shown.title, shown.body);
  });
  router.get('/console/deliveries/:id/try', async (ctx: RouterContext) => {
    const shown = await tryPage(deps.admin, ctx.params.id, deps.definitions());
    if (!shown) return page(ctx, 'deliveries', 'Not found', html`<p class="bad">No delivery with id <code>${ctx.params.id}</code>.</p>`, 404);
    page(ctx, 'deliveries', shown.title, shown.body);
  });
  router.post('/console/deliveries/:id/replay', async (ctx: RouterContext) => {
    const replay = await replayDelivery(deps.admin, ctx.params.id);
    redirect(ctx, deliveryHref(replay.deliveryId), `Replayed: ${replay.runs.map((r) => r.workflowId).join(', ') || 'no flow matches the event now'}`);
  });

  router.get('/console/flows', async (ctx) => page(ctx, 'flows', 'Flows and sources', await flowsPage({ definitions: deps.definitions(), lastReload: deps.lastReload?.(), deliveries: deps.admin.deliveries })));
  router.get('/console/health', async (ctx) => page(ctx, 'health', 'Health', await healthPage({ checks: deps.checks, deliveries: deps.admin.deliveries, workers: deps.workers })));

  const issues = () => {
    if (!deps.issues) throw new HookflowError('issues_unavailable', 404, 'this ingress keeps no issues');
    return deps.issues;
  };
  const oneOf = (value: unknown, allowed: readonly string[]) => (typeof value === 'string' && allowed.includes(value) ? value : undefined);
  router.get('/console/issues', async (ctx) => page(ctx, 'issues', 'Issues', await issuesPage(issues(), parseIssueFilter(ctx.query as Record<string, string | string[] | undefined>))));
  router.get('/console/issues/:id', async (ctx: RouterContext) => {
    const shown = await issuePage(issues(), ctx.params.id, csrf(ctx));
    page(ctx, 'issues', shown.title, shown.body);
  });
  router.post('/console/issues/:id/status', async (ctx: RouterContext) => {
    const status = oneOf(fields(ctx).get('status'), ISSUE_STATUSES);
    if (!status) throw new HookflowError('bad_query', 400, `status must be one of ${ISSUE_STATUSES.join(', ')}`);
    await issues().setStatus(ctx.params.id, status as IssueStatus);
    redirect(ctx, `/console/issues/${encodeURIComponent(ctx.params.id)}`, `Marked ${status}.`);
  });
  router.post('/console/issues/:id/replay', async (ctx: RouterContext) => {
    if (fields(ctx).get('dryRun') === 'true') {
      const plan = await issues().replay(ctx.params.id, { dryRun: true });
      const shown = await issuePage(issues(), ctx.params.id, csrf(ctx), 'dryRun' in plan ? plan : { total: 0, missing: 0 });
      return page(ctx, 'issues', shown.title, shown.body);
    }
    const job = await issues().replay(ctx.params.id, { dryRun: false });
    redirect(ctx, jobHref('id' in job ? job.id : ''), 'Replay started.');
  });

  router.get('/console/replays/:id', async (ctx: RouterContext) => page(ctx, 'issues', 'Replay', jobPage(await deps.bulk.get(ctx.params.id), csrf(ctx))));
  router.post('/console/replays/:id/stop', async (ctx: RouterContext) => {
    await deps.bulk.stop(ctx.params.id);
    redirect(ctx, jobHref(ctx.params.id), 'Stop requested: deliveries being replayed now finish, no new ones start.');
  });

  const outbound = () => {
    if (!deps.outbound) throw new HookflowError('outbound_unavailable', 404, 'this ingress has no outbound webhooks');
    return deps.outbound;
  };
  router.get('/console/outbound', async (ctx) => page(ctx, 'outbound', 'Outbound webhooks', await outboundPage(outbound(), ctx.query, csrf(ctx))));
  router.get('/console/outbound/:id', async (ctx: RouterContext) => {
    const shown = await outboundDeliveryPage(outbound(), ctx.params.id, csrf(ctx));
    page(ctx, 'outbound', shown.title, shown.body);
  });
  router.post('/console/outbound/:id/retry', async (ctx: RouterContext) => {
    await outbound().retry(ctx.params.id);
    redirect(ctx, outboundHref(ctx.params.id), 'Retry started: a new delivery workflow with the same webhook-id.');
  });
  router.post('/console/destinations/:name/pause', async (ctx: RouterContext) => {
    await outbound().pause(ctx.params.name);
    redirect(ctx, '/console/outbound', `Paused ${ctx.params.name}: deliveries wait until it is resumed.`);
  });
  router.post('/console/destinations/:name/resume', async (ctx: RouterContext) => {
    await outbound().resume(ctx.params.name);
    redirect(ctx, '/console/outbound', `Resumed ${ctx.params.name}. Deliveries that failed meanwhile stay failed until retried.`);
  });
  router.post('/console/destinations/:name/retry-failed', async (ctx: RouterContext) => {
    const answer = await outbound().retryFailed({ destination: ctx.params.name, dryRun: false });
    redirect(ctx, `/console/outbound?destination=${encodeURIComponent(ctx.params.name)}`, `Retrying ${'retried' in answer ? answer.retried : 0} failed deliveries to ${ctx.params.name}.`);
  });
  return router;
}
