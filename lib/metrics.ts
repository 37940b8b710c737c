// Prometheus metrics. The ingress: what arrives, what is refused and why, how long starting
// a run takes, and what is still waiting to be handed to Temporal. The worker: email resends and
// workflow tasks over their deadline (the SDK serves its slots and schedule-to-start latency).
// Label values come from the definitions in force (sources, event types, flows) or from the fixed
// set of error codes, never from raw request input, so the number of series stays bounded.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { type ReadDestinationStates, destinationStateGauge } from './destination-state-gauge';

/** The label value for a source, event type or flow that the definitions do not know. */
export const OTHER = 'other';

export type DeliveryOutcomeLabel = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'handshake' | 'unavailable' | 'overloaded' | 'failed' | 'rate_limited';

export interface IngressMetrics {
  registry: Registry;
  deliveries: Counter<'source' | 'event_type' | 'outcome'>;
  rejections: Counter<'source' | 'reason'>;
  duplicates: Counter<'source'>;
  startFailures: Counter<'source' | 'reason'>;
  runsStarted: Counter<'flow'>;
  rateLimited: Counter<'flow'>;
  startLatency: Histogram<'outcome'>;
  requestLatency: Histogram<'route' | 'status'>;
  relayBacklog: Gauge;
  relayOldestPending: Gauge;
}

export interface IngressMetricsOptions {
  /** Counts the deliveries waiting in the outbox; asked at most once per `backlogCacheMs` (on scrape). */
  backlog?: () => Promise<number>;
  backlogCacheMs?: number;
  /** When the oldest delivery still waiting in the outbox arrived (undefined: none waits); cached like the backlog. */
  oldestPending?: () => Promise<Date | undefined>;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createIngressMetrics(opts: IngressMetricsOptions = {}): IngressMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hookflow_ingress_' });
  const registers = [registry];
  return {
    registry,
    deliveries: new Counter({ name: 'hookflow_deliveries_total', help: 'Webhook deliveries by source, event type and outcome (accepted, duplicate, ignored, handshake, rate_limited, rejected, unavailable: could not be stored, overloaded: refused at the admission bound, failed).', labelNames: ['source', 'event_type', 'outcome'], registers }),
    rejections: new Counter({ name: 'hookflow_rejections_total', help: 'Deliveries answered 4xx/5xx, by source and error code.', labelNames: ['source', 'reason'], registers }),
    duplicates: new Counter({ name: 'hookflow_duplicates_total', help: 'Duplicate deliveries recognised (nothing started).', labelNames: ['source'], registers }),
    startFailures: new Counter({ name: 'hookflow_start_failures_total', help: 'Stored events whose runs will never be started (marked failed), by source and reason (not_found, invalid_argument, payload_too_large, gave_up, …).', labelNames: ['source', 'reason'], registers }),
    runsStarted: new Counter({ name: 'hookflow_runs_started_total', help: 'Workflow runs started by the ingress (request or relay), by flow.', labelNames: ['flow'], registers }),
    rateLimited: new Counter({ name: 'hookflow_rate_limited_total', help: 'Runs not started because their flow\'s rateLimit was reached (the event is acknowledged and recorded as rate_limited), by flow.', labelNames: ['flow'], registers }),
    startLatency: new Histogram({ name: 'hookflow_workflow_start_seconds', help: 'Time to hand one event (all its runs) to Temporal, by outcome (started, duplicate, failed).', labelNames: ['outcome'], buckets: SECONDS, registers }),
    requestLatency: new Histogram({ name: 'hookflow_ingress_request_duration_seconds', help: 'Ingress request duration, by route and HTTP status.', labelNames: ['route', 'status'], buckets: SECONDS, registers }),
    relayBacklog: backlogGauge(registry, opts),
    relayOldestPending: oldestPendingGauge(registry, opts),
  };
}

/** A store read refreshed at most once per cache period, so frequent scrapes cost one query. */
function cachedRead<T>(read: () => Promise<T>, cacheMs: number): () => Promise<T> {
  let value: T;
  let readAt = -Infinity;
  return async () => {
    if (Date.now() - readAt >= cacheMs) {
      value = await read();
      readAt = Date.now();
    }
    return value;
  };
}

