// The admin API is off unless HOOKFLOW_ADMIN_TOKEN is set; then every call needs
// "Authorization: Bearer <token>", compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HookflowError } from '../../lib/errors';

export class AdminAuthError extends HookflowError {
  constructor(message: string) { super('admin_unauthorized', 401, message); }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireAdminToken(token: string | undefined): Middleware {
  const expected = token ? digest(token) : undefined;
  return async (ctx, next) => {
    if (!expected) throw new HookflowError('admin_disabled', 404, 'the admin API is disabled: set HOOKFLOW_ADMIN_TOKEN to enable it');
    const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
    if (!given) throw new AdminAuthError('missing "Authorization: Bearer <admin token>" header');
    if (!timingSafeEqual(digest(given), expected)) throw new AdminAuthError('the admin token is not valid');
    await next();
  };
}
