// The ingress's operations endpoints: /readyz (Temporal and MongoDB answer) and /metrics
// (Prometheus). /healthz, which needs nothing, lives with the webhook routes in server/webhooks/app.ts.
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { type ReadinessCheck, readiness } from '../../lib/health';
import type { IngressMetrics } from '../../lib/metrics';

export interface IngressOps {
  metrics: IngressMetrics;
  checks: ReadinessCheck[];
}

/** Paths scraped every few seconds: their request lines are logged at debug, not info. */
export const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function addOpsRoutes(router: Router, ops: IngressOps): void {
  router.get('/readyz', async (ctx) => {
    const report = await readiness(ops.checks);
    ctx.status = report.ready ? 200 : 503;
    ctx.body = report;
  });
  router.get('/metrics', async (ctx) => {
    ctx.body = await ops.metrics.registry.metrics();
    ctx.type = ops.metrics.registry.contentType;
  });
}

/** Observes every request's duration by route pattern (never the raw path) and status. */
export function requestTimer(metrics: IngressMetrics | undefined): Middleware {
  return async (ctx, next) => {
    if (!metrics) return next();
    const done = metrics.requestLatency.startTimer();
    try {
      await next();
    } finally {
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
      done({ route, status: String(ctx.status) });
    }
  };
}
