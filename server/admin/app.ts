// The admin listener's Koa app: the operator console, the admin API (/admin), /metrics and
// /readyz. It listens apart from the public one (loopback by default), so what providers can
// reach is only /webhooks/* and /healthz.
import type Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { createBaseApp } from '../http';
import { type IngressOps, addOpsRoutes } from '../http';

export interface AdminAppDeps {
  log: Logger;
  /** /metrics and /readyz, when given. */
  ops?: IngressOps;
  /** The admin API's routes (server/admin), under /admin. */
  admin?: Router;
  /** The console's routes (server/console), under /console. */
  console?: Router;
}

export function createAdminApp(deps: AdminAppDeps): Koa {
  const app = createBaseApp(deps.log.child({ listener: 'admin' }), deps.ops?.metrics);
  const router = new Router();
  router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  if (deps.ops) addOpsRoutes(router, deps.ops);
  app.use(router.routes()).use(router.allowedMethods());
  for (const routes of [deps.admin, deps.console]) if (routes) app.use(routes.routes()).use(routes.allowedMethods());
  return app;
}
