// The flow language's callback parts: correlated flows, wait steps and their reconciliation.
// Pure types (docs/flows.md "Waiting for callbacks").
import type { StepBase, StepDefinition } from './types';

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
