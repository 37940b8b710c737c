// Console sign-in: the admin token, typed once on the login page, is exchanged for a session
// cookie (HttpOnly, SameSite=Strict, expiring) signed with a key derived from the token, so any
// ingress replica with the same token accepts it and changing the token ends every session.
// Writes carry a CSRF token derived from the session, and a cross-origin Origin is refused.
// Logout revokes the session's id in MongoDB (./revocations.ts), so a copied cookie is refused
// on every replica afterwards.
import { createHmac, randomBytes } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { Context } from 'koa';
import { compileCidrs, contains } from '../../lib/address-ranges';
import { ConfigError } from '../../lib/errors';
import { sameSecret } from '../../lib/same-secret';
import type { SessionRevocations } from './revocations';

export const SESSION_COOKIE = 'hookflow_console';
/** How long a sign-in lasts. */
export const SESSION_MS = 8 * 3600_000;

export interface Sessions {
  /** Compares in constant time (both sides hashed to one length first). */
  tokenMatches(given: string): boolean;
  issue(now?: Date): string;
  /** The session's CSRF token when the cookie is genuine, unexpired and not logged out. */
  verify(cookie: string | undefined, now?: Date): Promise<{ csrf: string } | undefined>;
  /** Ends the cookie's session on every replica (logout); nothing for a cookie that is not genuine. */
  revoke(cookie: string | undefined): Promise<void>;
  csrfMatches(cookie: string, given: string | undefined): boolean;
}

export function createSessions(token: string, revocations: SessionRevocations): Sessions {
  const key = createHmac('sha256', token).update('hookflow console session v1').digest();
  const sign = (text: string) => createHmac('sha256', key).update(text).digest('base64url');
  const csrfOf = (cookie: string) => sign(`csrf:${cookie}`);
  /** The expiry and random id of a cookie whose signature holds. */
  const genuine = (cookie: string | undefined) => {
    const m = /^(\d{1,15})\.([\w-]{1,64})\.([\w-]{1,64})$/.exec(cookie ?? '');
    if (!m || !sameSecret(m[3], sign(`${m[1]}.${m[2]}`))) return undefined;
    return { expires: Number(m[1]), id: m[2] };
  };
  return {
    tokenMatches: (given) => sameSecret(given, token),
    issue(now = new Date()) {
      const body = `${now.getTime() + SESSION_MS}.${randomBytes(16).toString('base64url')}`;
      return `${body}.${sign(body)}`;
    },
    async verify(cookie, now = new Date()) {
      const session = genuine(cookie);
      if (!session || session.expires <= now.getTime()) return undefined;
      if (await revocations.isRevoked(session.id)) return undefined;
      return { csrf: csrfOf(cookie!) };
    },
    async revoke(cookie) {
      const session = genuine(cookie);
      if (session) await revocations.revoke(session.id, new Date(session.expires));
    },
    csrfMatches: (cookie, given) => given !== undefined && sameSecret(given, csrfOf(cookie)),
  };
}

/** For the admin listener's guard: the signed-in session a request carries, if any. */
export function sessionCheck(sessions: Sessions): (ctx: Context) => Promise<{ csrf: string } | undefined> {
  return (ctx) => sessions.verify(ctx.cookies.get(SESSION_COOKIE));
}

/**
 * Whether the browser reached the console over HTTPS: the connection is TLS, or it comes from an
 * address in `trustedProxies` (HOOKFLOW_ADMIN_TRUSTED_PROXIES: addresses and CIDR ranges) whose
 * X-Forwarded-Proto says https. The header from any other address changes nothing.
 */
export function servedOverHttps(ctx: Context, trustedProxies?: BlockList): boolean {
  if ((ctx.req.socket as { encrypted?: boolean }).encrypted) return true;
  if (!trustedProxies || !contains(trustedProxies, ctx.req.socket.remoteAddress ?? '')) return false;
  // A proxy that appends puts its own value last: that is the one this trust is about.
  return ctx.get('x-forwarded-proto').split(',').pop()!.trim().toLowerCase() === 'https';
}

/** HOOKFLOW_ADMIN_TRUSTED_PROXIES compiled once (lib/config.ts has checked each entry). */
export function proxyList(entries: readonly string[] = []): BlockList | undefined {
  if (!entries.length) return undefined;
  const { list, invalid } = compileCidrs(entries);
  if (invalid.length) throw new ConfigError(`HOOKFLOW_ADMIN_TRUSTED_PROXIES: "${entries[invalid[0]!]}" is not an IP address or CIDR range`);
  return list;
}

/** The Set-Cookie attributes: Secure whenever the console is served over HTTPS (directly or through a trusted proxy). */
export function setSessionCookie(ctx: Context, value: string, maxAgeMs: number, trustedProxies?: BlockList): void {
  const secure = servedOverHttps(ctx, trustedProxies);
  // The cookies library refuses a Secure cookie on a connection it thinks is plain HTTP.
  if (secure) ctx.cookies.secure = true;
  ctx.cookies.set(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: maxAgeMs, secure, overwrite: true });
}

/** A write whose Origin (or Referer) names another site is refused, whatever token it carries. */
export function sameOrigin(ctx: Context): boolean {
  const origin = ctx.get('origin') || ctx.get('referer');
  if (!origin || origin === 'null') return !ctx.get('origin'); // no header at all: a non-browser client
  try {
    return new URL(origin).host === ctx.host;
  } catch {
    return false;
  }
}
