// Builds the ingress's metrics and readiness checks from its dependencies; shared by the ingress
// process and the test ingress so both measure the same things.
import type { Db } from 'mongodb';
import { standardChecks } from '../lib/health';
import { createIngressMetrics } from '../lib/metrics';
import type { DeliveryStore } from './deliveries/store';
import type { IngressOps } from './ops-routes';
import { measuredStarter } from './observe';
import type { RunStarter } from './planned-runs';
import { RateLimiter, rateLimitedStarter } from './rate-limits';

export interface IngressOpsDeps {
  temporal: Parameters<typeof standardChecks>[0]['temporal'];
  db: Db;
  deliveries: DeliveryStore;
  backlogCacheMs?: number;
}

export function createIngressOps(deps: IngressOpsDeps): IngressOps & { measure(start: RunStarter): RunStarter } {
  const limiter = new RateLimiter(deps.db, { keepSeconds: deps.deliveries.settings.dedupeWindowSeconds });
  const metrics = createIngressMetrics({ backlog: () => deps.deliveries.countPending(), oldestPending: () => deps.deliveries.oldestPendingAt(), backlogCacheMs: deps.backlogCacheMs });
  // Every record marked failed, by the request or by any relay of this process, is counted once.
  deps.deliveries.onFailed((source, reason) => metrics.startFailures.inc({ source, reason }));
  return {
    metrics,
    checks: standardChecks({ temporal: deps.temporal, mongo: deps.db }),
    // The starter as the ingress uses it: flows' rate limits applied first, then measured.
    measure: (start) => measuredStarter(rateLimitedStarter(start, limiter, deps.db), metrics),
  };
}
