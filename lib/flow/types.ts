// The shape of a flow definition once loaded and validated. Pure types: workflow code imports them.

export interface RetrySpec {
  maximumAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
  nonRetryableErrorTypes?: string[];
}

export interface StepDefinition {
  id: string;
  /** Activity name from the catalog, e.g. "mongo.updateOne". */
  uses: string;
  /** Arguments; strings may hold {{ expression }} templates. */
  with?: Record<string, unknown>;
  /** Expression; the step runs only when it is truthy. */
  if?: string;
  /** Expression yielding an array; the step runs once per element, bound to `as`. */
  forEach?: string;
  as?: string;
  concurrency?: number;
  retry?: RetrySpec;
  /** Start-to-close timeout of one attempt, e.g. "30s". */
  timeout?: string;
}

export interface TriggerDefinition {
  source: string;
  events: string[];
  /** Expression over the event; default: the provider's event id. */
  idempotencyKey?: string;
}

export interface FlowDefinition {
  name: string;
  description?: string;
  /** Content hash of the definition, so runs say which version they executed. */
  version: string;
  trigger: TriggerDefinition;
  steps: StepDefinition[];
}

/** The event as a flow sees it. */
export interface FlowEvent {
  id: string;
  type: string;
  source: string;
  receivedAt: string;
  body: unknown;
}
