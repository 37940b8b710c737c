// The shape of a flow definition once loaded and validated. Pure types: workflow code imports them.
import type { ScheduleTrigger } from './schedule';
import type { CorrelationSpec, WaitStep } from './wait-types';

export type { CorrelationSpec, WaitStep } from './wait-types';

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
}

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
  /** A clock instead of events (lib/flow/schedule.ts); source and events are then filled in by the loader. */
  schedule?: ScheduleTrigger;
}

export interface FlowDefinition {
  name: string;
  description?: string;
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
}

/** The event as a flow sees it. */
export interface FlowEvent {
  id: string;
  type: string;
  source: string;
  receivedAt: string;
  body: unknown;
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
