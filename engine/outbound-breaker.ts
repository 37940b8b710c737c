// The breaker's failure-rate rule, pure so it can be tested with any clock: besides K failures in
// a row, a destination pauses when over `over` of its attempts in the last `windowMs` failed, once
// it had `minAttempts` in that window. Attempts are counted in buckets of a tenth of the window
// (at least a second), kept in MongoDB by activities/outbound-window.ts.
import type { FailureRateSettings } from './outbound';

export interface WindowBucket { start: number; attempts: number; failures: number }

export interface FailureRate { attempts: number; failures: number; rate: number; trips: boolean }

export const bucketMs = (windowMs: number): number => Math.max(1000, Math.floor(windowMs / 10));

/** The start (epoch ms) of the bucket `at` falls in. */
export const bucketStart = (at: number, windowMs: number): number => Math.floor(at / bucketMs(windowMs)) * bucketMs(windowMs);

/**
 * The failure rate over the window ending at `now`: buckets that began within it count whole.
 * Buckets that began before `since` (the destination was last made active again) do not count,
 * so a resumed destination is not paused again for the failures that paused it.
 */
export function failureRate(buckets: readonly WindowBucket[], s: FailureRateSettings, now: number, since = -Infinity): FailureRate {
  const from = Math.max(now - s.windowMs, since - 1);
  let attempts = 0;
  let failures = 0;
  for (const b of buckets) {
    if (b.start <= from || b.start > now) continue;
    attempts += b.attempts;
    failures += b.failures;
  }
  const rate = attempts ? failures / attempts : 0;
  return { attempts, failures, rate, trips: attempts >= s.minAttempts && rate > s.over };
}

export const failureRateReason = (r: FailureRate, s: FailureRateSettings): string =>
  `${Math.round(r.rate * 100)}% of ${r.attempts} attempts failed within ${Math.round(s.windowMs / 1000)} s (over ${Math.round(s.over * 100)}%)`;