/** Age of the oldest waiting delivery: a backlog that does not drain shows as a growing age. */
function oldestPendingGauge(registry: Registry, opts: IngressMetricsOptions): Gauge {
  const { oldestPending } = opts;
  const read = oldestPending && cachedRead(() => oldestPending().catch(() => null), opts.backlogCacheMs ?? 5000);
  return new Gauge({
    name: 'hookflow_relay_oldest_pending_seconds',
    help: 'Age (s) of the oldest accepted delivery whose runs are not started yet; 0 when none waits, -1 when the store cannot be read.',
    registers: [registry],
    async collect() {
      if (!read) return;
      const since = await read();
      this.set(since === null ? -1 : since ? Math.max(0, (Date.now() - since.getTime()) / 1000) : 0);
    },
  });
}

function backlogGauge(registry: Registry, opts: IngressMetricsOptions): Gauge {
  const { backlog } = opts;
  const read = backlog && cachedRead(() => backlog().catch(() => -1), opts.backlogCacheMs ?? 5000);
  return new Gauge({
    name: 'hookflow_relay_backlog',
    help: 'Accepted deliveries whose runs are not started yet (waiting in the outbox for the relay); -1 when the store cannot be read.',
    registers: [registry],
    async collect() {
      if (read) this.set(await read());
    },
  });
}

/** The worker's own metrics, served on its ops port (worker/ops-server.ts) beside the SDK's. */
export interface WorkerMetrics {
  registry: Registry;
  /** Emails sent again because an earlier attempt may have delivered them (same Message-ID). */
  emailResends: Counter;
  /** Workflow tasks that ran past their deadline (the SDK's TMPRL1104 warning): a stalled worker. */
  workflowTasksOverDeadline: Counter;
  /** Tells the polling gauge what the worker is doing (its SDK state: RUNNING, DRAINING, …). */
  watchWorker(state: () => string): void;
  /** Outbound webhooks per destination (labels: destination names from destinations/*.yaml). */
  outbound: OutboundMetrics;
}

export interface OutboundMetrics {
  attempt(destination: string, ok: boolean, ms: number): void;
  state(destination: string, state: 'active' | 'paused' | 'disabled'): void;
  /** Where the state gauge reads the destinations' states on each scrape (lib/destination-state-gauge.ts). */
  watchStates(read: ReadDestinationStates): void;
}

function outboundMetrics(registry: Registry): OutboundMetrics {
  const attempts = new Counter({ name: 'hookflow_outbound_attempts_total', help: 'Outbound webhook delivery attempts, by destination and outcome (ok, failed).', labelNames: ['destination', 'outcome'], registers: [registry] });
  const latency = new Histogram({ name: 'hookflow_outbound_attempt_seconds', help: 'How long a destination took to answer a delivery attempt.', labelNames: ['destination'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const state = destinationStateGauge(registry);
  return {
    attempt(destination, ok, ms) {
      attempts.inc({ destination, outcome: ok ? 'ok' : 'failed' });
      latency.observe({ destination }, ms / 1000);
    },
    state: state.saw,
    watchStates: state.watch,
  };
}

/** The over-deadline counter, and beside it when it last counted (the console's Health page: a stall now, not an hour ago). */
function overDeadlineCounter(registry: Registry): Counter {
  const counter = new Counter({ name: 'hookflow_worker_workflow_tasks_over_deadline_total', help: 'Workflow tasks that ran past their deadline (the SDK\'s TMPRL1104 warning, over 5 s): runs waiting in the worker hold their slots and stall the others.', registers: [registry] });
  const last = new Gauge({ name: 'hookflow_worker_last_workflow_task_over_deadline_seconds', help: 'Unix time of the last workflow task over its deadline (0: none since start).', registers: [registry] });
  last.set(0);
  const inc = counter.inc.bind(counter);
  counter.inc = ((...args: unknown[]) => { last.setToCurrentTime(); (inc as (...a: unknown[]) => void)(...args); }) as Counter['inc'];
  return counter;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hookflow_worker_' });
  let workerState: (() => string) | undefined;
  new Gauge({
    name: 'hookflow_worker_polling',
    help: 'Whether this worker is polling its task queue (1: running; 0: starting, draining or stopped).',
    registers: [registry],
    collect() { this.set(workerState?.() === 'RUNNING' ? 1 : 0); },
  });
  return {
    registry,
    emailResends: new Counter({ name: 'hookflow_email_resends_total', help: 'Emails sent again, with the same Message-ID, because an earlier attempt was cut off after it may have delivered them.', registers: [registry] }),
    workflowTasksOverDeadline: overDeadlineCounter(registry),
    watchWorker: (state) => { workerState = state; },
    outbound: outboundMetrics(registry),
  };
}
