// The activity factory: every side effect a flow can ask for, built from injected dependencies.
import type { ActivityRequest } from '../engine/contract';
import { absorbedActivities } from './absorbed';
import type { ActivityDeps } from './effects';
import { emailActivities } from './email';
import { httpActivities } from './http';
import { HostPacer } from './host-pacing';
import { mongoActivities } from './mongo';
import { mongoReadActivities } from './mongo-read';
import { type SecretLookup, envSecrets } from './secrets';
import { checkedAgainstCatalog } from './catalog-check';
import { type OutboundMetrics, outboundActivities } from './outbound';

export type { ActivityDeps } from './effects';

export function createActivities(deps: ActivityDeps & { mailFrom: string; secrets?: SecretLookup; outboundMetrics?: OutboundMetrics }) {
  const activities = {
    ...mongoActivities(deps),
    ...mongoReadActivities(deps),
    ...absorbedActivities(deps),
    ...emailActivities(deps, deps.mailFrom),
    ...httpActivities({ log: deps.log, secrets: deps.secrets ?? envSecrets(), pacer: new HostPacer(deps.db, deps.httpHostLimits ?? {}, { log: deps.log }), egress: deps.egress }),
    ...outboundActivities({ db: deps.db, log: deps.log, destinations: deps.destinations ?? NO_DESTINATIONS, secrets: deps.secrets ?? envSecrets(), egress: deps.egress, metrics: deps.outboundMetrics }),
    async log({ args }: ActivityRequest): Promise<void> {
      const level = args.level === 'warn' || args.level === 'error' ? args.level : 'info';
      deps.log[level]({ fields: args.fields }, String(args.message ?? ''));
    },
  };
  // Every catalog activity checks its rendered arguments first (activities/catalog-check.ts).
  for (const [name, fn] of Object.entries(activities)) (activities as Record<string, unknown>)[name] = checkedAgainstCatalog(name, fn as never);
  return activities;
}

const NO_DESTINATIONS = { current: () => [], get: () => undefined };

export type Activities = ReturnType<typeof createActivities>;
