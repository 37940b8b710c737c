// What the ingress measures about deliveries, with label values bounded by the
// definitions in force: a source, event type or flow they do not name is counted as "other".
import type { RouterMiddleware } from '@koa/router';
import { HookflowError, OverloadedError, SchemaViolationError, StartRefusedError, UnavailableError } from '../../lib/errors';
import { type DeliveryOutcomeLabel, type IngressMetrics, OTHER } from '../../lib/metrics';
import type { Definitions } from '../../definitions/definitions';
import type { WebhookResponse } from './webhook';

interface KnownLabels { sources: Set<string>; eventTypes: Set<string> }

const known = new WeakMap<object, KnownLabels>();

/** Built once per definitions object (they are replaced, not mutated, on reload). */
function knownLabels(definitions: Pick<Definitions, 'sources' | 'eventSchemas' | 'events' | 'flows'>): KnownLabels {
  let labels = known.get(definitions);
  if (!labels) {
    const eventTypes = definitions.events?.allTypes() ?? new Set(definitions.eventSchemas.keys());
    for (const flow of definitions.flows) for (const type of flow.trigger.events) eventTypes.add(type);
    labels = { sources: new Set(definitions.sources.keys()), eventTypes };
    known.set(definitions, labels);
  }
  return labels;
}

const bounded = (value: string | undefined, allowed: Set<string>) => (value !== undefined && allowed.has(value) ? value : OTHER);

/**
 * Route middleware for /webhooks/:source: counts the delivery by outcome once the handler
 * answered (ctx.state.answered) or threw.
 */
export function observeWebhook(metrics: IngressMetrics, getDefinitions: () => Definitions): RouterMiddleware {
  return async (ctx, next) => {
    const labels = knownLabels(getDefinitions());
    const source = bounded(ctx.params.source, labels.sources);
    try {
      await next();
    } catch (err) {
      const eventType = err instanceof SchemaViolationError ? err.eventType : undefined;
      // An overload 503 was refused before anything was tried: not an event that could not be stored.
      const outcome: DeliveryOutcomeLabel = err instanceof OverloadedError ? 'overloaded' : err instanceof UnavailableError ? 'unavailable' : err instanceof StartRefusedError ? 'failed' : 'rejected';
      metrics.deliveries.inc({ source, event_type: bounded(eventType, labels.eventTypes), outcome });
      metrics.rejections.inc({ source, reason: err instanceof HookflowError ? err.code : 'internal_error' });
      throw err;
    }
    const body = ctx.state.answered as Pick<WebhookResponse['body'], 'eventType'> & { status: DeliveryOutcomeLabel };
    metrics.deliveries.inc({ source, event_type: bounded(body.eventType, labels.eventTypes), outcome: body.status });
    if (body.status === 'duplicate') metrics.duplicates.inc({ source });
  };
}
