// The admin listener's Koa app: the operator console, the admin API (/admin), the codec endpoint
// for the Temporal UI (/codec), /metrics and /readyz. It listens apart from the public one
// (loopback by default), so what providers can reach is only /webhooks/* and /healthz. One guard
// in front of every router decides who may call what (server/admin/access.ts); the routers behind
// it check nothing more about the caller.
import type Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { createBaseApp } from '../http';
import { type IngressOps, addOpsRoutes } from '../http';
import { type AdminAccessSettings, type ConsoleSessionCheck, adminAccess } from './access';

export interface AdminAppDeps {
  log: Logger;
  /** Token(s) and allowed hosts; without a token /admin and /console answer 404 admin_disabled. */
  access: AdminAccessSettings;
  /** /metrics and /readyz, when given. */
  ops?: IngressOps;
  /** The admin API's routes (server/admin), under /admin. */
  admin?: Router;
  /** The console's routes (server/console), under /console, and how to tell its signed-in sessions. */
  console?: { router: Router; session: ConsoleSessionCheck };
  /** The codec endpoint for the Temporal UI (server/admin/codec.ts), under /codec. */
  codec?: Router;
}

export function createAdminApp(deps: AdminAppDeps): Koa {
  const app = createBaseApp(deps.log.child({ listener: 'admin' }), deps.ops?.metrics);
  app.use(adminAccess(deps.access, deps.console?.session));
  const router = new Router();
  router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  if (deps.ops) addOpsRoutes(router, deps.ops);
  app.use(router.routes()).use(router.allowedMethods());
  for (const routes of [deps.codec, deps.admin, deps.console?.router]) if (routes) app.use(routes.routes()).use(routes.allowedMethods());
  return app;
}
