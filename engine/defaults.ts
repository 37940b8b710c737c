// Defaults a step gets when its YAML says nothing. Sane for webhook work: a few quick retries
// with backoff, then a visible failure instead of retrying forever.
import type { RetrySpec } from './types';

export const DEFAULT_STEP_TIMEOUT = '30s';

export const DEFAULT_RETRY: Required<Omit<RetrySpec, 'nonRetryableErrorTypes'>> = {
  maximumAttempts: 10,
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
};

export const DEFAULT_FOREACH_CONCURRENCY = 4;

/**
 * How long a correlated run started by a callback holds it for its trigger (`correlation.
 * triggerTimeout`), filled in by the loader. A callback type that also comes without any trigger
 * (every ordinary payment.succeeded, for a flow triggered by payment.failed) costs one short run
 * that ends quietly, so the window is minutes, not the day it was.
 */
export const DEFAULT_TRIGGER_TIMEOUT = '10m';

/**
 * Activities a step runs as a local activity unless it says `local: false`: short MongoDB
 * effects and log lines. They skip an activity task's round trip through the Temporal server;
 * their idempotency keys keep them exactly once when a local attempt or a workflow task is
 * retried. Email and HTTP calls wait on other systems for longer, so they stay ordinary.
 */
export const LOCAL_BY_DEFAULT: ReadonlySet<string> = new Set(['mongo.updateOne', 'mongo.insertOne', 'mongo.findOneAndUpdate', 'mongo.find', 'log']);

/** Whether a call runs as a local activity (runs recording the local-activities patch only). */
export const runsLocally = (call: { uses: string; local?: boolean }): boolean => call.local ?? LOCAL_BY_DEFAULT.has(call.uses);

/**
 * A local step's backoff before its next attempt is waited out in the worker only up to this;
 * a longer one becomes a durable timer in the run's history. While a local step backs off in
 * the worker, its run's workflow task holds a workflow-task slot (and is heartbeated past its
 * deadline), so a handful of runs retrying a poisoned event stalled every other run (issue 25).
 * Below the default retry's 1 s first interval: a step's backoff never holds a slot unless the
 * flow asks for sub-second retries. The marker of each attempt carries its backoff, so replay
 * follows the history, whatever threshold recorded it (test/workflow/retry-isolation.test.ts).
 */
export const LOCAL_RETRY_THRESHOLD = '500ms';
