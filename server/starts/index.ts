// Run starting: how the ingress hands an event's planned runs to Temporal. Every caller (a
// webhook, the relay, a replay) goes through the one chain assembled here:
// rate limits → measured → breaker → Temporal.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { IngressMetrics } from '../../lib/metrics';
import type { Db } from 'mongodb';
import { measuredStarter } from './measured';
import type { RunStarter } from './planned-runs';
import { RateLimiter, rateLimitedStarter } from './rate-limits';
import { createRunStarter } from './start-runs';
import { type BreakerOptions, type TemporalBreaker, createTemporalBreaker } from './temporal-breaker';

export { type PlannedRun, type RunStart, type RunStarter, planRuns, runEvent } from './planned-runs';
export { RATE_LIMITED, RATE_LIMITS_COLLECTION, RateLimiter, ignoredOutcome } from './rate-limits';
export { createRunStarter } from './start-runs';
export { type TemporalBreaker, createTemporalBreaker } from './temporal-breaker';
export { ingressDataConverter } from './temporal-payloads';
export { tracedClientInterceptors } from './tracing';

export interface IngressStarterSettings {
  taskQueue: string;
  /** How long one start call may wait on Temporal (ms). */
  startDeadlineMs: number;
  /** Consecutive transient failures that open the breaker, and its probe interval (tests shorten them). */
  breaker?: Pick<BreakerOptions, 'failuresToOpen' | 'probeEveryMs'>;
}

export interface IngressStarterDeps {
  client: Client;
  log: Logger;
  metrics: IngressMetrics;
  /** Where the rate limits keep their windows, and the delivery record a fully dropped event marks. */
  deliveries: { db: Db; settings: { dedupeWindowSeconds: number }; markRateLimited(source: string, eventId: string): Promise<void> };
  /** Called when the breaker closes again: the relay starts what waited. */
  onTemporalBack: () => void;
  /** The start call itself; a test that runs no Temporal gives its own, everything around it stays. */
  temporalStart?: RunStarter;
}

export interface IngressStarter {
  start: RunStarter;
  breaker: TemporalBreaker;
}

export function createIngressStarter(settings: IngressStarterSettings, deps: IngressStarterDeps): IngressStarter {
  const { client, log, deliveries } = deps;
  const probe = () => client.connection.withDeadline(Date.now() + settings.startDeadlineMs, () => client.workflowService.getSystemInfo({}));
  const breaker = createTemporalBreaker({ log, probe, onClose: deps.onTemporalBack, ...settings.breaker });
  const temporal = deps.temporalStart ?? createRunStarter(client, settings.taskQueue, log, settings.startDeadlineMs);
  const limiter = new RateLimiter(deliveries.db, { keepSeconds: deliveries.settings.dedupeWindowSeconds });
  return { start: measuredStarter(rateLimitedStarter(breaker.guard(temporal), limiter, deliveries), deps.metrics), breaker };
}
