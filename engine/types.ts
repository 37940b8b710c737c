// The shape of a flow definition once loaded and validated: steps, triggers, callbacks
// (docs/flows.md). Pure types, one file because they refer to each other: workflow code imports them.

export interface RetrySpec {
  maximumAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
  nonRetryableErrorTypes?: string[];
}

/** An activity call: the building block of steps and of compensations. */
export interface ActivityCall {
  /** Activity name from the catalog, e.g. "mongo.updateOne". */
  uses: string;
  /** Arguments; strings may hold {{ expression }} templates; `{ secret: NAME }` references a secret. */
  with?: Record<string, unknown>;
  retry?: RetrySpec;
  /** Start-to-close timeout of one attempt, e.g. "30s". */
  timeout?: string;
  /** Run as a local activity (in the worker, no activity task through Temporal); default per activity (engine/defaults.ts). */
  local?: boolean;
}

export type { SecretDeclaration } from './secret-refs';
import type { SecretDeclaration } from './secret-refs';

export interface StepBase {
  id: string;
  /** Expression; the step runs only when it is truthy. */
  if?: string;
}

export interface ActivityStep extends StepBase, ActivityCall {
  /** Expression yielding an array; the step runs once per element, bound to `as`. */
  forEach?: string;
  as?: string;
  concurrency?: number;
  /** forEach: at most this many items (default DEFAULT_FOREACH_MAX_ITEMS, at most FOREACH_HARD_MAX_ITEMS); more fail the step before any item runs. */
  maxItems?: number;
  /** Undoes this step when a later step fails (saga): run in reverse order of completion. */
  compensate?: ActivityCall;
}

/** A durable timer: the run sleeps (in Temporal, not in a worker) for a duration. */
export interface DelayStep extends StepBase {
  delay: string;
}

/** Branches that run at the same time; each branch is a list of steps run in order. */
export interface ParallelStep extends StepBase {
  parallel: { steps: StepDefinition[] }[];
}

export type StepDefinition = ActivityStep | DelayStep | ParallelStep | WaitStep;

export interface TriggerDefinition {
  source: string;
  events: string[];
  /** Condition over `event`; the flow starts only when it is truthy. */
  filter?: string;
  /** Expression over the event; default: the provider's event id. */
  idempotencyKey?: string;
  /** A clock instead of events (engine/schedule.ts); source and events are then filled in by the loader. */
  schedule?: ScheduleTrigger;
  /** Versioned event types: the version the flow is written for ("2"), a range (">=2", "1..2") or "*" (any, as sent; the default). */
  version?: string;
  /** Filled in by the loader from `version` (engine/event-versions.ts): per event type, what the flow takes and how older versions are upcast. */
  versions?: Record<string, TakenVersions>;
}

/** The versions of one event type a flow takes as sent, and the upcast chains that bring older ones to `asSent[0]`. */
export interface TakenVersions {
  asSent: string[];
  /** Older version → the upcasts to apply in order (each a JSONata expression over the body, giving the next version's body). */
  upcast: Record<string, { to: string; expression: string }[]>;
}

// A scheduled trigger (engine/schedule.ts): a flow started by a clock instead of by events.
/** What to do when a run is due while the previous one still runs (Temporal's overlap policy). */
export const OVERLAP_POLICIES = ['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'terminateOther', 'allowAll'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export interface ScheduleTrigger {
  /** Interval such as 15m: runs at epoch + n × every + offset (UTC). */
  every?: string;
  offset?: string;
  /** One or more cron expressions (5 fields, or @hourly/@daily/…), in `timezone` (default UTC). */
  cron?: string | string[];
  timezone?: string;
  /** Default skip: a sweep never runs twice at once. */
  overlap?: OverlapPolicy;
  /** How late a missed run (Temporal was down) may still start; default 10m. */
  catchupWindow?: string;
}

// Callbacks (docs/flows.md "Waiting for callbacks"): correlated flows, wait steps and their reconciliation.
export interface CorrelationSpec {
  /** Expression over an event giving its correlation key: the trigger's, and every callback's unless its wait step says otherwise. */
  key: string;
  /** How long a run started by an early callback waits for its trigger event (default 1d). */
  triggerTimeout?: string;
}

export interface WaitSpec {
  /** Event types (from the trigger's source) that settle the wait; the first to arrive wins. */
  events: string[];
  /** e.g. 30m, or a {{ expression }} giving such a duration. */
  timeout: string;
  /** Expression over the incoming event giving its correlation key (default: correlation.key). */
  key?: string;
}

/** Backoff between reconciliation rounds when the provider does not know the outcome yet. */
export interface ReconcileRetry {
  /** Rounds in total (each runs the onTimeout steps once); default 5. */
  maximumAttempts?: number;
  /** Wait after the first round that settled nothing; default 1m. */
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
}

export interface ReconcileSpec {
  /** Run when the wait times out, typically an http.request asking the provider for the status. */
  steps: StepDefinition[];
  /** Event type → condition: the first true one settles the wait as if that event had arrived. */
  when: Record<string, string>;
  retry?: ReconcileRetry;
}

export interface WaitStep extends StepBase {
  wait: WaitSpec;
  onTimeout?: ReconcileSpec;
}

