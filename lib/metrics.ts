// Prometheus metrics of the ingress: what arrives, what is refused and why, how long starting
// a run takes, and what is still waiting to be handed to Temporal.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface IngressMetrics {
  registry: Registry;
  deliveries: Counter<'source' | 'event_type' | 'outcome'>;
  rejections: Counter<'source' | 'reason'>;
  duplicates: Counter<'source'>;
  runsStarted: Counter<'flow'>;
  startLatency: Histogram<'outcome'>;
  requestLatency: Histogram<'route' | 'status'>;
  relayBacklog: Gauge;
}

/** `backlog` is asked on every scrape, so the gauge is never stale. */
export function createIngressMetrics(backlog?: () => Promise<number>): IngressMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hookflow_ingress_' });
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    deliveries: new Counter({ name: 'hookflow_deliveries_total', help: 'Deliveries by source, event type and outcome (accepted, duplicate, ignored, rejected).', labelNames: ['source', 'event_type', 'outcome'], registers: [registry] }),
    rejections: new Counter({ name: 'hookflow_rejections_total', help: 'Rejected deliveries by source and error code.', labelNames: ['source', 'reason'], registers: [registry] }),
    duplicates: new Counter({ name: 'hookflow_duplicates_total', help: 'Duplicate deliveries recognised (nothing started).', labelNames: ['source'], registers: [registry] }),
    runsStarted: new Counter({ name: 'hookflow_runs_started_total', help: 'Workflow runs started, by flow.', labelNames: ['flow'], registers: [registry] }),
    startLatency: new Histogram({ name: 'hookflow_workflow_start_seconds', help: 'Time to hand one event to Temporal.', labelNames: ['outcome'], buckets: seconds, registers: [registry] }),
    requestLatency: new Histogram({ name: 'hookflow_http_request_duration_seconds', help: 'Ingress request duration.', labelNames: ['route', 'status'], buckets: seconds, registers: [registry] }),
    relayBacklog: new Gauge({
      name: 'hookflow_relay_backlog',
      help: 'Acknowledged deliveries not yet handed to Temporal.',
      registers: [registry],
      async collect() {
        if (backlog) this.set(await backlog().catch(() => -1));
      },
    }),
  };
}
