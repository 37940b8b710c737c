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
