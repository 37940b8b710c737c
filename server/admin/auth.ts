// The admin API is off unless HOOKFLOW_ADMIN_TOKEN is set; then every call needs
// "Authorization: Bearer <token>", compared in constant time.
import type { Middleware } from 'koa';
import { HookflowError } from '../../lib/errors';
import { sameSecret } from '../../lib/same-secret';

export class AdminAuthError extends HookflowError {
  constructor(message: string) { super('admin_unauthorized', 401, message); }
}

export function requireAdminToken(token: string | undefined): Middleware {
  return async (ctx, next) => {
    if (!token) throw new HookflowError('admin_disabled', 404, 'the admin API is disabled: set HOOKFLOW_ADMIN_TOKEN to enable it');
    const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
    if (!given) throw new AdminAuthError('missing "Authorization: Bearer <admin token>" header');
    if (!sameSecret(given, token)) throw new AdminAuthError('the admin token is not valid');
    await next();
  };
}