/** What a wait step gives later steps (steps.<id>.output). */
export interface WaitOutput {
  /** received: a callback came; reconciled: onTimeout settled it; timedOut: nothing came and there is no onTimeout. */
  outcome: 'received' | 'reconciled' | 'timedOut';
  /** The event type that settled the wait (a callback's, or the one onTimeout chose). */
  type?: string;
  /** The callback itself (received only). */
  event?: { id: string; type: string; source: string; receivedAt: string; body: unknown };
  /** Reconciliation rounds taken. */
  rounds: number;
}

export interface FlowDefinition {
  name: string;
  description?: string;
  /** Environment variables the flow needs; while one is unset the flow is off (definitions/). */
  requires?: string[];
  /** Secrets its steps name (`{ secret: NAME }`), each optionally with the hosts it may be sent to (engine/secret-refs.ts). */
  secrets?: SecretDeclaration[];
  /** Content hash of the definition, so runs say which version they executed. */
  version: string;
  trigger: TriggerDefinition;
  steps: StepDefinition[];
  /** Steps run after a failure (and after compensations), with `error` in scope. */
  onFailure?: StepDefinition[];
  /** Correlated flow: one run per key, fed by signals (trigger and callbacks); needed by wait steps. */
  correlation?: CorrelationSpec;
  /** Expression over the event: events of one entity run one at a time, in arrival order. */
  entityKey?: string;
  // Flow controls (docs/flows.md "rateLimit", "priority and fairness"): rate limit at the ingress, priority on the run's start.
  /** At most `limit` runs per `period` (per key value): the excess events are dropped and recorded as rate_limited. */
  rateLimit?: RateLimitSpec;
  /** Expression over the event giving 1 (first) … 5 (last): Temporal's priority key of the run and its activities. */
  priority?: string | number;
  /** Runs of one key value get their share of workers (Temporal's fairness key), weighted by `weight`. */
  fairness?: FairnessSpec;
  // Collecting controls (docs/flows.md "Debounce and batch"): events wait in a collector per key.
  /** A burst of events for one key becomes one run with the last event, `period` after the last one. */
  debounce?: DebounceSpec;
  /** One run receives the events of a key that arrive together (`events` in scope; `event` is the first). */
  batch?: BatchSpec;
  // Flow controls (engine/controls.ts, workflows/gate.ts): runs of one key wait in a gate.
  /** At most `limit` runs per key value at once; the rest wait in arrival order. */
  concurrency?: ConcurrencySpec;
  /** At most `limit` starts per `period` per key value, spread evenly; the rest wait. */
  throttle?: ThrottleSpec;
}

export interface RateLimitSpec {
  limit: number;
  /** A duration such as 1m: windows of this length, aligned on the epoch. */
  period: string;
  /** Expression over the event; each value has its own limit (default: one limit for the flow). */
  key?: string;
}

export interface FairnessSpec {
  /** Expression over the event, e.g. event.body.shop_id. */
  key: string;
  /** A number, or an expression over the event giving one (default 1). */
  weight?: number | string;
}

export interface DebounceSpec {
  /** Expression over the event: bursts are per key value. */
  key: string;
  /** Quiet time after the last event before the run starts, e.g. 3s. */
  period: string;
  /** Cap on the wait from the burst's first event (at least period); default none. */
  timeout?: string;
}

export interface BatchSpec {
  /** Events per run at most (1..1000). */
  maxSize: number;
  /** How long the first event of a batch waits for the others. */
  timeout: string;
  /** Expression over the event: batches are per key value; default one batch per flow and source. */
  key?: string;
}

export interface ConcurrencySpec {
  limit: number;
  /** Expression over the event; without it, the limit is per flow (and source). */
  key?: string;
}

export interface ThrottleSpec {
  limit: number;
  /** e.g. 1s, 1m. */
  period: string;
  /** Starts that may go at once when the gate has been quiet (default 1: evenly spread); at most limit. */
  burst?: number;
  key?: string;
}

/** The event as a flow sees it. */
export interface FlowEvent {
  id: string;
  type: string;
  source: string;
  receivedAt: string;
  body: unknown;
  /** A versioned type's version (after an upcast, the version the body now has). */
  version?: string;
  /** The version the provider sent, when the ingress upcast the body for this flow. */
  upcastFrom?: string;
}

export function isDelayStep(step: StepDefinition): step is DelayStep {
  return 'delay' in step;
}

export function isParallelStep(step: StepDefinition): step is ParallelStep {
  return 'parallel' in step;
}

export function isWaitStep(step: StepDefinition): step is WaitStep {
  return 'wait' in step;
}

export function isActivityStep(step: StepDefinition): step is ActivityStep {
  return 'uses' in step;
}

/** Every step of a list, depth first, including those inside parallel branches. */
export function allSteps(steps: StepDefinition[]): StepDefinition[] {
  return steps.flatMap((s) => (isParallelStep(s) ? [s, ...s.parallel.flatMap((b) => allSteps(b.steps))]
    : isWaitStep(s) ? [s, ...allSteps(s.onTimeout?.steps ?? [])] : [s]));
}
