// The one place that decides who may call the admin listener, before any router sees the request.
// The path is normalised first (percent-decoding, case, repeated slashes, "." and ".."), so no
// spelling of a path reaches a handler that its canonical form would have refused:
//   /healthz, /readyz        open (probes)
//   /metrics                 open, or by bearer token when a metrics token is set
//   /, /console, /console/login   open (a redirect and the sign-in page)
//   /console/...             by console session (else to the sign-in page)
//   /admin, /admin/...       by the admin bearer token
//   /codec/...               by the admin bearer token, or a console session from the Temporal UI's origin
//   anything else            404 (no router behind the guard serves another path)
// The Host header must name an allowed host (loopback names by default), so a page on another
// site cannot reach the listener through DNS rebinding.
import type { Context, Middleware } from 'koa';
import { HookflowError } from '../../lib/errors';
import { sameSecret } from '../../lib/same-secret';

export class AdminAuthError extends HookflowError {
  constructor(message: string) { super('admin_unauthorized', 401, message); }
}

export interface AdminAccessSettings {
  /** HOOKFLOW_ADMIN_TOKEN; unset, /admin and /console answer 404 admin_disabled. */
  token?: string;
  /** HOOKFLOW_METRICS_TOKEN: when set, /metrics needs "Authorization: Bearer <it>". */
  metricsToken?: string;
  /** Host names (no port) a request may carry in its Host header; "*" allows any. Loopback names when unset. */
  allowedHosts?: readonly string[];
  /** Origins whose requests may decode payloads with a console session (the Temporal UI's; server/admin/codec.ts). */
  codecOrigins?: readonly string[];
}

/** The console's session check (server/console), given to the guard so the admin folder need not know cookies. */
export type ConsoleSessionCheck = (ctx: Context) => Promise<{ csrf: string } | undefined>;

export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];
const OPEN = new Set(['/healthz', '/readyz']);
const CONSOLE_OPEN = new Set(['/', '/console', '/console/login']);

/**
 * The request's path, percent-decoded until stable and lower-cased; undefined when it cannot be
 * decoded or has an empty, "." or ".." segment or a backslash once decoded. Browsers and HTTP
 * clients resolve dot segments before sending, so only a crafted request has them; refusing them
 * keeps a router's reading of a path and this one's the same (the first segment decides).
 */
export function canonicalPath(rawUrl: string): string | undefined {
  let decoded = rawUrl.split(/[?#]/, 1)[0];
  // Decode until stable, so "%2561dmin" cannot become "admin" one layer later.
  for (let i = 0; ; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return undefined;
    }
    if (next === decoded) break;
    if (i === 3) return undefined;
    decoded = next;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) return undefined;
  const segments = decoded.toLowerCase().slice(1).split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop(); // one trailing slash
  if (segments.length > 1 && segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  if (segments[0] === '.' || segments[0] === '..') return undefined;
  return `/${segments.join('/')}`;
}

/** "example.com:3002", "[::1]:3002" → "example.com", "::1". */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.replace(/:\d*$/, '').replace(/\.$/, '');
}

function bearer(ctx: Context, expected: string, what: string): void {
  const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
  if (!given) throw new AdminAuthError(`missing "Authorization: Bearer <${what}>" header`);
  if (!sameSecret(given, expected)) throw new AdminAuthError(`the ${what} is not valid`);
}

export function adminAccess(settings: AdminAccessSettings, consoleSession?: ConsoleSessionCheck): Middleware {
  const adminToken = settings.token;
  const metricsToken = settings.metricsToken;
  const hosts = new Set((settings.allowedHosts ?? LOOPBACK_HOSTS).map((h) => h.toLowerCase()));
  const codecOrigins = new Set(settings.codecOrigins);
  return async (ctx, next) => {
    const path = canonicalPath(ctx.url);
    if (path === undefined) throw new HookflowError('bad_path', 400, 'the request path is not in canonical form (percent-encoding, empty, "." or ".." segments)');
    if (OPEN.has(path)) return next();
    if (path === '/metrics') {
      if (metricsToken) bearer(ctx, metricsToken, 'metrics token');
      return next();
    }
    // Probes and scrapers name the pod's address; everything else must come by an allowed name.
    if (!hosts.has('*') && !hosts.has(hostName(ctx.get('host')))) {
      throw new HookflowError('host_not_allowed', 403, 'this Host is not one the admin listener answers to (HOOKFLOW_ADMIN_ALLOWED_HOSTS)');
    }
    if (path === '/console' || path.startsWith('/console/') || path === '/') {
      if (!adminToken || !consoleSession) throw new HookflowError('admin_disabled', 404, 'the console is disabled: set HOOKFLOW_ADMIN_TOKEN to enable it');
      if (CONSOLE_OPEN.has(path)) return next();
      const session = await consoleSession(ctx);
      if (!session) {
        ctx.status = 303;
        return ctx.redirect(`/console/login?next=${encodeURIComponent(ctx.originalUrl)}`);
      }
      ctx.state.consoleSession = session;
      return next();
    }
    if (path === '/codec' || path.startsWith('/codec/')) {
      if (!adminToken) throw new HookflowError('admin_disabled', 404, 'the codec endpoint is disabled: set HOOKFLOW_ADMIN_TOKEN to enable it');
      if (ctx.method === 'OPTIONS') return next(); // a CORS preflight carries no credentials; the router answers it
      if (ctx.get('authorization')) {
        bearer(ctx, adminToken, 'admin token');
        return next();
      }
      // A session cookie counts only from the UI's origin: it is the one page allowed to read the answer.
      const origin = ctx.get('origin');
      if ((!origin || codecOrigins.has(origin)) && (await consoleSession?.(ctx))) return next();
      throw new AdminAuthError('sign in to the console (the Temporal UI sends its cookie with "include cross-origin credentials"), or send "Authorization: Bearer <admin token>"');
    }
    if (path !== '/admin' && !path.startsWith('/admin/')) throw new HookflowError('not_found', 404, `no route for ${ctx.method} ${ctx.path.slice(0, 200)}`);
    if (!adminToken) throw new HookflowError('admin_disabled', 404, 'the admin API is disabled: set HOOKFLOW_ADMIN_TOKEN to enable it');
    bearer(ctx, adminToken, 'admin token');
    return next();
  };
}
