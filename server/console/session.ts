// Console sign-in: the admin token, typed once on the login page, is exchanged for a session
// cookie (HttpOnly, SameSite=Strict, expiring) signed with a key derived from the token, so any
// ingress replica with the same token accepts it and changing the token ends every session.
// Writes carry a CSRF token derived from the session, and a cross-origin Origin is refused.
import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { sameSecret } from '../../lib/same-secret';

export const SESSION_COOKIE = 'hookflow_console';
/** How long a sign-in lasts. */
export const SESSION_MS = 8 * 3600_000;

export interface Sessions {
  /** Compares in constant time (both sides hashed to one length first). */
  tokenMatches(given: string): boolean;
  issue(now?: Date): string;
  /** The session's CSRF token when the cookie is genuine and unexpired. */
  verify(cookie: string | undefined, now?: Date): { csrf: string } | undefined;
  csrfMatches(cookie: string, given: string | undefined): boolean;
}

export function createSessions(token: string): Sessions {
  const key = createHmac('sha256', token).update('hookflow console session v1').digest();
  const sign = (text: string) => createHmac('sha256', key).update(text).digest('base64url');
  const csrfOf = (cookie: string) => sign(`csrf:${cookie}`);
  return {
    tokenMatches: (given) => sameSecret(given, token),
    issue(now = new Date()) {
      const body = `${now.getTime() + SESSION_MS}.${randomBytes(16).toString('base64url')}`;
      return `${body}.${sign(body)}`;
    },
    verify(cookie, now = new Date()) {
      const m = /^(\d{1,15})\.([\w-]{1,64})\.([\w-]{1,64})$/.exec(cookie ?? '');
      if (!m || !sameSecret(m[3], sign(`${m[1]}.${m[2]}`))) return undefined;
      if (Number(m[1]) <= now.getTime()) return undefined;
      return { csrf: csrfOf(cookie!) };
    },
    csrfMatches: (cookie, given) => given !== undefined && sameSecret(given, csrfOf(cookie)),
  };
}

/** The Set-Cookie attributes: Secure whenever the console is served over HTTPS. */
export function setSessionCookie(ctx: Context, value: string, maxAgeMs: number): void {
  ctx.cookies.set(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: maxAgeMs, secure: ctx.secure, overwrite: true });
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
